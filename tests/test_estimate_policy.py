"""The estimate policy: cross-fitting folds, the readout's standard error, intervals, warnings."""

import math
import warnings

import numpy as np
import pytest
import torch
from _estimators import ESTIMATOR_CLASSES, dependent_data, small
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GroupKFold, ShuffleSplit
from sklearn.utils._param_validation import InvalidParameterError

import skmine
from skmine import MINE, MINEE, DeepInfoMaxJSD
from skmine._engine.folds import make_folds, training_layout
from skmine._engine.pairs import held_out_pairs
from skmine._engine.readout import (
    Estimate,
    combine,
    dv_statistics,
    fold_disagreement,
)
from skmine.datasets import TASKS
from skmine.objectives import donsker_varadhan

# The tests train with small budgets on purpose; the warnings that provokes are expected.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X0, Y0 = dependent_data()
classes = pytest.mark.parametrize("cls", ESTIMATOR_CLASSES, ids=lambda c: c.__name__)


def test_int_cv_holds_every_sample_out_exactly_once():
    X = np.zeros((101, 1))
    folds = make_folds(4, 101, X, None, np.random.RandomState(0))
    held = np.sort(np.concatenate([test for _, test in folds]))
    assert np.array_equal(held, np.arange(101))
    for train, test in folds:
        assert np.intersect1d(train, test).size == 0
        assert train.size + test.size == 101


def test_a_splitter_or_an_iterable_of_splits_is_accepted():
    X = np.zeros((60, 1))
    groups = np.repeat(np.arange(6), 10)
    splits = list(GroupKFold(3).split(X, groups=groups))
    folds = make_folds(splits, 60, X, None, np.random.RandomState(0))
    for train, test in folds:
        assert np.intersect1d(groups[train], groups[test]).size == 0


def test_overlapping_test_sets_are_refused():
    X = np.zeros((50, 1))
    with pytest.raises(ValueError, match="at most once"):
        make_folds(ShuffleSplit(5, test_size=0.3, random_state=0), 50, X, None, None)


def test_too_many_folds_for_the_data_is_a_clear_error():
    with pytest.raises(ValueError, match="cannot be cut into cv=10 folds"):
        MINE(cv=10).fit(X0[:15], Y0[:15])


def _gaussian_log_ratio(rho):
    def critic(x, y):
        q = (x**2 - 2 * rho * x * y + y**2) / (1 - rho**2)
        return -0.5 * math.log(1 - rho**2) - 0.5 * q + 0.5 * (x**2 + y**2)

    return critic


def test_influence_standard_error_matches_the_spread_over_fresh_held_out_sets():
    # A fixed critic (the true log density ratio of a Gaussian pair): the readout's sampling
    # noise over 300 fresh held-out sets must match the standard error the influences give.
    rho, n = 0.6, 400
    critic = _gaussian_log_ratio(rho)
    generator = torch.Generator().manual_seed(0)
    rng = np.random.RandomState(0)
    layout = training_layout([(np.arange(2), np.arange(n))])
    rows, cols = held_out_pairs(layout, 8 * n, generator)
    values, errors = [], []
    for _ in range(300):
        x = torch.from_numpy(rng.standard_normal(n)).float()
        y = rho * x + math.sqrt(1 - rho**2) * torch.from_numpy(rng.standard_normal(n)).float()
        t_joint = critic(x, y)[None]
        t_marginal = critic(x[rows[0]], y[cols[0]])[None]
        value, influence = dv_statistics(
            t_joint, torch.ones_like(t_joint, dtype=torch.bool), t_marginal, rows, cols
        )
        assert float(value[0]) == pytest.approx(float(donsker_varadhan(t_joint, t_marginal)))
        assert abs(float(influence.sum())) < 1e-3 * n
        estimate = combine(value, influence, layout)
        values.append(estimate.value)
        errors.append(estimate.std)
    assert np.mean(errors) == pytest.approx(np.std(values), rel=0.15)
    truth = -0.5 * math.log(1 - rho**2)
    assert np.mean(values) == pytest.approx(truth, abs=3 * np.std(values) / math.sqrt(300))


def test_fold_spread_widens_the_error_and_is_flagged():
    noisy = Estimate(1.0, 1.0, 0.01, 0.01, (0.7, 1.0, 1.3))
    assert fold_disagreement(noisy) < 1e-3
    calm = Estimate(1.0, 1.0, 0.05, 0.05, (0.98, 1.0, 1.02))
    assert fold_disagreement(calm) > 0.5


