import math

import numpy as np
import pytest
import torch

from skmine import MINE, DeepInfoMaxJSD
from skmine._estimators.base import _select_candidate
from skmine.critics import BatchedConcatCritic
from skmine.datasets import TASKS

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FAST = dict(max_iter=400, eval_interval=50)


def test_radial_critic_sees_each_sides_radius_and_the_coordinates_gated_by_it():
    torch.manual_seed(0)
    critic = BatchedConcatCritic(2, 3, 2, (8,), "elu", radial_features=True)
    w0 = critic.weights[0]
    assert tuple(w0.shape) == (2, 3 + 2 + (1 + 3) + (1 + 2), 8)
    x, y = 3 * torch.randn(2, 40, 3), torch.randn(40, 2)
    u = x.square().mean(-1, keepdim=True) - 1
    v = y.square().mean(-1, keepdim=True) - 1
    y_side = torch.cat([y, v, torch.tanh(v) * y], -1).expand(2, -1, -1)
    inputs = torch.cat([x, y_side[..., :2], u, torch.tanh(u) * x, y_side[..., 2:]], -1)
    hidden = torch.nn.functional.elu(inputs @ w0 + critic.biases[0])
    expected = (hidden @ critic.weights[1] + critic.biases[1]).squeeze(-1)
    assert torch.allclose(critic(x, y), expected, atol=1e-5)
    # The gate is bounded: far out, the gated inputs grow like the coordinates, not faster.
    far = 1e3 * x
    gated = torch.tanh(far.square().mean(-1, keepdim=True) - 1) * far
    assert torch.allclose(gated, far)


def test_selection_lift_is_the_expected_excess_of_a_maximum():
    tie = {False: (0.5, 0.03), True: (0.5, 0.04)}
    assert _select_candidate(tie)[1] == pytest.approx(0.05 / math.sqrt(2 * math.pi))
    clear = {False: (0.5, 0.01), True: (0.9, 0.01)}
    assert _select_candidate(clear) == (True, pytest.approx(0.0, abs=1e-12))
    # Monte Carlo check of the formula at a difference of one standard error.
    rng = np.random.default_rng(0)
    a, b = rng.normal(0.0, 0.03, 400_000), rng.normal(0.05, 0.04, 400_000)
    expected_lift = np.maximum(a, b).mean() - 0.05
    _, lift = _select_candidate({False: (0.0, 0.03), True: (0.05, 0.04)})
    assert lift == pytest.approx(expected_lift, abs=5e-4)


@pytest.fixture(scope="module")
def shared_scale():
    return TASKS["t shared-scale 5x5 df=2"].sample(1500, 0)


def test_auto_keeps_the_variant_with_the_higher_held_out_bound(shared_scale):
    X, y, _ = shared_scale
    est = MINE(random_state=0, **FAST).fit(X, y)
    assert set(est.candidates_) == {"plain", "radial"}
    best = max(est.candidates_, key=est.candidates_.get)
    assert est.radial_features_ == (best == "radial")
    assert est.critic_.weights[0].shape[1] == 10 + (2 + 10) * est.radial_features_
    assert est.selection_penalty_ >= 0
    # Both variants start from the same seed and race; the loser is dropped and the kept
    # one trains on exactly as it would alone (up to float rounding).
    alone = MINE(random_state=0, radial_features=est.radial_features_, **FAST).fit(X, y)
    assert alone.selection_penalty_ == 0 and alone.n_iter_ == est.n_iter_
    assert est.mutual_info_raw_ + est.selection_penalty_ == pytest.approx(
        alone.mutual_info_raw_, rel=1e-3
    )
    assert est.best_iteration_ == alone.best_iteration_


def test_forced_radial_features_train_one_variant(shared_scale):
    X, y, _ = shared_scale
    est = DeepInfoMaxJSD(random_state=0, radial_features=True, **FAST).fit(X, y)
    assert list(est.candidates_) == ["radial"] and est.radial_features_
    assert est.score(X, y) == pytest.approx(est.score(X, y))


def test_radial_features_with_a_user_critic():
    from skmine.critics import ConcatCritic

    X, y, _ = TASKS["dense-gauss 2x2"].sample(300, 0)
    with pytest.raises(ValueError, match="cannot be combined with a user critic"):
        MINE(critic=ConcatCritic, radial_features=True, max_iter=10).fit(X, y)
    est = MINE(critic=ConcatCritic, max_iter=50, eval_interval=25, random_state=0).fit(X, y)
    assert est.candidates_.keys() == {"plain"} and not est.radial_features_
