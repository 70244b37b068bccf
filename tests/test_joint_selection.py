"""Tests of the joint-MI selector: interactions, redundancy, the scikit-learn contract."""

import numpy as np
import pytest
from sklearn.feature_selection import mutual_info_classif
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skmine.feature_selection import JointMutualInfoSelector


def xor_problem(n=2000, n_noise=8, seed=0):
    """``y = [x_a * x_b > 0]`` with the pair at shuffled positions among noise features."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2 + n_noise))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    order = rng.permutation(X.shape[1])
    return X[:, order], y, np.sort(np.flatnonzero(np.isin(order, [0, 1])))


def redundant_problem(n=2000, seed=0):
    """Feature 0 and four noisy copies (4-7), three other informative features, noise."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 4))
    copies = z[:, [0]] + 0.1 * rng.normal(size=(n, 4))
    X = np.hstack([z, copies, rng.normal(size=(n, 6))])
    y = z[:, 0] + 0.8 * z[:, 1] + 0.6 * np.sin(2 * z[:, 2]) + 0.5 * z[:, 3] ** 2
    return X, y + 0.3 * rng.normal(size=n)


def test_finds_an_xor_pair_that_univariate_scores_miss():
    X, y, pair = xor_problem()
    univariate = mutual_info_classif(X, y, random_state=0)
    # Neither feature of the pair is informative alone.
    assert univariate[pair].max() < 0.02
    selector = JointMutualInfoSelector(2, random_state=0).fit(X, y)
    np.testing.assert_array_equal(selector.get_support(indices=True), pair)
    # Held-out joint MI of the pair, against log 2 for a balanced deterministic label.
    assert 0.45 < selector.mutual_info_ <= np.log(2) + 3 * selector.mutual_info_std_


def test_keeps_one_of_several_redundant_copies():
    X, y = redundant_problem()
    selector = JointMutualInfoSelector(4, random_state=0).fit(X, y)
    chosen = selector.get_support(indices=True)
    copies_of_0 = {0, 4, 5, 6, 7}
    assert len(copies_of_0 & set(chosen)) == 1
    assert {1, 2, 3} <= set(chosen)


def test_deterministic_per_random_state_and_path_attributes():
    X, y, _ = xor_problem(n=800, n_noise=5, seed=1)
    params = dict(max_iter=300, refit_iter=100, random_state=3)
    a = JointMutualInfoSelector(3, **params).fit(X, y)
    b = JointMutualInfoSelector(3, **params).fit(X, y)
    np.testing.assert_array_equal(a.support_, b.support_)
    assert a.mutual_info_ == b.mutual_info_
    np.testing.assert_array_equal(a.mutual_info_path_, b.mutual_info_path_)
    assert a.n_features_ == 3 and a.support_.sum() == 3
    assert (a.ranking_[a.support_] == 1).all() and (a.ranking_[~a.support_] > 1).all()
    assert a.n_features_path_[0] == X.shape[1] and a.n_features_path_[-1] == 3
    assert np.all(np.diff(a.n_features_path_) < 0)
    assert a.mutual_info_path_.shape == a.n_features_path_.shape
    low, high = a.mutual_info_ci_
    assert low <= a.mutual_info_ <= high


def test_fraction_and_default_number_of_features():
    X, y, _ = xor_problem(n=400, n_noise=6)
    params = dict(max_iter=50, refit_iter=20, random_state=0)
    assert JointMutualInfoSelector(**params).fit(X, y).n_features_ == 4
    assert JointMutualInfoSelector(0.25, **params).fit(X, y).n_features_ == 2


def test_too_many_features_to_select_is_an_error():
    X, y, _ = xor_problem(n=200, n_noise=2)
    with pytest.raises(ValueError, match="n_features_to_select=9 exceeds the 4 features"):
        JointMutualInfoSelector(9).fit(X, y)


def test_pipeline_grid_search_and_pandas_output():
    pd = pytest.importorskip("pandas")
    X, y, pair = xor_problem(n=1200, n_noise=4, seed=2)
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    selector = JointMutualInfoSelector(2, max_iter=600, random_state=0).set_output(
        transform="pandas"
    )
    out = selector.fit_transform(frame, y)
    assert list(out.columns) == [f"f{j}" for j in pair]
    np.testing.assert_array_equal(selector.get_feature_names_out(), [f"f{j}" for j in pair])

    pipe = make_pipeline(
        JointMutualInfoSelector(max_iter=50, refit_iter=20, random_state=0),
        LogisticRegression(),
    )
    search = GridSearchCV(
        pipe, {"jointmutualinfoselector__n_features_to_select": [1, 2]}, cv=2
    ).fit(X, y)
    assert search.best_params_["jointmutualinfoselector__n_features_to_select"] in (1, 2)
