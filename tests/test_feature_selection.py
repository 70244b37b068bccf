"""Tests of the neural MI score function for scikit-learn's feature selectors."""

from functools import partial
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from joblib import parallel_config
from sklearn.feature_selection import SelectFpr, SelectKBest
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skmine.feature_selection import feature_mutual_info, mutual_info_neural

FAST = {"max_iter": 200, "random_state": 0}


def nonlinear_problem(n=3000, n_noise=6, seed=0):
    """Three informative features with non-monotone links, then pure noise features."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3 + n_noise))
    y = np.sin(2 * X[:, 0]) + np.abs(X[:, 1]) + 0.5 * X[:, 2] ** 2 + 0.3 * rng.normal(size=n)
    return X, y


def test_informative_features_rank_above_noise():
    X, y = nonlinear_problem()
    scores = mutual_info_neural(X, y, **FAST)
    assert scores.shape == (X.shape[1],)
    assert scores[:3].min() > 0.05
    assert scores[:3].min() > 2 * scores[3:].max()
    assert (scores >= 0).all()


def test_close_to_closed_form_gaussian_mi():
    rng = np.random.default_rng(1)
    n, rhos = 4000, np.array([0.0, 0.5, 0.8, 0.9])
    y = rng.normal(size=n)
    X = rhos * y[:, None] + np.sqrt(1 - rhos**2) * rng.normal(size=(n, rhos.size))
    truth = -0.5 * np.log(1 - rhos**2)
    scores = mutual_info_neural(X, y, max_iter=400, random_state=0)
    np.testing.assert_allclose(scores, truth, atol=0.08, rtol=0.12)
    result = feature_mutual_info(X, y, max_iter=400, random_state=0)
    np.testing.assert_array_equal(result.scores, scores)
    assert result.pvalues is None
    stds = result.std
    # n_score = 600 samples: the DV bound's sampling noise grows with the MI.
    assert np.all(stds > 0) and np.all(np.diff(stds) > 0) and stds[-1] < 0.1
    assert np.all(np.abs(scores - truth) < 4 * stds + 0.02)


def test_discrete_and_string_targets_agree():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(2000, 4))
    labels = (X[:, 0] ** 2 > 0.7).astype(int) + (X[:, 1] > 0)
    names = np.array(["low", "mid", "high"])[labels]
    by_int = mutual_info_neural(X, labels, **FAST)
    by_name = mutual_info_neural(X, names, **FAST)
    assert by_int[:2].min() > 0.1 > by_int[2:].max()
    assert by_name[:2].min() > 0.1 > by_name[2:].max()


def test_two_dimensional_target():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(3000, 4))
    Y = np.column_stack([np.cos(2 * X[:, 0]), np.abs(X[:, 1])]) + 0.2 * rng.normal(size=(3000, 2))
    scores = mutual_info_neural(X, Y, **FAST)
    assert scores.shape == (4,)
    assert scores[:2].min() > 0.1 > scores[2:].max()


def test_discrete_features_are_scored():
    rng = np.random.default_rng(4)
    codes = rng.integers(0, 4, size=3000)
    X = np.column_stack([codes, rng.integers(0, 4, size=3000), rng.normal(size=3000)])
    y = np.array([0.0, 2.0, -1.0, 1.0])[codes] + 0.3 * rng.normal(size=3000)
    scores = mutual_info_neural(X, y, discrete_features=[0, 1], **FAST)
    assert scores[0] > 0.5 > 0.05 > scores[1:].max()
    sparse_scores = mutual_info_neural(sp.csr_matrix(X[:, :2]), y, **FAST)
    assert sparse_scores[0] > 0.5 > 0.05 > sparse_scores[1]


def test_select_k_best_in_pipeline_under_grid_search():
    X, y = nonlinear_problem(n=1500, n_noise=3)
    pipe = Pipeline(
        [
            ("select", SelectKBest(partial(mutual_info_neural, max_iter=100, random_state=0))),
            ("model", LinearRegression()),
        ]
    )
    search = GridSearchCV(pipe, {"select__k": [1, 3]}, cv=2).fit(X, y)
    support = search.best_estimator_.named_steps["select"].get_support()
    assert support[:3].all() if search.best_params_["select__k"] == 3 else support[:3].any()


def test_select_fpr_with_permutation_pvalues():
    X, y = nonlinear_problem(n=2000, n_noise=4)
    scores, pvalues = mutual_info_neural(X, y, n_permutations=49, **FAST)
    assert pvalues.shape == scores.shape
    np.testing.assert_allclose(pvalues[:3], 1 / 50)
    assert np.all((pvalues >= 1 / 50 - 1e-12) & (pvalues <= 1))
    selector = SelectFpr(partial(mutual_info_neural, n_permutations=49, **FAST), alpha=0.05)
    assert selector.fit(X, y).get_support()[:3].all()
    # The selector reads exactly (scores, pvalues): no third array of standard errors.
    np.testing.assert_array_equal(selector.pvalues_, pvalues)
    result = feature_mutual_info(X, y, n_permutations=49, **FAST)
    np.testing.assert_array_equal(result.pvalues, pvalues)
    np.testing.assert_array_equal(result.scores, scores)


def test_return_std_is_gone_in_favour_of_feature_mutual_info():
    X, y = nonlinear_problem(n=200, n_noise=1)
    with pytest.raises(TypeError, match="return_std"):
        mutual_info_neural(X, y, return_std=True)


def test_results_identical_across_n_jobs():
    X, y = nonlinear_problem(n=1000, n_noise=5)
    kwargs = {"max_iter": 60, "block_size": 3, "random_state": 7}
    serial = mutual_info_neural(X, y, n_jobs=1, **kwargs)
    parallel = mutual_info_neural(X, y, n_jobs=2, **kwargs)
    # Parallel blocks train with one torch thread each: equal up to float rounding.
    np.testing.assert_allclose(serial, parallel, rtol=1e-4, atol=1e-5)


def test_progress_bar_counts_the_features(capsys):
    X, y = nonlinear_problem(n=400, n_noise=3)
    mutual_info_neural(X, y, max_iter=20, block_size=2, verbose=1, random_state=0)
    err = capsys.readouterr().err
    assert f"{X.shape[1]}/{X.shape[1]}" in err and "features" in err


def test_dask_local_cluster_gives_the_same_scores():
    distributed = pytest.importorskip("distributed")
    X, y = nonlinear_problem(n=1000, n_noise=3)
    kwargs = {"max_iter": 60, "block_size": 3, "random_state": 3}
    expected = mutual_info_neural(X, y, **kwargs)
    with (
        distributed.LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster,
        distributed.Client(cluster),
        parallel_config(backend="dask"),
    ):
        on_dask = mutual_info_neural(X, y, n_jobs=2, **kwargs)
    np.testing.assert_allclose(expected, on_dask, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    ("X", "y", "message"),
    [
        (np.array([[np.nan], [1.0]] * 5), np.arange(10.0), "Input X contains NaN"),
        (np.ones((10, 2)), np.r_[np.nan, np.arange(9.0)], "Input y contains NaN"),
        (np.ones((10, 2)), np.arange(9.0), "inconsistent numbers of samples"),
        (np.ones((5, 2)), np.arange(5.0), "minimum of 8 is required"),
    ],
)
def test_bad_input_is_rejected(X, y, message):
    with pytest.raises(ValueError, match=message):
        mutual_info_neural(X, y)


def test_bad_discrete_features_are_rejected():
    X, y = np.random.default_rng(0).normal(size=(20, 3)), np.arange(20.0)
    with pytest.raises(ValueError, match="mask has shape"):
        mutual_info_neural(X, y, discrete_features=np.array([True, False]))
    with pytest.raises(ValueError, match="out of range"):
        mutual_info_neural(X, y, discrete_features=[5])


def readme_select_fpr_example() -> str:
    """The README's ``SelectFpr(...)`` line, exactly as printed there."""
    readme = Path(__file__).resolve().parents[1] / "README.md"
    [line] = [row for row in readme.read_text().splitlines() if " = SelectFpr(" in row]
    return line.split(" = ", 1)[1]


