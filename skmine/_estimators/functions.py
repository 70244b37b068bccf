"""One-line estimates: ``skmine.mutual_info`` and ``skmine.entropy``, scipy-style results."""

from __future__ import annotations

from dataclasses import dataclass

from sklearn.base import BaseEstimator

METHODS = {"mine": "MINE", "dim": "DeepInfoMaxJSD", "minee": "MINEE"}


@dataclass(frozen=True)
class EstimateResult:
    """An estimate in nats with its uncertainty, and the fitted estimator behind it.

    Attributes
    ----------
    estimate : float
        The estimator's reported value (``mutual_info_`` or ``entropy_x_``).
    std : float
        Its standard error.
    confidence_interval : tuple of float
        ``(low, high)`` at the estimator's ``confidence_level``.
    estimator : BaseEstimator
        The fitted estimator (its ``history_``, ``critic_`` and other attributes).
    """

    estimate: float
    std: float
    confidence_interval: tuple[float, float]
    estimator: BaseEstimator


def _estimator(method: str, params: dict) -> BaseEstimator:
    import skmine

    if method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r}")
    return getattr(skmine, METHODS[method])(**params)


def mutual_info(X, y, *, method: str = "mine", random_state=None, **params) -> EstimateResult:
    """Mutual information between ``X`` and ``y`` in nats, with a standard error and interval.

    ``mutual_info(X, y)`` is ``MINE(random_state=...).fit(X, y)`` read out as a result:
    the same estimate policy (cross-fitted, optimism-corrected, see :class:`~skmine.MINE`).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Samples of the first variable.
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        Samples of the second variable, row-aligned with ``X``: continuous values or class
        labels.
    method : {"mine", "dim", "minee"}, default="mine"
        The estimator: :class:`~skmine.MINE`, :class:`~skmine.DeepInfoMaxJSD` or
        :class:`~skmine.MINEE`.
    random_state : int, RandomState instance or None, default=None
        Seeds the folds, critics and minibatches.
    **params
        Any other parameter of the estimator (e.g. ``confidence_level=0.9``,
        ``device="cuda"``).

    Returns
    -------
    EstimateResult
        ``estimate``, ``std``, ``confidence_interval`` and the fitted ``estimator``.

    Examples
    --------
    >>> import skmine
    >>> from skmine.datasets import correlated_gaussians
    >>> X, y, true_mi = correlated_gaussians(2000, rho=0.8, dim=1, random_state=0)
    >>> result = skmine.mutual_info(X, y, random_state=0)
    >>> low, high = result.confidence_interval
    >>> bool(low <= result.estimate <= high), bool(abs(result.estimate - true_mi) < 0.1)
    (True, True)
    """
    est = _estimator(method, {"random_state": random_state, **params}).fit(X, y)
    return EstimateResult(est.mutual_info_, est.mutual_info_std_, tuple(est.mutual_info_ci_), est)


def entropy(X, *, random_state=None, **params) -> EstimateResult:
    """Differential entropy of ``X`` in nats (in the units of the data), by :class:`~skmine.MINEE`.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Continuous samples (a variable with repeated values has no density: refused).
    random_state : int, RandomState instance or None, default=None
        Seeds the folds, critics, minibatches and reference samples.
    **params
        Any other parameter of :class:`~skmine.MINEE`.

    Returns
    -------
    EstimateResult
        ``estimate`` (``entropy_x_``), ``std``, ``confidence_interval`` and the fitted
        ``estimator``.

    Examples
    --------
    >>> import math
    >>> import numpy as np
    >>> import skmine
    >>> X = np.random.default_rng(0).normal(scale=2.0, size=(2000, 1))
    >>> result = skmine.entropy(X, random_state=0)
    >>> bool(abs(result.estimate - 0.5 * math.log(2 * math.pi * math.e * 4.0)) < 0.1)
    True
    """
    est = _estimator("minee", {"random_state": random_state, **params}).fit(X)
    return EstimateResult(est.entropy_x_, est.entropy_x_std_, tuple(est.entropy_x_ci_), est)
