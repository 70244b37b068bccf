"""Samples with known mutual information, the ground truth of every accuracy test.

Each generator returns ``(X, y, mutual_info)``: ``X`` of shape ``(n_samples, dim_x)``,
``y`` of shape ``(n_samples, dim_y)`` (or ``(n_samples,)`` when ``dim_y == 1``) and the true
MI in nats. The families are those of the MI-estimation literature: the MI-NEE paper's MG(rho)
and HG(rho, d) [1]_; dense and sparse multivariate Gaussians, Student-t, MI-preserving
transforms, additive uniform noise and bimodal marginals [2]_. Each is written from its
definition. :data:`TASKS` catalogues named instances for benchmarks.

References
----------
.. [1] C.-H. Chan et al., "Neural Entropic Estimation: A faster path to mutual information
   estimation", 2019.
.. [2] P. Czyż, F. Grabowski, J. Vogt, N. Beerenwinkel and A. Marx, "Beyond Normal: On the
   Evaluation of Mutual Information Estimators", NeurIPS 2023.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.special import digamma, gammaln, ndtr
from sklearn.utils import check_random_state

__all__ = [
    "TASKS",
    "TRANSFORMS",
    "Task",
    "additive_uniform_noise",
    "bimodal_gaussians",
    "ccmi_model",
    "correlated_gaussians",
    "dense_gaussians",
    "gaussian_chain",
    "gaussian_conditional_mutual_info",
    "gaussian_mutual_info",
    "mixed_gaussians",
    "multivariate_gaussians",
    "sparse_gaussians",
    "spiral",
    "student_t",
    "student_t_mutual_info",
    "transformed",
]


_DOC_FRAGMENTS = {
    "n_samples": "n_samples : int\n        Number of samples.",
    "random_state": "random_state : int, RandomState instance or None, default=None\n        Seed.",
    "returns": """Returns
    -------
    X, y, mutual_info
        Samples of ``X`` and ``y``, row-aligned, and their true MI in nats.""",
    "returns_1x1": """Returns
    -------
    X : ndarray of shape (n_samples, 1)
        Samples of ``X``.
    y : ndarray of shape (n_samples,)
        Samples of ``y``, row-aligned with ``X``.
    mutual_info : float
        True MI in nats.""",
}


def _documented(func: Callable) -> Callable:
    """Fill the docstring entries that the samplers share (``%(name)s``)."""
    if func.__doc__:  # absent under python -OO
        func.__doc__ = func.__doc__ % _DOC_FRAGMENTS
    return func


def _squeeze(y: np.ndarray) -> np.ndarray:
    return y[:, 0] if y.shape[1] == 1 else y


@_documented
def correlated_gaussians(
    n_samples: int, rho: float = 0.9, dim: int = 1, random_state=None
) -> tuple[np.ndarray, np.ndarray, float]:
    """HG(rho, d): ``d`` independent standard normal pairs with correlation ``rho`` each.

    ``I(X; Y) = -d/2 * log(1 - rho**2)`` (4.982 nats for ``rho=0.9, d=6``).

    Parameters
    ----------
    %(n_samples)s
    rho : float, default=0.9
        Correlation of each pair, in (-1, 1).
    dim : int, default=1
        Dimension ``d`` of X and of y.
    %(random_state)s

    Returns
    -------
    X : ndarray of shape (n_samples, dim)
        Samples of ``X``.
    y : ndarray of shape (n_samples, dim), or (n_samples,) when ``dim == 1``
        Samples of ``y``, row-aligned with ``X``.
    mutual_info : float
        True MI in nats.
    """
    if not -1.0 < rho < 1.0:
        raise ValueError(f"rho must be in (-1, 1), got {rho}")
    rng = check_random_state(random_state)
    x = rng.standard_normal((n_samples, dim))
    noise = rng.standard_normal((n_samples, dim))
    y = rho * x + np.sqrt(1.0 - rho**2) * noise
    return x, _squeeze(y), float(-0.5 * dim * np.log1p(-(rho**2)))


@_documented
def mixed_gaussians(
    n_samples: int, rho: float = 0.9, random_state=None
) -> tuple[np.ndarray, np.ndarray, float]:
    """MG(rho): an equal mixture of two bivariate normals with correlations ``+rho`` and ``-rho``.

    The seed paper's slow-convergence example (Chan et al., 2019, eq. 24). X and Y are each
    standard normal and uncorrelated, yet dependent; the MI (0.408443 nats at ``rho=0.9``)
    is computed by numerical integration.

    Parameters
    ----------
    %(n_samples)s
    rho : float, default=0.9
        Correlation of each component, in [0, 1).
    %(random_state)s

    %(returns_1x1)s
    """
    if not 0.0 <= rho < 1.0:
        raise ValueError(f"rho must be in [0, 1), got {rho}")
    rng = check_random_state(random_state)
    x = rng.standard_normal(n_samples)
    sign = np.where(rng.random_sample(n_samples) < 0.5, 1.0, -1.0)
    y = sign * rho * x + np.sqrt(1.0 - rho**2) * rng.standard_normal(n_samples)
    return x[:, None], y, _mixed_gaussian_mi(float(rho))


@lru_cache(maxsize=32)
def _mixed_gaussian_mi(rho: float, half_width: float = 10.0, n_grid: int = 2001) -> float:
    # Both marginals are standard normal, so I = H(X) + H(Y) - H(X, Y) with
    # H(X) = H(Y) = log(2 pi e) / 2; H(X, Y) by the trapezoidal rule on a grid.
    if rho == 0.0:
        return 0.0
    grid = np.linspace(-half_width, half_width, n_grid)
    step = grid[1] - grid[0]
    x, y = np.meshgrid(grid, grid, indexing="ij")
    det = 1.0 - rho**2
    quad = (x**2 + y**2) / det
    cross = 2.0 * rho * x * y / det
    density = (
        0.5
        / (2.0 * np.pi * np.sqrt(det))
        * (np.exp(-0.5 * (quad - cross)) + np.exp(-0.5 * (quad + cross)))
    )
    integrand = np.where(density > 0, -density * np.log(np.where(density > 0, density, 1.0)), 0.0)
    joint_entropy = np.trapezoid(np.trapezoid(integrand, dx=step, axis=1), dx=step)
    return float(np.log(2.0 * np.pi * np.e) - joint_entropy)


def _half_cube(v: np.ndarray) -> np.ndarray:
    return np.sign(v) * np.abs(v) ** 1.5


def _wiggly(v: np.ndarray) -> np.ndarray:
    # Derivative >= 1 - 0.4 - 0.2 * 1.7 = 0.26 > 0: strictly increasing, hence MI-preserving.
    return v + 0.4 * np.sin(v) + 0.2 * np.sin(1.7 * v + 1.0)


_BIMODAL_GRID = np.linspace(-5.0, 5.0, 20_001)


def _bimodal_quantile(u: np.ndarray) -> np.ndarray:
    # Inverse CDF of 0.5 N(-1.5, 0.5^2) + 0.5 N(1.5, 0.5^2), by monotone interpolation.
    cdf = 0.5 * (ndtr((_BIMODAL_GRID + 1.5) / 0.5) + ndtr((_BIMODAL_GRID - 1.5) / 0.5))
    return np.interp(u, cdf, _BIMODAL_GRID)


TRANSFORMS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "cubic": np.cbrt,
    "cube": lambda v: v**3,
    "asinh": np.arcsinh,
    "sinh": np.sinh,
    "half-cube": _half_cube,
    "normal-cdf": ndtr,
    "wiggly": _wiggly,
    "bimodal": lambda v: _bimodal_quantile(ndtr(v)),
}


@_documented
def transformed(
    X: np.ndarray, y: np.ndarray, mutual_info: float, transform: str = "cubic"
) -> tuple[np.ndarray, np.ndarray, float]:
    """Apply a strictly monotone map to every coordinate; the MI does not change.

    Parameters
    ----------
    X, y : ndarray
        Samples, e.g. from :func:`correlated_gaussians`.
    mutual_info : float
        Their true MI, returned unchanged.
    transform : str, default="cubic"
        A key of :data:`TRANSFORMS`: ``"cubic"`` (cube root), ``"cube"``, ``"asinh"``,
        ``"sinh"``, ``"half-cube"`` (``sign(v) |v|^1.5``), ``"normal-cdf"`` (the standard
        normal CDF: Gaussian coordinates become uniform), ``"wiggly"``
        (``v + 0.4 sin v + 0.2 sin(1.7 v + 1)``) or ``"bimodal"`` (normal CDF followed by the
        quantile function of ``0.5 N(-1.5, 0.25) + 0.5 N(1.5, 0.25)``: standard normal
        coordinates get bimodal marginals).

    %(returns)s
    """
    if transform not in TRANSFORMS:
        raise ValueError(f"transform must be one of {sorted(TRANSFORMS)}, got {transform!r}")
    f = TRANSFORMS[transform]
    return f(X), f(y), mutual_info


@_documented
def spiral(
    X: np.ndarray,
    y: np.ndarray,
    mutual_info: float,
    speed: float = 1.0 / 3.0,
    plane: tuple[int, int] = (0, 1),
) -> tuple[np.ndarray, np.ndarray, float]:
    """Rotate ``X`` in the plane of two of its coordinates by ``speed * |x|^2`` radians.

    The rotation keeps ``|x|``, so it is inverted by rotating back by the same angle: a
    diffeomorphism of ``X`` alone, which leaves the MI unchanged while twisting the
    dependence into a spiral. ``y`` is returned unchanged; spiral it too with
    ``y, X, mi = spiral(y, X, mi, ...)``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, dim_x)
        ``dim_x >= 2``.
    y : ndarray
        Samples of the other variable, returned unchanged.
    mutual_info : float
        Their true MI, returned unchanged.
    speed : float, default=1/3
        Radians of rotation per unit of squared norm. The spiral benchmark of Czyż et al.
        (2023) uses ``1 / dim_x``.
    plane : tuple of two int, default=(0, 1)
        The two coordinates of ``X`` that are rotated.

    %(returns)s
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] < 2:
        raise ValueError(f"spiral needs X with at least 2 columns, got shape {X.shape}")
    first, second = plane
    if first == second or not (0 <= first < X.shape[1] and 0 <= second < X.shape[1]):
        raise ValueError(
            f"plane must name two different columns of X (0 to {X.shape[1] - 1}), got {plane}"
        )
    angle = speed * np.sum(X**2, axis=1)
    cos, sin = np.cos(angle), np.sin(angle)
    out = X.copy()
    out[:, first] = cos * X[:, first] - sin * X[:, second]
    out[:, second] = sin * X[:, first] + cos * X[:, second]
    return out, y, mutual_info