@classes
def test_every_estimator_reports_an_interval_around_its_estimate(cls):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        wide = small(cls, max_iter=200).fit(X0, Y0)
        narrow = small(cls, max_iter=200, confidence_level=0.5).fit(X0, Y0)
    low, high = wide.mutual_info_ci_
    assert low <= wide.mutual_info_ <= high
    assert wide.mutual_info_std_ > 0
    assert narrow.mutual_info_ == wide.mutual_info_
    assert narrow.mutual_info_ci_[1] - narrow.mutual_info_ci_[0] < high - low
    assert wide.n_folds_ == wide.cv == 3


@pytest.mark.parametrize("removed", [{"cv": None}, {"bias_correction": "extrapolation"}])
def test_removed_legacy_policies_are_refused_by_name(removed):
    name = next(iter(removed))
    with pytest.raises(ValueError, match=name):
        MINE(**removed).fit(X0, Y0)


def test_minee_entropies_have_intervals():
    rng = np.random.RandomState(0)
    X = 2.0 * rng.standard_normal((2000, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = MINEE(random_state=0, max_iter=600, eval_interval=50).fit(X)
    truth = 0.5 * math.log(2 * math.pi * math.e * 4.0)
    low, high = est.entropy_x_ci_
    assert low < est.entropy_x_ < high
    assert 0 < est.entropy_x_std_ < 0.05
    assert est.entropy_x_ == pytest.approx(truth, abs=0.06)


def _optimism_layout():
    rng = np.random.RandomState(0)
    folds = make_folds(3, 90, np.zeros((90, 1)), None, rng)
    return training_layout(folds)


def test_the_optimism_correction_is_the_midpoint_of_held_out_and_apparent_bounds():
    layout = _optimism_layout()
    held = torch.tensor([0.40, 0.50, 0.45])
    apparent = torch.tensor([0.60, 0.62, 0.58])
    influence = 0.1 * torch.randn(3, layout.held_out.shape[1], generator=torch.manual_seed(0))
    influence = influence * layout.held_out_mask
    estimate = combine(held, influence, layout, apparent_values=apparent, correct_optimism=True)
    sizes = layout.held_out_size.double()
    raw = float((held.double() * sizes).sum() / sizes.sum())
    pooled_apparent = float((apparent.double() * sizes).sum() / sizes.sum())
    assert estimate.raw == pytest.approx(raw)
    assert estimate.apparent == pytest.approx(pooled_apparent)
    assert estimate.value == pytest.approx((raw + pooled_apparent) / 2)
    assert estimate.optimism == pytest.approx((pooled_apparent - raw) / 2)
    low, high = estimate.interval(0.95)
    z = 1.959964
    assert low == pytest.approx(raw - z * estimate.std)
    assert high == pytest.approx(pooled_apparent + z * estimate.std)
    # Uncorrected, the apparent bound is still recorded (for the data-limited warning).
    plain = combine(held, influence, layout, apparent_values=apparent)
    assert plain.value == pytest.approx(raw) and plain.optimism == 0.0
    assert plain.gap == pytest.approx(pooled_apparent - raw)


def test_an_apparent_bound_below_the_held_out_one_corrects_nothing():
    layout = _optimism_layout()
    held = torch.tensor([0.40, 0.50, 0.45])
    influence = torch.zeros(3, layout.held_out.shape[1])
    estimate = combine(held, influence, layout, apparent_values=held - 0.05, correct_optimism=True)
    assert estimate.value == estimate.raw and estimate.optimism == 0.0


def test_the_training_view_reads_each_critic_out_on_its_training_samples():
    layout = _optimism_layout()
    view = layout.training_view()
    for c in range(layout.n_critics):
        train = layout.train_index[c, : layout.train_size[c]]
        assert torch.equal(view.held_out[c][view.held_out_mask[c]], train)
        assert int(view.held_out_size[c]) == int(layout.train_size[c])


@pytest.mark.parametrize("cls", [MINE, DeepInfoMaxJSD], ids=lambda c: c.__name__)
def test_the_optimism_correction_changes_the_readout_not_the_training(cls):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        corrected = small(cls, max_iter=200).fit(X0, Y0)
        plain = small(cls, max_iter=200, bias_correction=None).fit(X0, Y0)
    assert corrected.bias_correction == "optimism"
    assert corrected.mutual_info_raw_ == plain.mutual_info_raw_ == plain.mutual_info_
    assert corrected.mutual_info_ >= corrected.mutual_info_raw_
    low, high = corrected.mutual_info_ci_
    optimism = corrected.mutual_info_ - corrected.mutual_info_raw_
    # The interval reaches from below the held-out bound to above the apparent one.
    assert low < corrected.mutual_info_raw_ and high > corrected.mutual_info_ + optimism
    for a, b in zip(corrected.critic_.parameters(), plain.critic_.parameters(), strict=True):
        assert torch.equal(a, b)


@pytest.mark.parametrize("cls", [MINE, MINEE])
def test_bias_correction_is_optimism_or_none(cls):
    assert cls().get_params()["bias_correction"] == "optimism"
    with pytest.raises(InvalidParameterError, match="bias_correction"):
        cls(bias_correction=True).fit(X0, Y0)


@pytest.fixture(scope="module")
def data_limited_fits():
    # 50 inputs and 667 training samples per critic: the critics fit noise, and score their
    # training samples about 0.5 nats above their held-out ones.
    X, y, truth = TASKS["sparse-gauss 25x25"].sample(1000, 0)
    fits = {}
    for correction in ("optimism", None):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            est = MINE(random_state=0, max_iter=1500, bias_correction=correction).fit(X, y)
        messages = [str(w.message) for w in caught]
        fits[correction] = (est, [m for m in messages if "limited by the amount of data" in m])
    return fits, truth


def test_the_optimism_correction_recovers_a_data_limited_estimate(data_limited_fits):
    fits, truth = data_limited_fits
    est, _ = fits["optimism"]
    # Uncorrected the held-out bound is about 23% low; the midpoint is within 0.1 nats.
    assert est.mutual_info_raw_ < 0.85 * truth
    assert abs(est.mutual_info_ - truth) < 0.1
    assert abs(est.mutual_info_ - truth) < 0.5 * abs(est.mutual_info_raw_ - truth)
    low, high = est.mutual_info_ci_
    assert low < truth < high


def test_a_critic_that_fits_its_training_samples_far_better_warns_that_data_limits_it(
    data_limited_fits,
):
    fits, _ = data_limited_fits
    (corrected,) = fits["optimism"][1]
    assert "standard errors" in corrected and "adds half of it" in corrected
    (plain,) = fits[None][1]
    assert 'bias_correction="optimism"' in plain


def _data_limited_warnings(task: str) -> list[str]:
    X, y, _ = TASKS[task].sample(1000, 0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        MINE(random_state=0, max_iter=1500).fit(X, y)
    return [str(w.message) for w in caught if "limited by the amount of data" in str(w.message)]


def test_a_critic_that_generalises_does_not_warn():
    assert _data_limited_warnings("dense-gauss 2x2") == []


@classes
def test_weight_decay_shrinks_the_critic_and_keeps_it_finite(cls):
    X, y = dependent_data(n=600)
    norms = {}
    for decay in (0.0, 5.0):
        est = small(cls, max_iter=200, early_stopping=False, weight_decay=decay).fit(X, y)
        norms[decay] = torch.cat([p.detach().flatten() for p in est.critic_.parameters()]).norm()
        assert np.isfinite(est.mutual_info_)
        assert est.get_params()["weight_decay"] == decay
    assert norms[5.0] < 0.8 * norms[0.0]


def test_negative_weight_decay_is_refused():
    X, y = dependent_data()
    with pytest.raises(ValueError, match="weight_decay"):
        MINE(weight_decay=-0.1).fit(X, y)


def test_an_interval_clipped_at_zero_never_has_its_low_end_above_its_high_end():
    estimate = Estimate(-0.5, -0.5, 0.1, 0.1, (-0.5,))
    low, high = estimate.interval(0.95, lower=0.0)
    assert low <= high
    assert (low, high) == (0.0, 0.0)


def test_an_int_hidden_layer_size_is_one_hidden_layer_as_in_scikit_learn():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = small(MINE, max_iter=20, hidden_layer_sizes=16, radial_features=False).fit(X0, Y0)
    assert [w.shape[-1] for w in est.critic_.weights] == [16, 1]


def test_a_refit_on_continuous_y_drops_the_classes_of_a_previous_fit():
    labels = (np.ravel(Y0) > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = small(MINE, max_iter=20, radial_features=False).fit(X0, labels)
        assert list(est.classes_) == [0, 1]
        est.fit(X0, Y0)
    assert not hasattr(est, "classes_")


def test_one_line_mutual_info_is_the_estimator_read_out():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = skmine.mutual_info(X0, Y0, random_state=0, max_iter=200, hidden_layer_sizes=16)
        est = MINE(random_state=0, max_iter=200, hidden_layer_sizes=16).fit(X0, Y0)
    assert result.estimate == est.mutual_info_
    assert result.std == est.mutual_info_std_
    assert result.confidence_interval == est.mutual_info_ci_
    assert isinstance(result.estimator, MINE)
    with pytest.raises(ValueError, match="method must be one of"):
        skmine.mutual_info(X0, Y0, method="ksg")


def test_one_line_entropy_matches_a_closed_form():
    X = 2.0 * np.random.RandomState(0).standard_normal((2000, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = skmine.entropy(X, random_state=0, max_iter=600, eval_interval=50)
    truth = 0.5 * math.log(2 * math.pi * math.e * 4.0)
    low, high = result.confidence_interval
    assert low < truth < high
    assert result.estimate == pytest.approx(truth, abs=0.06)
