"""What the command line says about a finished fit (the bar itself is tqdm's, in the loop)."""

from __future__ import annotations

_STOPS = {
    "max_iter": "ran all {max_iter} iterations",
    "early_stopping": (
        "early stopping at iteration {n_iter} of {max_iter} (the held-out estimate stopped "
        "improving)"
    ),
    "non_finite": "stopped at iteration {n_iter} of {max_iter} after repeated non-finite values",
    "interrupted": "interrupted at iteration {n_iter} of {max_iter}",
}


def describe_stop(estimator) -> str:
    """One line: why the fit stopped and which iteration's checkpoint the estimates are from.

    Parameters
    ----------
    estimator : fitted skmine estimator
        Reads ``stop_reason_``, ``n_iter_``, ``best_iteration_`` and its parameters.

    Returns
    -------
    line : str
    """
    reason = estimator.stop_reason_
    params = estimator.get_params()
    template = _STOPS.get(reason, "stopped at iteration {n_iter} of {max_iter} ({reason})")
    why = template.format(n_iter=estimator.n_iter_, reason=reason, **params)
    return (
        f"Training: {why}; estimates from the checkpoint at iteration {estimator.best_iteration_}"
    )
