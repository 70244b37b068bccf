"""Every public estimator of I(X; y) in skmine, found at import time, with small training
budgets (``ConditionalMINE``, whose fit also needs ``Z``, has its own tests)."""

import inspect

import numpy as np
from sklearn.base import BaseEstimator

import skmine

ESTIMATOR_CLASSES = [
    obj
    for name in skmine.__all__
    if inspect.isclass(obj := getattr(skmine, name))
    and issubclass(obj, BaseEstimator)
    and obj is not skmine.ConditionalMINE
]


def small(cls, **params):
    """``cls`` with a tiny critic and budget; only parameters ``cls`` accepts are passed."""
    settings = dict(
        hidden_layer_sizes=(32,),
        max_iter=100,
        learning_rate_init=1e-2,
        eval_interval=20,
        random_state=0,
        device="cpu",
    )
    settings.update(params)
    accepted = cls().get_params()
    return cls(**{k: v for k, v in settings.items() if k in accepted})


def dependent_data(n=400, rho=0.8, seed=0):
    """``(X, y)``: a 2-D Gaussian ``X`` and a continuous ``y`` correlated with its first column."""
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n, 2))
    y = rho * X[:, 0] + np.sqrt(1 - rho**2) * rng.standard_normal(n)
    return X, y