def gaussian_mutual_info(covariance: np.ndarray, dim_x: int) -> float:
    """MI between the first ``dim_x`` coordinates and the rest of a multivariate normal.

    ``I = (log det S_xx + log det S_yy - log det S) / 2``, in nats.

    Parameters
    ----------
    covariance : ndarray of shape (dim_x + dim_y, dim_x + dim_y)
        Symmetric positive definite joint covariance.
    dim_x : int
        Size of the X block.

    Returns
    -------
    float
        The MI in nats.
    """
    cov = np.asarray(covariance, dtype=np.float64)
    logdet = [np.linalg.slogdet(c)[1] for c in (cov[:dim_x, :dim_x], cov[dim_x:, dim_x:], cov)]
    return float(0.5 * (logdet[0] + logdet[1] - logdet[2]))


def _check_covariance(covariance: np.ndarray, dim_x: int) -> np.ndarray:
    cov = np.asarray(covariance, dtype=np.float64)
    if cov.ndim != 2 or cov.shape[0] != cov.shape[1] or not np.allclose(cov, cov.T):
        raise ValueError("covariance must be a symmetric square matrix")
    if not 1 <= dim_x < cov.shape[0]:
        raise ValueError(f"dim_x must be in [1, {cov.shape[0] - 1}], got {dim_x}")
    try:
        np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        raise ValueError("covariance must be positive definite") from None
    return cov