def test_readme_select_fpr_example_selects_the_informative_feature():
    # SelectFpr keeps p < alpha and no p-value is below 1 / (1 + n_permutations): the
    # README's alpha and n_permutations must leave room for a selection.
    selector = eval(  # the README's line, with the names its code block imports
        readme_select_fpr_example(),
        {"SelectFpr": SelectFpr, "partial": partial, "mutual_info_neural": mutual_info_neural},
    )
    selector.set_params(score_func=partial(selector.score_func, max_iter=100))  # fast
    rng = np.random.default_rng(5)
    X = rng.normal(size=(1000, 4))
    y = np.sin(2 * X[:, 0]) + 0.3 * rng.normal(size=1000)
    support = selector.fit(X, y).get_support()
    assert support.tolist() == [True, False, False, False]
    assert selector.pvalues_[0] == 1 / (1 + selector.score_func.keywords["n_permutations"])


def test_standard_errors_and_null_pvalues_are_calibrated_over_fresh_samples():
    # 12 fresh data sets: a Gaussian pair with rho = 0.6 beside three independent features.
    # The scores' spread across data sets must match their reported standard errors, and
    # the independent features' permutation p-values must be uniform: the checkpoint is
    # chosen on samples of the training folds, never on the held-out folds the test uses.
    rho, n, replicates = 0.6, 1500, 12
    scores, stds, null_pvalues = [], [], []
    for seed in range(replicates):
        rng = np.random.default_rng(100 + seed)
        y = rng.normal(size=n)
        X = rng.normal(size=(n, 4))
        X[:, 0] = rho * y + np.sqrt(1 - rho**2) * X[:, 0]
        result = feature_mutual_info(X, y, n_permutations=19, max_iter=300, random_state=seed)
        s, p, sd = result.scores, result.pvalues, result.std
        scores.append(s[0])
        stds.append(sd[0])
        null_pvalues.extend(p[1:])
    spread = np.std(scores, ddof=1)
    assert 0.5 * spread < np.mean(stds) < 2.0 * spread
    truth = -0.5 * np.log(1 - rho**2)
    assert abs(np.mean(scores) - truth) < 0.1 * truth
    # 36 null p-values on the grid 1/20 .. 1: uniform has mean 0.525 and P(p <= 0.1) = 0.1.
    null_pvalues = np.asarray(null_pvalues)
    assert 0.4 < null_pvalues.mean() < 0.65
    assert (null_pvalues <= 0.1).mean() < 0.25
