import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skmine import MINE
from skmine.datasets import correlated_gaussians, mixed_gaussians

# The tests train with small budgets on purpose; the warnings that provokes are expected.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FAST = dict(max_iter=600, eval_interval=50)


@pytest.fixture(scope="module")
def gaussian():
    return correlated_gaussians(2000, rho=0.8, dim=1, random_state=0)


@pytest.fixture(scope="module")
def fitted(gaussian):
    X, y, _ = gaussian
    return MINE(random_state=0, **FAST).fit(X, y)


def test_close_to_closed_form_gaussian(fitted, gaussian):
    *_, truth = gaussian
    assert abs(fitted.mutual_info_ - truth) < 0.1 * truth


def test_mixed_gaussian_is_found():
    X, y, truth = mixed_gaussians(2000, rho=0.9, random_state=0)
    est = MINE(random_state=0, max_iter=1500).fit(X, y)
    assert abs(est.mutual_info_ - truth) < 0.15 * truth


@pytest.mark.parametrize("bound", ["nwj", "dv", "smile"])
def test_other_bounds_estimate_the_same_quantity(bound, gaussian):
    X, y, truth = gaussian
    est = MINE(bound=bound, random_state=0, **FAST).fit(X, y)
    assert abs(est.mutual_info_ - truth) < 0.15 * truth


def test_discrete_target_with_known_mi():
    # y is a deterministic function of well-separated clusters of x: I(X; Y) = H(Y) = log 4.
    rng = np.random.RandomState(0)
    labels = rng.randint(0, 4, size=2000)
    X = labels[:, None] * 5.0 + 0.1 * rng.standard_normal((2000, 2))
    names = np.array(["a", "b", "c", "d"])[labels]
    est = MINE(random_state=0, **FAST).fit(X, names)
    assert list(est.classes_) == ["a", "b", "c", "d"]
    assert abs(est.mutual_info_ - np.log(4)) < 0.1 * np.log(4)


def test_independent_variables_give_near_zero():
    rng = np.random.RandomState(0)
    X, y = rng.standard_normal((2000, 2)), rng.standard_normal(2000)
    est = MINE(random_state=0, **FAST).fit(X, y)
    assert abs(est.mutual_info_) < 0.05


def test_same_random_state_is_bit_identical(gaussian):
    X, y, _ = gaussian
    a = MINE(random_state=3, max_iter=200, eval_interval=50).fit(X, y)
    b = MINE(random_state=3, max_iter=200, eval_interval=50).fit(X, y)
    assert a.mutual_info_ == b.mutual_info_
    assert a.history_ == b.history_
    c = clone(a).fit(X, y)
    assert c.mutual_info_ == a.mutual_info_


def test_does_not_touch_torch_global_rng(gaussian):
    import torch

    X, y, _ = gaussian
    state = torch.random.get_rng_state()
    MINE(random_state=0, max_iter=20, eval_interval=10).fit(X, y)
    assert torch.equal(state, torch.random.get_rng_state())


def test_history_and_fitted_attributes(fitted):
    h = fitted.history_
    assert [r["iteration"] for r in h] == sorted(r["iteration"] for r in h)
    assert {"iteration", "train", "validation"} <= set(h[0])
    assert fitted.n_iter_ >= fitted.best_iteration_ > 0
    best = next(r for r in h if r["iteration"] == fitted.best_iteration_)
    assert max(r["validation"] for r in h) <= best["validation"] + fitted.tol
    # The restored critics are read out again on more (fresh) marginal pairs: the same
    # held-out samples, so the held-out value moves by far less than its standard error.
    assert abs(fitted.mutual_info_raw_ - best["mutual_info"]) < fitted.mutual_info_std_
    low, high = fitted.mutual_info_ci_
    assert low < fitted.mutual_info_ < high
    assert fitted.n_folds_ == 3
    assert fitted.n_features_in_ == 1
    assert next(fitted.critic_.parameters()).device.type == "cpu"


def test_score_is_deterministic_and_honest(fitted, gaussian):
    *_, truth = gaussian
    X_new, y_new, _ = correlated_gaussians(1000, rho=0.8, dim=1, random_state=1)
    s1, s2 = fitted.score(X_new, y_new), fitted.score(X_new, y_new)
    assert s1 == s2
    assert abs(s1 - truth) < 0.15 * truth
    rng = np.random.RandomState(0)
    assert fitted.score(X_new, rng.permutation(y_new)) < 0.1


def test_pickle_round_trip_keeps_score(fitted, gaussian):
    X, y, _ = gaussian
    restored = pickle.loads(pickle.dumps(fitted))
    assert restored.score(X, y) == fitted.score(X, y)
    assert restored.mutual_info_ == fitted.mutual_info_


