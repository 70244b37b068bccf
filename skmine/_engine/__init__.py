"""The numerical engine behind every estimator (private).

``scaffold`` prepares a fit (validation, seed, folds, preprocessing, device, threads);
``training`` runs the loop on a problem from ``problems``; ``folds``, ``pairs`` and
``readout`` define which samples each critic trains and is read out on, and how the held-out
values become an estimate with a standard error.
"""
