"""Each bound with the analytically optimal critic of a Gaussian pair recovers the true MI."""

import math

import numpy as np
import pytest
import torch

from skmine import objectives

RHO = 0.8
TRUE_MI = -0.5 * math.log(1 - RHO**2)  # 0.511 nats


def log_ratio(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """log p(x, y) / (p(x) p(y)) for standard normals with correlation RHO."""
    det = 1 - RHO**2
    return -0.5 * math.log(det) - (RHO**2 * (x**2 + y**2) - 2 * RHO * x * y) / (2 * det)


@pytest.fixture(scope="module")
def samples():
    g = torch.Generator().manual_seed(0)
    n = 200_000
    x = torch.randn(n, generator=g, dtype=torch.float64)
    y = RHO * x + math.sqrt(1 - RHO**2) * torch.randn(n, generator=g, dtype=torch.float64)
    y_marginal = y[torch.randperm(n, generator=g)]
    return log_ratio(x, y), log_ratio(x, y_marginal), x, y


def test_donsker_varadhan_with_optimal_critic(samples):
    t_joint, t_marginal, *_ = samples
    assert objectives.donsker_varadhan(t_joint, t_marginal).item() == pytest.approx(
        TRUE_MI, abs=0.02
    )


def test_dv_is_invariant_to_a_constant_shift(samples):
    t_joint, t_marginal, *_ = samples
    a = objectives.donsker_varadhan(t_joint, t_marginal)
    b = objectives.donsker_varadhan(t_joint + 3.0, t_marginal + 3.0)
    assert a.item() == pytest.approx(b.item(), abs=1e-9)


def test_nwj_with_its_optimal_critic(samples):
    t_joint, t_marginal, *_ = samples
    value = objectives.nwj(t_joint + 1.0, t_marginal + 1.0).item()
    assert value == pytest.approx(TRUE_MI, abs=0.02)
    # For any critic NWJ is below DV: DV is the tighter bound.
    assert objectives.nwj(t_joint, t_marginal) <= objectives.donsker_varadhan(t_joint, t_marginal)


def test_smile_with_a_large_clip_is_dv(samples):
    t_joint, t_marginal, *_ = samples
    assert objectives.smile(t_joint, t_marginal, clip=50.0).item() == pytest.approx(
        objectives.donsker_varadhan(t_joint, t_marginal).item(), abs=1e-9
    )


def test_smile_value_is_clipped_dv_and_its_gradient_is_the_jsd_gradient():
    # Ascending the clipped value itself would let the critic grow without limit on Q
    # samples above the clip; SMILE ascends the JSD objective instead (Song & Ermon, 2020).
    g = torch.Generator().manual_seed(1)
    t_joint = (3 * torch.randn(64, generator=g, dtype=torch.float64)).requires_grad_()
    t_marginal = (3 * torch.randn(64, generator=g, dtype=torch.float64)).requires_grad_()
    value = objectives.smile(t_joint, t_marginal, clip=2.0)
    clipped = t_joint.mean() - objectives.log_mean_exp(t_marginal.clamp(-2.0, 2.0))
    assert value.item() == pytest.approx(clipped.item(), abs=1e-12)
    grads = torch.autograd.grad(value, (t_joint, t_marginal))
    expected = torch.autograd.grad(objectives.jsd(t_joint, t_marginal), (t_joint, t_marginal))
    for got, want in zip(grads, expected, strict=True):
        torch.testing.assert_close(got, want)


def test_jsd_with_optimal_critic_matches_monte_carlo(samples):
    t_joint, t_marginal, *_ = samples
    # With T = log r, D_JS = E_P[log(2r/(1+r))]/2 + E_Q[log(2/(1+r))]/2.
    r_joint, r_marginal = t_joint.exp(), t_marginal.exp()
    js = (
        0.5 * torch.log(2 * r_joint / (1 + r_joint)).mean()
        + 0.5 * torch.log(2 / (1 + r_marginal)).mean()
    )
    value = objectives.jsd(t_joint, t_marginal).item()
    assert value / 2 + math.log(2) == pytest.approx(js.item(), abs=1e-9)
    assert 0 < js.item() < math.log(2)


def test_infonce_close_to_truth_and_capped_by_log_batch(samples):
    *_, x, y = samples
    n = 512
    scores = log_ratio(x[:n, None], y[None, :n])
    value = objectives.infonce(scores).item()
    assert value <= math.log(n) + 1e-9
    assert value == pytest.approx(TRUE_MI, abs=0.1)
    # With a perfectly informative critic InfoNCE saturates at log n, whatever the MI.
    saturated = objectives.infonce(100.0 * torch.eye(8, dtype=torch.float64)).item()
    assert saturated == pytest.approx(math.log(8), abs=1e-6)


def test_infonce_needs_a_square_matrix():
    with pytest.raises(ValueError, match="square"):
        objectives.infonce(torch.zeros(3, 4))


def test_mine_ema_surrogate_has_the_bias_corrected_gradient():
    g = torch.Generator().manual_seed(1)
    t_joint = torch.randn(64, generator=g, dtype=torch.float64, requires_grad=True)
    t_marginal = torch.randn(64, generator=g, dtype=torch.float64, requires_grad=True)
    log_ema = torch.tensor(0.3, dtype=torch.float64)
    surrogate, new_log_ema = objectives.mine_ema_surrogate(t_joint, t_marginal, log_ema, 0.1)
    surrogate.backward()
    expected_ema = 0.9 * math.exp(0.3) + 0.1 * t_marginal.detach().exp().mean().item()
    assert new_log_ema.item() == pytest.approx(math.log(expected_ema))
    # d/dT_m = exp(T_m) / (n * ema): the moving average replaces the minibatch denominator.
    expected = t_marginal.detach().exp() / (64 * expected_ema)
    np.testing.assert_allclose(t_marginal.grad.numpy(), -expected.numpy(), rtol=1e-10)
    np.testing.assert_allclose(t_joint.grad.numpy(), np.full(64, 1 / 64), rtol=1e-12)


def test_log_mean_exp_is_stable():
    values = torch.tensor([1000.0, 1000.0])
    assert objectives.log_mean_exp(values).item() == pytest.approx(1000.0)


@pytest.mark.parametrize("name", ["donsker_varadhan", "nwj", "jsd", "smile"])
def test_a_stack_of_critics_gets_each_critics_own_bound(name):
    generator = torch.Generator().manual_seed(0)
    t_joint = torch.randn(4, 50, generator=generator) + 1.0
    t_marginal = torch.randn(4, 70, generator=generator)
    bound = getattr(objectives, name)
    stacked = bound(t_joint, t_marginal)
    assert stacked.shape == (4,)
    for row in range(4):
        torch.testing.assert_close(stacked[row], bound(t_joint[row], t_marginal[row]))


def test_mine_surrogate_keeps_one_moving_average_per_critic():
    generator = torch.Generator().manual_seed(1)
    t_joint, t_marginal = (
        torch.randn(3, 40, generator=generator),
        torch.randn(3, 40, generator=generator),
    )
    log_ema = torch.tensor([0.0, 1.0, -1.0])
    surrogate, updated = objectives.mine_ema_surrogate(t_joint, t_marginal, log_ema, 0.1)
    for row in range(3):
        one, one_ema = objectives.mine_ema_surrogate(
            t_joint[row], t_marginal[row], log_ema[row], 0.1
        )
        torch.testing.assert_close(surrogate[row], one)
        torch.testing.assert_close(updated[row], one_ema)