def test_grid_search_and_pipeline(gaussian):
    X, y, _ = gaussian
    grid = GridSearchCV(
        MINE(random_state=0, max_iter=200, eval_interval=50),
        {"hidden_layer_sizes": [(8,), (64, 64)]},
        cv=2,
    ).fit(X, y)
    assert grid.best_params_["hidden_layer_sizes"] in [(8,), (64, 64)]
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    pipe = make_pipeline(StandardScaler(), MINE(random_state=0, max_iter=200, eval_interval=50))
    assert np.isfinite(pipe.fit(X, y).score(X, y))


def test_pandas_names_are_kept():
    pd = pytest.importorskip("pandas")
    X, y, _ = correlated_gaussians(300, rho=0.5, dim=2, random_state=0)
    frame = pd.DataFrame(X, columns=["left", "right"])
    est = MINE(random_state=0, max_iter=50, eval_interval=25).fit(frame, pd.Series(y[:, 0]))
    assert list(est.feature_names_in_) == ["left", "right"]


def test_multioutput_continuous_target():
    X, y, truth = correlated_gaussians(2000, rho=0.8, dim=2, random_state=0)
    est = MINE(random_state=0, **FAST).fit(X, y)
    assert abs(est.mutual_info_ - truth) < 0.15 * truth


@pytest.mark.parametrize(
    "X, y, message",
    [
        (np.array([[np.nan], [1.0], [2.0], [3.0], [4.0]]), np.arange(5.0), "NaN"),
        (np.array([[np.inf], [1.0], [2.0], [3.0], [4.0]]), np.arange(5.0), "infinity"),
        (np.ones((5, 1)), np.array([0.0, 1.0, np.nan, 2.0, 3.0]), "NaN"),
        (np.ones((5, 1)), np.arange(4.0), "inconsistent numbers of samples"),
        (np.ones((1, 1)), np.ones(1), "minimum of 2 is required"),
        (np.ones((3, 1)), np.arange(3.0), "too few samples"),
        (np.ones(5), np.arange(5.0), "Expected 2D array"),
    ],
)
def test_bad_input_is_named(X, y, message):
    with pytest.raises(ValueError, match=message):
        MINE(max_iter=5).fit(X, y)


def test_missing_target_is_named():
    with pytest.raises(ValueError, match="requires y"):
        MINE().fit(np.ones((10, 1)))


@pytest.mark.parametrize(
    "params, name",
    [
        ({"batch_size": 0}, "batch_size"),
        ({"learning_rate_init": -1.0}, "learning_rate_init"),
        ({"bound": "bogus"}, "bound"),
        ({"activation": "swish!"}, "activation"),
    ],
)
def test_bad_parameter_is_named(params, name):
    with pytest.raises(InvalidParameterError, match=name):
        MINE(**params).fit(np.ones((10, 1)), np.arange(10.0))


def test_unavailable_device_is_an_error():
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    with pytest.raises(ValueError, match="CUDA is not available"):
        MINE(device="cuda").fit(np.ones((10, 1)), np.arange(10.0))


def test_single_class_target_is_named():
    with pytest.raises(ValueError, match="single class"):
        MINE().fit(np.arange(10.0)[:, None], np.zeros(10, dtype=int))


def test_user_critic_is_used(gaussian):
    from skmine.critics import StackedCritics

    X, y, truth = gaussian
    est = MINE(critic=_small_critic, random_state=0, **FAST).fit(X, y)
    # One copy of the user's critic per fold, stacked: the first layer's weights gain a
    # leading fold axis.
    assert isinstance(est.critic_, StackedCritics) and est.critic_.n_critics == 3
    assert tuple(est.critic_.stacked[0].shape) == (3, 32, 2)
    assert abs(est.mutual_info_ - truth) < 0.15 * truth


def _small_critic(dim_x, dim_y):
    from skmine.critics import ConcatCritic

    return ConcatCritic(dim_x, dim_y, hidden_layer_sizes=(32, 32))


def test_critic_must_return_a_module():
    with pytest.raises(TypeError, match=r"nn\.Module"):
        MINE(critic=lambda dx, dy: None).fit(np.ones((10, 1)), np.arange(10.0))


def test_smile_training_does_not_diverge_at_high_mi():
    # Ascending the clipped DV value itself drove the held-out bound to -1e4 within 1,000
    # iterations here; with SMILE's JSD gradient it stays near the truth to the end.
    X, y, truth = correlated_gaussians(2000, rho=0.9, dim=3, random_state=0)
    est = MINE(bound="smile", max_iter=1000, early_stopping=False, random_state=0).fit(X, y)
    assert est.history_[-1]["validation"] > 0.85 * truth
    assert abs(est.mutual_info_ - truth) < 0.1 * truth
