"""Non-neural reference estimators used in comparisons.

:func:`ksg_mutual_info` is the Kraskov–Stögbauer–Grassberger k-nearest-neighbour estimator
(algorithm 1) for multivariate ``X`` and ``y``. scikit-learn's ``mutual_info_regression``
implements the same estimator for one feature and a scalar target at a time.
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma
from sklearn.neighbors import KDTree, NearestNeighbors
from sklearn.preprocessing import scale
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_consistent_length

__all__ = ["ksg_mutual_info"]


def ksg_mutual_info(X, y, *, n_neighbors: int = 3, random_state=None) -> float:
    """KSG estimate of ``I(X; y)`` in nats for continuous, possibly multivariate, X and y.

    As in scikit-learn, each coordinate is scaled to unit variance and jittered with noise of
    relative size 1e-10 to break ties.

    Parameters
    ----------
    X : array-like of shape (n_samples, dim_x)
        Samples of the first variable, continuous (ties are broken by the jitter).
    y : array-like of shape (n_samples,) or (n_samples, dim_y)
        Samples of the second variable, continuous, row-aligned with ``X``; a 1-D array is
        one column.
    n_neighbors : int, default=3
        ``k`` of the estimator.
    random_state : int, RandomState instance or None
        Seed of the jitter.

    Returns
    -------
    float
        Estimate in nats, clipped at 0.

    References
    ----------
    .. [1] A. Kraskov, H. Stögbauer and P. Grassberger, "Estimating mutual information",
       Phys. Rev. E 69, 2004.
    """
    X = check_array(X, dtype=np.float64)
    y = check_array(y, dtype=np.float64, ensure_2d=False)
    y = y.reshape(-1, 1) if y.ndim == 1 else y
    check_consistent_length(X, y)
    n = X.shape[0]
    if n <= n_neighbors:
        raise ValueError(f"KSG needs more than n_neighbors={n_neighbors} samples, got {n}")
    rng = check_random_state(random_state)
    parts = []
    for part in (X, y):
        part = scale(part, with_mean=False)
        part = part + 1e-10 * np.maximum(1.0, np.abs(part).mean(axis=0)) * rng.standard_normal(
            part.shape
        )
        parts.append(part)
    x, yy = parts
    joint = np.hstack([x, yy])
    nn = NearestNeighbors(metric="chebyshev", n_neighbors=n_neighbors).fit(joint)
    radius = np.nextafter(nn.kneighbors()[0][:, -1], 0)
    counts = [
        KDTree(part, metric="chebyshev").query_radius(part, radius, count_only=True)
        for part in (x, yy)
    ]
    mi = (
        digamma(n)
        + digamma(n_neighbors)
        - np.mean(digamma(counts[0]))
        - np.mean(digamma(counts[1]))
    )
    return max(0.0, float(mi))