@_documented
def multivariate_gaussians(
    n_samples: int, covariance: np.ndarray, dim_x: int, random_state=None
) -> tuple[np.ndarray, np.ndarray, float]:
    """Samples of ``N(0, covariance)`` split into X (first ``dim_x`` coordinates) and y.

    Parameters
    ----------
    %(n_samples)s
    covariance : ndarray of shape (dim_x + dim_y, dim_x + dim_y)
        Symmetric positive definite joint covariance.
    dim_x : int
        Size of X.
    %(random_state)s

    Returns
    -------
    X, y, mutual_info
        MI by :func:`gaussian_mutual_info`.
    """
    cov = _check_covariance(covariance, dim_x)
    rng = check_random_state(random_state)
    z = rng.standard_normal((n_samples, cov.shape[0])) @ np.linalg.cholesky(cov).T
    return z[:, :dim_x], _squeeze(z[:, dim_x:]), gaussian_mutual_info(cov, dim_x)


def dense_covariance(dim_x: int, dim_y: int, correlation: float = 0.5) -> np.ndarray:
    """Unit variances, every pair of the ``dim_x + dim_y`` coordinates correlated alike.

    Positive definite for ``-1 / (dim_x + dim_y - 1) < correlation < 1``.
    """
    size = dim_x + dim_y
    return np.full((size, size), correlation) + (1.0 - correlation) * np.eye(size)


