"""Closed-form MI of every dataset family against an independent computation."""

import numpy as np
import pytest
from scipy import stats

from skmine import datasets
from skmine.baselines import ksg_mutual_info


def _monte_carlo_mi(log_joint, log_x, log_y, X, y):
    y = y.reshape(len(y), -1)
    return float(np.mean(log_joint(np.hstack([X, y])) - log_x(X) - log_y(y)))


@pytest.mark.parametrize(
    "make",
    [
        lambda: datasets.dense_covariance(3, 2, 0.4),
        lambda: datasets.sparse_covariance(4, 4, 2, 0.8),
        lambda: datasets.dense_covariance(25, 25, 0.5),
    ],
)
def test_gaussian_mi_matches_monte_carlo_log_density_ratio(make):
    cov = make()
    dim_x = {5: 3, 8: 4, 50: 25}[cov.shape[0]]
    X, y, truth = datasets.multivariate_gaussians(20_000, cov, dim_x, random_state=0)
    mvn = stats.multivariate_normal
    mc = _monte_carlo_mi(
        mvn(cov=cov).logpdf,
        mvn(cov=cov[:dim_x, :dim_x]).logpdf,
        mvn(cov=cov[dim_x:, dim_x:]).logpdf,
        X,
        y,
    )
    assert abs(mc - truth) < 0.03 * truth + 0.01


def test_correlated_gaussians_agree_with_general_formula():
    cov = datasets.sparse_covariance(6, 6, 6, 0.9)
    assert datasets.gaussian_mutual_info(cov, 6) == pytest.approx(
        datasets.correlated_gaussians(5, 0.9, 6)[2], rel=1e-12
    )
    assert datasets.dense_gaussians(5, 25, 25, 0.5)[2] == pytest.approx(1.2922, abs=1e-4)


@pytest.mark.parametrize(("dim_x", "dim_y", "df"), [(1, 1, 1.0), (2, 3, 3.0), (4, 4, 10.0)])
def test_student_t_mi_matches_monte_carlo_log_density_ratio(dim_x, dim_y, df):
    X, y, truth = datasets.student_t(40_000, dim_x, dim_y, df, random_state=1)
    cov = datasets.sparse_covariance(dim_x, dim_y, min(dim_x, dim_y), 0.5)
    t = stats.multivariate_t
    mc = _monte_carlo_mi(
        t(shape=cov, df=df).logpdf,
        t(shape=cov[:dim_x, :dim_x], df=df).logpdf,
        t(shape=cov[dim_x:, dim_x:], df=df).logpdf,
        X,
        y,
    )
    assert abs(mc - truth) < 0.03 * truth + 0.01


def test_student_t_with_independent_shape_still_has_mi():
    # The shared chi-square scale makes the blocks dependent; the correction is positive
    # and vanishes as df grows (the t tends to a Gaussian).
    cov = np.eye(4)
    assert datasets.student_t_mutual_info(cov, 2, 3.0) > 0.05
    assert datasets.student_t_mutual_info(cov, 2, 1e6) == pytest.approx(0.0, abs=1e-5)


@pytest.mark.parametrize("epsilon", [0.1, 0.5, 0.75, 2.0])
def test_additive_uniform_noise_matches_monte_carlo(epsilon):
    _, y, truth = datasets.additive_uniform_noise(50_000, epsilon, random_state=0)

    def log_p_y(v):  # trapezoid: P(|v - U| <= eps) / (2 eps) for U ~ U(0, 1)
        overlap = np.clip(np.minimum(v + epsilon, 1.0) - np.maximum(v - epsilon, 0.0), 0, None)
        return np.log(overlap / (2.0 * epsilon))

    mc = float(np.mean(-np.log(2.0 * epsilon) - log_p_y(y)))
    assert abs(mc - truth) < 0.02 * truth
    # the two branches of the closed form meet at epsilon = 1/2
    assert datasets.additive_uniform_noise(2, 0.5)[2] == pytest.approx(0.5)


@pytest.mark.parametrize("name", sorted(datasets.TRANSFORMS))
def test_transforms_are_strictly_increasing(name):
    grid = np.linspace(-6, 6, 100_001)
    values = datasets.TRANSFORMS[name](grid)
    assert np.all(np.diff(values) > 0)


def test_spiral_is_norm_preserving_and_invertible():
    X, y, truth = datasets.dense_gaussians(500, 3, 3, 0.5, random_state=0)
    Xs, ys, mi = datasets.spiral(X, y, truth, speed=0.5)
    assert mi == truth and ys is y
    np.testing.assert_allclose(np.linalg.norm(Xs, axis=1), np.linalg.norm(X, axis=1))
    back, _, _ = datasets.spiral(Xs, y, truth, speed=-0.5)
    np.testing.assert_allclose(back, X, atol=1e-12)
    with pytest.raises(ValueError, match="at least 2 columns"):
        datasets.spiral(X[:, :1], y, truth)


