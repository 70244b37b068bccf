"""The training loop's optimiser: Adam on stacked critics, per-critic rates and clipping."""

import pytest
import torch

from skmine._engine.optim import StackedAdam, clip_per_critic

N_CRITICS = 3


def _stacked_params(seed: int) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    shapes = [(N_CRITICS, 4, 5), (N_CRITICS, 1, 5), (N_CRITICS, 5, 1)]
    return [torch.randn(s, generator=generator).requires_grad_() for s in shapes]


def _loss(params: list[torch.Tensor], step: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(100 + step)
    inputs = torch.randn(N_CRITICS, 8, 4, generator=generator)
    if params[0].shape[0] < N_CRITICS:  # critics 0 and 2, after a drop
        inputs = inputs[[0, 2]]
    w0, b0, w1 = params
    return (torch.tanh(inputs @ w0 + b0) @ w1).square().sum()


def _train(optimizer, params, steps: int = 5, on_step=None) -> None:
    for step in range(steps):
        if on_step is not None:
            on_step(step)
        optimizer.zero_grad()
        _loss(params, step).backward()
        optimizer.step()


@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_matches_torch_adam(weight_decay):
    ours, theirs = _stacked_params(0), _stacked_params(0)
    _train(StackedAdam(ours, 1e-2, weight_decay=weight_decay), ours)
    reference = (
        torch.optim.AdamW(theirs, lr=1e-2, weight_decay=weight_decay)
        if weight_decay
        else torch.optim.Adam(theirs, lr=1e-2)
    )
    _train(reference, theirs)
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fused", [True, False])
def test_common_scale_is_a_smaller_learning_rate(fused):
    """Critics sharing one factor take torch AdamW's steps at the scaled rate, through the
    fused kernel and through the multi-tensor path alike."""
    ours, theirs = _stacked_params(6), _stacked_params(6)
    optimizer = StackedAdam(ours, 1e-2, weight_decay=0.1)
    if fused and not optimizer._fused:
        pytest.skip("this torch has no fused AdamW kernel on the CPU")
    optimizer._fused = fused
    optimizer.set_critic_scales(torch.full((N_CRITICS,), 0.25))
    _train(optimizer, ours)
    _train(torch.optim.AdamW(theirs, lr=0.25e-2, weight_decay=0.1), theirs)
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def test_critic_scales_scale_each_critics_step():
    base, scaled = _stacked_params(1), _stacked_params(1)
    start = [p.detach().clone() for p in base]
    optimizer_base, optimizer_scaled = StackedAdam(base, 1e-2), StackedAdam(scaled, 1e-2)
    optimizer_scaled.set_critic_scales(torch.tensor([1.0, 0.5, 0.0]))
    _train(optimizer_base, base, steps=1)
    _train(optimizer_scaled, scaled, steps=1)
    for b, s, s0 in zip(base, scaled, start, strict=True):
        torch.testing.assert_close(s[0], b[0])
        torch.testing.assert_close(s[1] - s0[1], 0.5 * (b[1] - s0[1]))
        torch.testing.assert_close(s[2], s0[2])


def test_dropping_critics_keeps_the_others_trajectory():
    everyone, kept = _stacked_params(2), _stacked_params(2)
    rows = torch.tensor([0, 2])
    optimizer = StackedAdam(kept, 1e-2)

    def drop_at_three(step):
        if step == 3:
            optimizer.keep_critics(rows)
            for p in kept:
                p.data = p.data.index_select(0, rows)

    _train(StackedAdam(everyone, 1e-2), everyone)
    _train(optimizer, kept, on_step=drop_at_three)
    for a, b in zip(everyone, kept, strict=True):
        torch.testing.assert_close(b, a[rows])


def test_clip_per_critic_bounds_each_critic_alone():
    params = _stacked_params(3)
    _loss(params, 0).backward()
    for p in params:
        p.grad[0] *= 1e-3
    before = [p.grad.clone() for p in params]
    clip_per_critic(params, max_norm=0.5)
    norms = torch.stack([p.grad.flatten(1).norm(dim=1) for p in params]).norm(dim=0)
    old_norms = torch.stack([g.flatten(1).norm(dim=1) for g in before]).norm(dim=0)
    assert old_norms[0] < 0.5 < old_norms[1:].min()
    for p, g in zip(params, before, strict=True):
        torch.testing.assert_close(p.grad[0], g[0])
    torch.testing.assert_close(norms[1:], torch.full((N_CRITICS - 1,), 0.5), rtol=1e-4, atol=0)


def test_parameters_without_gradient_stay_put():
    """A parameter left out of the loss keeps its values and its moments, as in torch."""
    ours, theirs = _stacked_params(5), _stacked_params(5)

    def loss_without_bias(params, step):
        w0, b0, w1 = params
        generator = torch.Generator().manual_seed(100 + step)
        inputs = torch.randn(N_CRITICS, 8, 4, generator=generator)
        loss = (torch.tanh(inputs @ w0) @ w1).square().sum()
        return loss + b0.sum() if step == 0 else loss

    for optimizer, params in (
        (StackedAdam(ours, 1e-2, weight_decay=0.1), ours),
        (torch.optim.AdamW(theirs, lr=1e-2, weight_decay=0.1), theirs),
    ):
        for step in range(4):
            optimizer.zero_grad()
            loss_without_bias(params, step).backward()
            optimizer.step()
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