def sparse_covariance(
    dim_x: int, dim_y: int, n_interacting: int = 2, correlation: float = 0.8
) -> np.ndarray:
    """Unit variances; only ``X_i`` and ``Y_i`` for ``i < n_interacting`` are correlated."""
    if not 0 <= n_interacting <= min(dim_x, dim_y):
        raise ValueError(f"n_interacting must be in [0, {min(dim_x, dim_y)}], got {n_interacting}")
    cov = np.eye(dim_x + dim_y)
    for i in range(n_interacting):
        cov[i, dim_x + i] = cov[dim_x + i, i] = correlation
    return cov


@_documented
def dense_gaussians(
    n_samples: int, dim_x: int = 5, dim_y: int = 5, correlation: float = 0.5, random_state=None
) -> tuple[np.ndarray, np.ndarray, float]:
    """Multivariate normal with all coordinates equicorrelated ("dense interactions").

    With ``m = dim_x + dim_y`` coordinates of unit variance and common correlation ``c``,
    ``log det S = (m - 1) log(1 - c) + log(1 + (m - 1) c)``, and the MI follows from
    :func:`gaussian_mutual_info` (1.29 nats for 25 x 25 with ``c = 0.5``).

    Parameters
    ----------
    %(n_samples)s
    dim_x, dim_y : int, default=5
        Dimensions of X and y (``m = dim_x + dim_y`` coordinates in all).
    correlation : float, default=0.5
        Common correlation of every pair of coordinates.
    %(random_state)s

    %(returns)s
    """
    cov = dense_covariance(dim_x, dim_y, correlation)
    return multivariate_gaussians(n_samples, cov, dim_x, random_state)