def test_bimodal_marginal_is_bimodal_and_ksg_agrees():
    X, y, truth = datasets.bimodal_gaussians(4000, 0.75, random_state=0)
    middle, mode = (np.sum((lo < X[:, 0]) & (X[:, 0] < lo + 1)) for lo in (-0.5, 1.0))
    assert middle < 0.2 * mode  # a valley between two modes
    assert ksg_mutual_info(X, y, random_state=0) == pytest.approx(truth, rel=0.1)


def test_catalogue_covers_the_families_and_shapes():
    families = {"gaussian", "transformed", "other", "hard"}
    assert families == {t.family for t in datasets.TASKS.values()}
    for task in datasets.TASKS.values():
        X, y, mi = task.sample(50, 0)
        assert X.shape == (50, task.dim_x)
        assert y.reshape(50, -1).shape == (50, task.dim_y)
        assert mi > 0 and np.isfinite(mi)
    assert max(t.dim_x for t in datasets.TASKS.values()) == 25


def test_invalid_covariance_is_rejected():
    with pytest.raises(ValueError, match="positive definite"):
        datasets.multivariate_gaussians(10, datasets.dense_covariance(2, 2, -0.9), 2)


@pytest.mark.parametrize(("dim", "df"), [(1, 1.0), (2, 1.0), (5, 2.0)])
def test_shared_scale_student_t_mi_matches_a_monte_carlo_average(dim, df):
    # I = E[log p(x, y) - log p(x) - log p(y)] under the exact densities.
    from scipy.stats import multivariate_t

    X, y, truth = datasets.TASKS[f"t shared-scale {dim}x{dim} df={df:g}"].sample(40_000, 0)
    y = y.reshape(len(y), -1)
    joint = multivariate_t(np.zeros(2 * dim), np.eye(2 * dim), df=df)
    marginal = multivariate_t(np.zeros(dim), np.eye(dim), df=df)
    pointwise = joint.logpdf(np.hstack([X, y])) - marginal.logpdf(X) - marginal.logpdf(y)
    standard_error = pointwise.std() / np.sqrt(len(pointwise))
    assert pointwise.mean() == pytest.approx(truth, abs=4 * standard_error)
    assert truth == pytest.approx({1: 0.224, 2: 0.432, 5: 0.448}[dim], abs=1e-3)


def test_the_spiral_of_a_sparse_gaussian_keeps_the_gaussian_mi():
    X, y, truth = datasets.TASKS["spiral sparse-gauss 5x5"].sample(1000, 0)
    X0, y0, truth0 = datasets.sparse_gaussians(1000, 5, 5, 2, 0.8, 0)
    assert truth == truth0 == pytest.approx(1.022, abs=1e-3)
    # The rotation keeps |x|, so rotating back by the same angle undoes it: an
    # invertible map of X alone, which leaves the MI unchanged.
    back, _, _ = datasets.spiral(X, y, truth, speed=-1 / 3)
    assert np.allclose(back, X0)
    assert not np.allclose(X, X0)
    assert np.array_equal(y, y0)


def test_the_25x25_spiral_turns_both_sides_and_keeps_the_gaussian_mi():
    X, y, truth = datasets.TASKS["spiral sparse-gauss 25x25"].sample(1000, 0)
    X0, y0, truth0 = datasets.sparse_gaussians(1000, 25, 25, 2, 0.8, 0)
    assert truth == truth0 == pytest.approx(1.022, abs=1e-3)
    # X turned in the plane (0, 1), y in the plane (1, 2), each by |.|^2 / 25 radians.
    back_x, _, _ = datasets.spiral(X, y, truth, speed=-1 / 25)
    back_y, _, _ = datasets.spiral(y, X, truth, speed=-1 / 25, plane=(1, 2))
    assert np.allclose(back_x, X0) and np.allclose(back_y, y0)
    assert np.array_equal(X[:, 2:], X0[:, 2:]) and np.array_equal(
        y[:, [0, *range(3, 25)]], y0[:, [0, *range(3, 25)]]
    )
    assert not np.allclose(X, X0) and not np.allclose(y, y0)


def test_spiral_rejects_a_plane_outside_x():
    X, y, truth = datasets.dense_gaussians(10, 3, 3, 0.5, random_state=0)
    for plane in [(0, 0), (1, 3), (-1, 2)]:
        with pytest.raises(ValueError, match="plane must name two different columns"):
            datasets.spiral(X, y, truth, plane=plane)
