"""score_samples: each estimator's pointwise mutual information against its closed form."""

import numpy as np
import pytest
from _estimators import ESTIMATOR_CLASSES, small

from skmine import MINE, MINEE, DeepInfoMaxJSD

RHO = 0.8


def gaussian_pairs(n, seed):
    rng = np.random.default_rng(seed)
    z = rng.multivariate_normal([0.0, 0.0], [[1.0, RHO], [RHO, 1.0]], size=n)
    return z[:, :1], z[:, 1]


def pointwise_truth(X, y):
    """log p(x, y) / (p(x) p(y)) of a standard bivariate Gaussian with correlation RHO."""
    x = X[:, 0]
    quadratic = (RHO**2 * x**2 - 2 * RHO * x * y + RHO**2 * y**2) / (2 * (1 - RHO**2))
    return -0.5 * np.log(1 - RHO**2) - quadratic


@pytest.mark.parametrize("cls", [MINE, DeepInfoMaxJSD, MINEE])
def test_pointwise_mutual_information_matches_the_closed_form(cls):
    X, y = gaussian_pairs(3000, seed=0)
    X_new, y_new = gaussian_pairs(4000, seed=1)
    est = cls(hidden_layer_sizes=(64, 64), max_iter=1500, random_state=0).fit(X, y)
    pointwise = est.score_samples(X_new, y_new)
    truth = pointwise_truth(X_new, y_new)
    assert pointwise.shape == (4000,)
    assert np.corrcoef(pointwise, truth)[0, 1] > 0.97
    assert np.median(np.abs(pointwise - truth)) < 0.1
    # On fresh samples its mean is the critics' held-out bound, close to the MI.
    assert abs(pointwise.mean() - est.mutual_info_raw_) < 0.05
    assert abs(pointwise.mean() - (-0.5 * np.log(1 - RHO**2))) < 0.08


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("cls", ESTIMATOR_CLASSES)
def test_score_samples_is_deterministic_and_row_wise(cls):
    X, y = gaussian_pairs(300, seed=0)
    est = small(cls).fit(X, y)
    full = est.score_samples(X, y)
    assert np.array_equal(full, est.score_samples(X, y))
    np.testing.assert_allclose(est.score_samples(X[:7], y[:7]), full[:7], rtol=1e-5, atol=1e-6)
    order = np.random.default_rng(1).permutation(len(y))
    np.testing.assert_allclose(est.score_samples(X[order], y[order]), full[order], rtol=1e-5)
    assert np.all(np.isfinite(full))


def test_minee_score_samples_needs_a_fit_with_y():
    X, y = gaussian_pairs(300, seed=0)
    entropy_only = small(MINEE).fit(X)
    with pytest.raises(ValueError, match="fitted on X alone"):
        entropy_only.score_samples(X, y)
    with pytest.raises(ValueError, match="score_samples needs y"):
        small(MINEE).fit(X, y).score_samples(X)
