"""ConditionalMINE: I(X; y | Z) against closed forms, and the scikit-learn contract with Z."""

import pickle

import numpy as np
import pytest
import sklearn
from _estimators import small
from scipy.stats import norm
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from skmine import MINE, ConditionalMINE
from skmine.datasets import (
    ccmi_model,
    gaussian_chain,
    gaussian_conditional_mutual_info,
    gaussian_mutual_info,
)

# The accuracy tests train one critic variant (radial_features=False), half a default fit's
# cost; the docstring's example fits with the defaults.
ONE_VARIANT = {"radial_features": False, "random_state": 0}

# The contract tests fit with tiny budgets, whose low estimates the k-NN check rightly flags.
pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.filterwarnings("ignore:.*below the k-NN:UserWarning"),
]


def _binary_entropy(p):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return -(p * np.log(p) + (1 - p) * np.log1p(-p))


def test_gaussian_conditional_mutual_info_matches_the_chain_rule():
    rng = np.random.RandomState(0)
    a = rng.standard_normal((5, 5))
    cov = a @ a.T + 5 * np.eye(5)
    # I(X; Y | Z) = I(X; (Y, Z)) - I(X; Z), X = coordinate 0, Y = 1-2, Z = 3-4.
    xz = [0, 3, 4]
    chain = gaussian_mutual_info(cov, 1) - gaussian_mutual_info(cov[np.ix_(xz, xz)], 1)
    assert gaussian_conditional_mutual_info(cov, 1, 2) == pytest.approx(chain, rel=1e-10)


def test_samplers_have_the_stated_conditional_mi():
    X, y, Z, cmi = gaussian_chain(200_000, dim_z=3, random_state=0)
    data = np.column_stack([X, y, Z])
    assert gaussian_conditional_mutual_info(np.cov(data.T), 1, 1) == pytest.approx(cmi, rel=0.02)
    # X -> Y -> Z: X and Z are independent given Y.
    swapped = np.column_stack([X, Z, y])
    assert gaussian_conditional_mutual_info(np.cov(swapped.T), 1, 3) < 1e-3
    for model in ("I", "II"):
        X, y, Z, cmi = ccmi_model(200_000, model, dim_z=4, random_state=0)
        assert cmi == pytest.approx(0.5 * np.log(101))
        shift = y - X[:, 0]  # the noise's mean is a linear function of Z
        residual = shift - Z @ np.linalg.lstsq(Z, shift, rcond=None)[0]
        assert residual.std() == pytest.approx(0.1, rel=0.05)


def test_gaussian_chain_within_ten_percent():
    X, y, Z, cmi = gaussian_chain(3000, dim_z=2, random_state=0)
    est = ConditionalMINE(**ONE_VARIANT).fit(X, y, Z=Z)
    assert abs(est.mutual_info_ - cmi) < 0.1 * cmi
    low, high = est.mutual_info_ci_
    assert low <= cmi <= high
    # The two terms are MINE fits of I(y; (X, Z)) and I(y; Z).
    assert est.mutual_info_ == pytest.approx(
        est.joint_estimator_.mutual_info_ - est.conditioning_estimator_.mutual_info_
    )


def test_conditionally_independent_pair_is_near_zero():
    # X -> Y -> Z: I(X; Z | Y) = 0 although X and Z are dependent.
    X, y, Z, _ = gaussian_chain(3000, rho_yz=0.8, dim_z=1, random_state=1)
    est = ConditionalMINE(**ONE_VARIANT).fit(X, Z[:, 0], Z=y)
    assert abs(est.mutual_info_) < 0.05
    assert est.mutual_info_ci_[0] == 0.0
    # ... although I(X; Z) = -log(1 - (0.9 * 0.8)**2) / 2 = 0.37 nats.
    assert np.corrcoef(X[:, 0], Z[:, 0])[0, 1] == pytest.approx(0.72, abs=0.03)


def test_class_labels():
    # y = 1[X + Z + e / 2 > 0]: I(X; y | Z) = H(y | Z) - H(y | X, Z) by quadrature.
    rng = np.random.RandomState(0)
    n = 3000
    X, Z = rng.standard_normal((n, 1)), rng.standard_normal((n, 1))
    y = (X[:, 0] + Z[:, 0] + 0.5 * rng.standard_normal(n) > 0).astype(int)
    grid = np.random.RandomState(1).standard_normal((2, 400_000))
    h_given_z = _binary_entropy(norm.cdf(grid[0] / np.sqrt(1.25))).mean()
    h_given_xz = _binary_entropy(norm.cdf((grid[0] + grid[1]) / 0.5)).mean()
    truth = h_given_z - h_given_xz
    est = ConditionalMINE(**ONE_VARIANT).fit(X, y, Z=Z)
    np.testing.assert_array_equal(est.classes_, [0, 1])
    assert abs(est.mutual_info_ - truth) < 0.1 * truth


def test_ccmi_model_ii_within_ten_percent():
    X, y, Z, cmi = ccmi_model(3000, "II", dim_z=3, random_state=0)
    est = ConditionalMINE(**ONE_VARIANT).fit(X, y, Z=Z)
    assert abs(est.mutual_info_ - cmi) < 0.1 * cmi


def _tiny_data(n=200, seed=0):
    X, y, Z, _ = gaussian_chain(n, dim_z=2, random_state=seed)
    return X, y, Z


def test_parameters_are_mine_s_and_clone_keeps_them():
    assert ConditionalMINE().get_params() == MINE().get_params()
    est = ConditionalMINE(learning_rate_init=1e-3, cv=5)
    assert clone(est).get_params() == est.get_params()


def test_deterministic_and_picklable():
    X, y, Z = _tiny_data()
    first = small(ConditionalMINE).fit(X, y, Z=Z)
    second = small(ConditionalMINE).fit(X, y, Z=Z)
    assert first.mutual_info_ == second.mutual_info_
    restored = pickle.loads(pickle.dumps(first))
    assert restored.score(X, y, Z=Z) == first.score(X, y, Z=Z)
    expected = first.joint_estimator_.score(np.hstack([X, Z]), y)
    expected -= first.conditioning_estimator_.score(Z, y)
    assert first.score(X, y, Z=Z) == pytest.approx(expected)


def test_grid_search_routes_z():
    X, y, Z = _tiny_data(300)
    with sklearn.config_context(enable_metadata_routing=True):
        est = small(ConditionalMINE).set_fit_request(Z=True).set_score_request(Z=True)
        search = GridSearchCV(est, {"learning_rate_init": [1e-2, 3e-3]}, cv=2)
        search.fit(X, y, Z=Z)
    assert search.best_estimator_.n_conditioning_ == 2
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_errors_name_the_problem():
    X, y, Z = _tiny_data()
    est = small(ConditionalMINE)
    with pytest.raises(ValueError, match="requires the conditioning variable"):
        est.fit(X, y)
    with pytest.raises(ValueError, match="same number of samples"):
        est.fit(X, y, Z=Z[:-1])
    bad = Z.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        est.fit(X, y, Z=bad)
    est.fit(X, y, Z=Z[:, 0])  # a 1-D Z is one column
    assert est.n_conditioning_ == 1
    with pytest.raises(ValueError, match="Z has 2 columns"):
        est.score(X, y, Z=Z)
    with pytest.raises(ValueError, match="requires y"):
        est.fit(X, None, Z=Z)