@_documented
def sparse_gaussians(
    n_samples: int,
    dim_x: int = 5,
    dim_y: int = 5,
    n_interacting: int = 2,
    correlation: float = 0.8,
    random_state=None,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Multivariate normal where only ``n_interacting`` pairs ``(X_i, Y_i)`` are dependent.

    ``I = -n_interacting / 2 * log(1 - correlation**2)``; the other coordinates are noise
    that an estimator must learn to ignore.

    Parameters
    ----------
    %(n_samples)s
    dim_x, dim_y : int, default=5
        Dimensions of X and y, each at least ``n_interacting``.
    n_interacting : int, default=2
        Number of correlated pairs.
    correlation : float, default=0.8
        Correlation of each interacting pair, in (-1, 1).
    %(random_state)s

    %(returns)s
    """
    cov = sparse_covariance(dim_x, dim_y, n_interacting, correlation)
    return multivariate_gaussians(n_samples, cov, dim_x, random_state)


def student_t_mutual_info(covariance: np.ndarray, dim_x: int, df: float) -> float:
    """MI between the blocks of a multivariate Student-t with shape matrix ``covariance``.

    The entropy of a ``d``-dimensional t with ``df = nu`` and shape ``S`` is
    ``log det S / 2 + log((nu pi)^(d/2) Gamma(nu/2) / Gamma((nu + d)/2))
    + (nu + d)/2 (psi((nu + d)/2) - psi(nu/2))``. Marginals of a multivariate t are t with
    the same ``nu`` and the sub-matrix as shape, so in ``H(X) + H(Y) - H(X, Y)`` the
    ``(nu pi)`` terms cancel and

    ``I = I_gauss(S) + g(d_x) + g(d_y) - g(d_x + d_y)``, with
    ``g(d) = log Gamma(nu/2) - log Gamma((nu + d)/2) + (nu + d)/2 (psi((nu + d)/2) - psi(nu/2))``

    where ``I_gauss`` is :func:`gaussian_mutual_info`. The correction is positive: even with
    a diagonal ``S`` (``I_gauss = 0``) the shared scale makes X and y dependent.

    Parameters
    ----------
    covariance : ndarray of shape (dim_x + dim_y, dim_x + dim_y)
        Shape (scale) matrix.
    dim_x : int
        Size of X.
    df : float
        Degrees of freedom ``nu > 0``.

    Returns
    -------
    float
        The MI in nats.
    """

    def g(d: int) -> float:
        half = 0.5 * (df + d)
        return float(gammaln(0.5 * df) - gammaln(half) + half * (digamma(half) - digamma(0.5 * df)))

    dim_y = np.asarray(covariance).shape[0] - dim_x
    return gaussian_mutual_info(covariance, dim_x) + g(dim_x) + g(dim_y) - g(dim_x + dim_y)


@_documented
def student_t(
    n_samples: int,
    dim_x: int = 2,
    dim_y: int = 2,
    df: float = 3.0,
    covariance: np.ndarray | None = None,
    random_state=None,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Multivariate Student-t: ``Z / sqrt(W / df)``, ``Z ~ N(0, S)``, ``W ~ chi2(df)``.

    MI from :func:`student_t_mutual_info`; heavy tails make it hard for estimators.

    Parameters
    ----------
    %(n_samples)s
    dim_x, dim_y : int, default=2
        Dimensions of X and y.
    df : float, default=3.0
        Degrees of freedom (lower: heavier tails and more MI from the shared scale).
    covariance : ndarray, default=None
        Shape matrix ``S``; by default the identity with ``X_i``, ``Y_i`` correlated 0.5
        for every ``i < min(dim_x, dim_y)``.
    %(random_state)s

    %(returns)s
    """
    if df <= 0:
        raise ValueError(f"df must be positive, got {df}")
    if covariance is None:
        covariance = sparse_covariance(dim_x, dim_y, min(dim_x, dim_y), 0.5)
    cov = _check_covariance(covariance, dim_x)
    rng = check_random_state(random_state)
    z = rng.standard_normal((n_samples, cov.shape[0])) @ np.linalg.cholesky(cov).T
    z /= np.sqrt(rng.chisquare(df, size=(n_samples, 1)) / df)
    return z[:, :dim_x], _squeeze(z[:, dim_x:]), student_t_mutual_info(cov, dim_x, df)


@_documented
def additive_uniform_noise(
    n_samples: int, epsilon: float = 0.1, random_state=None
) -> tuple[np.ndarray, np.ndarray, float]:
    """``X ~ U(0, 1)``, ``Y = X + U(-epsilon, epsilon)``.

    ``I = h(Y) - h(Y | X) = h(Y) - log(2 epsilon)``. The density of ``Y`` is a trapezoid:
    for ``epsilon <= 1/2`` its two ramps contribute ``epsilon`` to ``h(Y)`` and its plateau
    (height 1) nothing, so ``I = epsilon - log(2 epsilon)``; for ``epsilon > 1/2``,
    ``h(Y) = log(2 epsilon) + 1 / (4 epsilon)`` and ``I = 1 / (4 epsilon)``.

    Parameters
    ----------
    %(n_samples)s
    epsilon : float, default=0.1
        Half-width of the noise, positive (1.71 nats at 0.1, 0.33 at 0.75).
    %(random_state)s

    %(returns_1x1)s
    """
    if epsilon <= 0:
        raise ValueError(f"epsilon must be positive, got {epsilon}")
    rng = check_random_state(random_state)
    x = rng.uniform(0.0, 1.0, n_samples)
    y = x + rng.uniform(-epsilon, epsilon, n_samples)
    mi = epsilon - np.log(2.0 * epsilon) if epsilon <= 0.5 else 0.25 / epsilon
    return x[:, None], y, float(mi)


@_documented
def bimodal_gaussians(
    n_samples: int, rho: float = 0.75, dim: int = 1, random_state=None
) -> tuple[np.ndarray, np.ndarray, float]:
    """HG(rho, d) with every coordinate mapped to a bimodal marginal (see :func:`transformed`).

    The map is strictly increasing per coordinate, so ``I = -d/2 * log(1 - rho**2)``.

    Parameters
    ----------
    %(n_samples)s
    rho : float, default=0.75
        Correlation of each underlying Gaussian pair before the map, in (-1, 1); the
        bimodal coordinates themselves correlate less.
    dim : int, default=1
        Number of pairs: the dimension of X and of y.
    %(random_state)s

    %(returns)s
    """
    return transformed(*correlated_gaussians(n_samples, rho, dim, random_state), "bimodal")


def gaussian_conditional_mutual_info(covariance: np.ndarray, dim_x: int, dim_y: int) -> float:
    """``I(X; Y | Z)`` of a multivariate normal whose coordinates are ``[X, Y, Z]``.

    ``I = (log det S_xz + log det S_yz - log det S_z - log det S) / 2``, in nats.

    Parameters
    ----------
    covariance : ndarray of shape (dim_x + dim_y + dim_z, dim_x + dim_y + dim_z)
        Symmetric positive definite joint covariance, ``X`` first, then ``Y``, then ``Z``.
    dim_x, dim_y : int
        Sizes of the X and Y blocks; the rest is Z (possibly empty: then the MI).

    Returns
    -------
    float
        The conditional MI in nats.
    """
    cov = np.asarray(covariance, dtype=np.float64)
    x = list(range(dim_x))
    y = list(range(dim_x, dim_x + dim_y))
    z = list(range(dim_x + dim_y, cov.shape[0]))

    def logdet(index: list[int]) -> float:
        return float(np.linalg.slogdet(cov[np.ix_(index, index)])[1]) if index else 0.0

    return 0.5 * (logdet(x + z) + logdet(y + z) - logdet(z) - logdet(x + y + z))


@_documented
def gaussian_chain(
    n_samples: int,
    rho_xy: float = 0.9,
    rho_yz: float = 0.5,
    dim_z: int = 1,
    random_state=None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """A Gaussian Markov chain ``X -> Y -> Z``: ``I(X; Y | Z)`` in closed form, ``I(X; Z | Y) = 0``.

    ``X`` is standard normal, ``Y = rho_xy X + sqrt(1 - rho_xy**2) e`` and each of the
    ``dim_z`` coordinates of ``Z`` is ``rho_yz Y`` plus its own independent noise, with unit
    variances throughout. ``Z`` explains part of the dependence of ``X`` and ``Y`` (the more,
    the larger ``rho_yz`` and ``dim_z``), never all of it.

    Parameters
    ----------
    %(n_samples)s
    rho_xy : float, default=0.9
        Correlation of ``X`` with ``Y``, in (-1, 1).
    rho_yz : float, default=0.5
        Correlation of ``Y`` with each coordinate of ``Z``, in (-1, 1).
    dim_z : int, default=1
        Dimension of ``Z``.
    %(random_state)s

    Returns
    -------
    X : ndarray of shape (n_samples, 1)
        The chain's first variable.
    y : ndarray of shape (n_samples,)
        The middle variable, correlated ``rho_xy`` with ``X``.
    Z : ndarray of shape (n_samples, dim_z)
        The conditioning variable, each column correlated ``rho_yz`` with ``y``.
    conditional_mutual_info : float
        ``I(X; y | Z)`` in nats, by :func:`gaussian_conditional_mutual_info`.
    """
    for name, rho in (("rho_xy", rho_xy), ("rho_yz", rho_yz)):
        if not -1.0 < rho < 1.0:
            raise ValueError(f"{name} must be in (-1, 1), got {rho}")
    if dim_z < 1:
        raise ValueError(f"dim_z must be at least 1, got {dim_z}")
    rng = check_random_state(random_state)
    x = rng.standard_normal((n_samples, 1))
    y = rho_xy * x + np.sqrt(1.0 - rho_xy**2) * rng.standard_normal((n_samples, 1))
    z = rho_yz * y + np.sqrt(1.0 - rho_yz**2) * rng.standard_normal((n_samples, dim_z))
    # Covariance of [X, Y, Z]: each link multiplies its correlation.
    loadings = np.concatenate([[rho_xy, 1.0], np.full(dim_z, rho_yz)])
    cov = np.outer(loadings, loadings)
    cov[0, :] = cov[:, 0] = np.concatenate([[1.0, rho_xy], np.full(dim_z, rho_xy * rho_yz)])
    np.fill_diagonal(cov, 1.0)
    return x, y[:, 0], z, gaussian_conditional_mutual_info(cov, 1, 1)


@_documented
def ccmi_model(
    n_samples: int, model: str = "I", dim_z: int = 1, noise: float = 0.1, random_state=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Models I and II of the CCMI paper [3]_: ``Y = X + e`` with ``e`` shifted by ``Z``.

    ``X`` is standard normal and ``e ~ N(U, noise**2)``, where ``U`` is the first coordinate
    of ``Z ~ U(-1/2, 1/2)^dim_z`` (model ``"I"``) or ``w . Z`` for ``Z ~ N(0, I)`` and a
    unit vector ``w`` with positive uniform entries (model ``"II"``, ``w`` drawn from
    ``random_state`` too). Given ``Z``, ``Y`` is ``X`` plus independent Gaussian noise, so
    ``I(X; Y | Z) = log(1 + 1 / noise**2) / 2`` for any ``dim_z`` (1/2 ln 101 = 2.3076 nats
    at the default noise), while the other coordinates of ``Z`` are irrelevant.

    Parameters
    ----------
    %(n_samples)s
    model : {"I", "II"}, default="I"
        Which model.
    dim_z : int, default=1
        Dimension of ``Z``.
    noise : float, default=0.1
        Standard deviation of ``e`` given ``Z``.
    %(random_state)s

    Returns
    -------
    X : ndarray of shape (n_samples, 1)
        Standard normal.
    y : ndarray of shape (n_samples,)
        ``X`` plus the ``Z``-shifted noise.
    Z : ndarray of shape (n_samples, dim_z)
        The conditioning variable.
    conditional_mutual_info : float
        ``I(X; y | Z)`` in nats.

    References
    ----------
    .. [3] S. Mukherjee, H. Asnani and S. Kannan, "CCMI: Classifier based Conditional Mutual
       Information Estimation", UAI 2019.
    """
    if model not in ("I", "II"):
        raise ValueError(f'model must be "I" or "II", got {model!r}')
    if dim_z < 1:
        raise ValueError(f"dim_z must be at least 1, got {dim_z}")
    if not noise > 0:
        raise ValueError(f"noise must be positive, got {noise}")
    rng = check_random_state(random_state)
    x = rng.standard_normal((n_samples, 1))
    if model == "I":
        z = rng.uniform(-0.5, 0.5, (n_samples, dim_z))
        shift = z[:, 0]
    else:
        z = rng.standard_normal((n_samples, dim_z))
        w = rng.uniform(0.0, 1.0, dim_z)
        shift = z @ (w / np.linalg.norm(w))
    y = x[:, 0] + shift + noise * rng.standard_normal(n_samples)
    return x, y, z, float(0.5 * np.log1p(1.0 / noise**2))


@dataclass(frozen=True)
class Task:
    """A named ground-truth task of the benchmark catalogue :data:`TASKS`.

    Attributes
    ----------
    name : str
        Short label, e.g. ``"dense-gauss 25x25"``.
    family : str
        ``"gaussian"``, ``"transformed"``, ``"other"`` (Student-t, uniform noise, MG) or
        ``"hard"`` (Student-t with a shared scale only, spirals of sparse Gaussians).
    dim_x, dim_y : int
        Dimensions of X and y.
    sample : callable
        ``sample(n_samples, random_state) -> (X, y, mutual_info)``.
    """

    name: str
    family: str
    dim_x: int
    dim_y: int
    sample: Callable[[int, object], tuple[np.ndarray, np.ndarray, float]]

    @property
    def mutual_info(self) -> float:
        """The task's true MI in nats."""
        return self.sample(4, 0)[2]


def _gauss(d: int, transform: str | None = None) -> Callable:
    def sample(n, seed):
        data = dense_gaussians(n, d, d, 0.5, seed)
        return data if transform is None else transformed(*data, transform)

    return sample


def _catalogue() -> dict[str, Task]:
    tasks = [
        Task("MG(0.9)", "other", 1, 1, lambda n, s: mixed_gaussians(n, 0.9, s)),
        Task("HG(0.9, 1)", "gaussian", 1, 1, lambda n, s: correlated_gaussians(n, 0.9, 1, s)),
        Task("HG(0.9, 6)", "gaussian", 6, 6, lambda n, s: correlated_gaussians(n, 0.9, 6, s)),
        Task("dense-gauss 2x2", "gaussian", 2, 2, _gauss(2)),
        Task("dense-gauss 5x5", "gaussian", 5, 5, _gauss(5)),
        Task("dense-gauss 25x25", "gaussian", 25, 25, _gauss(25)),
        Task(
            "sparse-gauss 5x5",
            "gaussian",
            5,
            5,
            lambda n, s: sparse_gaussians(n, 5, 5, 2, 0.8, s),
        ),
        Task(
            "sparse-gauss 25x25",
            "gaussian",
            25,
            25,
            lambda n, s: sparse_gaussians(n, 25, 25, 2, 0.8, s),
        ),
        Task("half-cube 3x3", "transformed", 3, 3, _gauss(3, "half-cube")),
        Task("asinh 3x3", "transformed", 3, 3, _gauss(3, "asinh")),
        Task("normal-cdf 3x3", "transformed", 3, 3, _gauss(3, "normal-cdf")),
        Task("wiggly 3x3", "transformed", 3, 3, _gauss(3, "wiggly")),
        Task("spiral 3x3", "transformed", 3, 3, lambda n, s: spiral(*_gauss(3)(n, s))),
        Task("bimodal 1x1", "transformed", 1, 1, lambda n, s: bimodal_gaussians(n, 0.75, 1, s)),
        Task("student-t 1x1 df=1", "other", 1, 1, lambda n, s: student_t(n, 1, 1, 1.0, None, s)),
        Task("student-t 2x2 df=3", "other", 2, 2, lambda n, s: student_t(n, 2, 2, 3.0, None, s)),
        Task("student-t 5x5 df=5", "other", 5, 5, lambda n, s: student_t(n, 5, 5, 5.0, None, s)),
        Task(
            "uniform-noise 0.1",
            "other",
            1,
            1,
            lambda n, s: additive_uniform_noise(n, 0.1, s),
        ),
        Task(
            "uniform-noise 0.75",
            "other",
            1,
            1,
            lambda n, s: additive_uniform_noise(n, 0.75, s),
        ),
        *_hard_tasks(),
    ]
    return {task.name: task for task in tasks}


def _shared_scale_t(dim: int, df: float) -> Callable:
    def sample(n, seed):
        return student_t(n, dim, dim, df, np.eye(2 * dim), seed)

    return sample


def _hard_tasks() -> list[Task]:
    """Where published estimators fail at N=5,000: heavy-tailed copulas and spirals.

    Student-t with an identity shape matrix: X and y are dependent only through their
    shared scale, so the dependence lives in the joint tails. Spirals of sparse Gaussians:
    the dependence of two coordinate pairs, twisted by a rotation that grows with ``|x|^2``.
    The 5x5 spiral turns ``X`` by ``|x|^2 / 3`` radians; the 25x25 one is the construction
    of Czyż et al. (2023): ``X`` turns by ``|x|^2 / 25`` in the plane of its coordinates 0
    and 1, ``y`` by ``|y|^2 / 25`` in the plane of its coordinates 1 and 2. (At
    ``|x|^2 / 3`` the 23 noise coordinates of a 25x25 task turn the pair by 8 +- 2.4
    radians, which scrambles it beyond any critic measured; ``docs/hard_cases.rst``.)
    """

    def sparse_spiral(n, s):
        return spiral(*sparse_gaussians(n, 5, 5, 2, 0.8, s))

    def sparse_spiral_25(n, s):
        X, y, mi = spiral(*sparse_gaussians(n, 25, 25, 2, 0.8, s), speed=1.0 / 25)
        y, X, mi = spiral(y, X, mi, speed=1.0 / 25, plane=(1, 2))
        return X, y, mi

    return [
        Task("t shared-scale 1x1 df=1", "hard", 1, 1, _shared_scale_t(1, 1.0)),
        Task("t shared-scale 2x2 df=1", "hard", 2, 2, _shared_scale_t(2, 1.0)),
        Task("t shared-scale 5x5 df=2", "hard", 5, 5, _shared_scale_t(5, 2.0)),
        Task(
            "asinh t shared-scale 5x5 df=2",
            "hard",
            5,
            5,
            lambda n, s: transformed(*_shared_scale_t(5, 2.0)(n, s), "asinh"),
        ),
        Task("spiral sparse-gauss 5x5", "hard", 5, 5, sparse_spiral),
        Task("spiral sparse-gauss 25x25", "hard", 25, 25, sparse_spiral_25),
    ]


TASKS: dict[str, Task] = _catalogue()
"""Named ground-truth tasks (name -> :class:`Task`), as the benchmarks iterate over them."""
