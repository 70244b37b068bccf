"""Samples with known mutual information, the ground truth of every accuracy test.

Each generator returns ``(X, y, mutual_info)``: ``X`` of shape ``(n_samples, dim_x)``,
``y`` of shape ``(n_samples, dim_y)`` (or ``(n_samples,)`` when ``dim_y == 1``) and the true
MI in nats.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["TRANSFORMS", "correlated_gaussians", "mixed_gaussians", "transformed"]


def _squeeze(y: np.ndarray) -> np.ndarray:
    return y[:, 0] if y.shape[1] == 1 else y


def correlated_gaussians(
    n_samples: int, rho: float = 0.9, dim: int = 1, random_state=None
) -> tuple[np.ndarray, np.ndarray, float]:
    """HG(rho, d): ``d`` independent standard normal pairs with correlation ``rho`` each.

    ``I(X; Y) = -d/2 * log(1 - rho**2)`` (4.982 nats for ``rho=0.9, d=6``).

    Parameters
    ----------
    n_samples : int
        Number of samples.
    rho : float, default=0.9
        Correlation of each pair, in (-1, 1).
    dim : int, default=1
        Dimension ``d`` of X and of y.
    random_state : int, RandomState instance or None
        Seed.

    Returns
    -------
    X : ndarray of shape (n_samples, dim)
    y : ndarray of shape (n_samples, dim), or (n_samples,) when ``dim == 1``
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


def mixed_gaussians(
    n_samples: int, rho: float = 0.9, random_state=None
) -> tuple[np.ndarray, np.ndarray, float]:
    """MG(rho): an equal mixture of two bivariate normals with correlations ``+rho`` and ``-rho``.

    The seed paper's slow-convergence example (Chan et al., 2019, eq. 24). X and Y are each
    standard normal and uncorrelated, yet dependent; the MI (0.408443 nats at ``rho=0.9``)
    is computed by numerical integration.

    Parameters
    ----------
    n_samples : int
        Number of samples.
    rho : float, default=0.9
        Correlation of each component, in [0, 1).
    random_state : int, RandomState instance or None
        Seed.

    Returns
    -------
    X : ndarray of shape (n_samples, 1)
    y : ndarray of shape (n_samples,)
    mutual_info : float
        True MI in nats.
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


TRANSFORMS = {
    "cubic": np.cbrt,
    "cube": lambda v: v**3,
    "asinh": np.arcsinh,
    "sinh": np.sinh,
}


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
    transform : {"cubic", "cube", "asinh", "sinh"}, default="cubic"
        ``"cubic"`` is the cube root; ``"cube"`` and ``"sinh"`` give heavy tails.

    Returns
    -------
    X, y, mutual_info
    """
    if transform not in TRANSFORMS:
        raise ValueError(f"transform must be one of {sorted(TRANSFORMS)}, got {transform!r}")
    f = TRANSFORMS[transform]
    return f(X), f(y), mutual_info
