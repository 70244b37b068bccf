import math

import numpy as np
import pytest
import torch

from skmine._engine.readout import reference_variance
from skmine.critics import ACTIVATIONS, BatchedConcatCritic, BlockCritics
from skmine.objectives import log_mean_exp

BLOCKS = {"xy": slice(0, 5), "x": slice(0, 2), "y": slice(2, 5)}


def test_each_block_sees_only_its_columns_and_trains_only_their_weights():
    torch.manual_seed(0)
    critics = BlockCritics(BLOCKS, n_critics=3, width=5, hidden_layer_sizes=(16,), activation="elu")
    rows = torch.randn(3, 50, 5)
    other = rows.clone()
    other[..., 2:] = torch.randn(3, 50, 3)  # only y changes
    before, after = critics(rows), critics(other)
    assert torch.equal(before["x"], after["x"])
    assert not torch.allclose(before["y"], after["y"])
    sum(v.sum() for v in critics(rows).values()).backward()
    first = critics.net.weights[0].grad  # (blocks * critics, width, hidden)
    assert torch.count_nonzero(first[3:6, 2:]) == 0  # x critics: no gradient from y columns
    assert torch.count_nonzero(first[6:9, :2]) == 0  # y critics: none from x columns
    assert torch.count_nonzero(first[0:3]) > 0


def test_blocks_start_with_the_initial_scale_of_their_own_fan_in():
    torch.manual_seed(0)
    critics = BlockCritics(
        BLOCKS, n_critics=2, width=5, hidden_layer_sizes=(4096,), activation="elu"
    )
    weights = critics.net.weights[0].detach()
    for b, columns in enumerate(BLOCKS.values()):
        own = len(range(5)[columns])
        block = weights[2 * b : 2 * b + 2, columns]
        assert block.abs().max().item() == pytest.approx(1 / math.sqrt(own), rel=0.01)


def test_reference_variance_matches_the_spread_of_the_partition_term():
    # log mean exp(T(r)) over M reference draws: its variance across independent draws
    # against the delta-method variance from one draw's influences.
    rng = np.random.default_rng(0)
    m, replicates = 2000, 400

    def critic(r):
        return 0.8 * r[..., 0] - 0.3 * r[..., 1] ** 2

    draws = torch.from_numpy(rng.standard_normal((replicates, m, 2)))
    values = critic(draws)
    partitions = log_mean_exp(values, dim=1)
    influence = m * torch.softmax(values, dim=1) - 1.0
    predicted = reference_variance(influence).mean().item()
    assert partitions.var().item() == pytest.approx(predicted, rel=0.2)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_batched_critics_in_place_activation_matches_the_plain_layers(activation):
    critic = BatchedConcatCritic(3, 2, 1, (8, 8), activation, torch.Generator().manual_seed(0))
    x = torch.randn(3, 50, 2, requires_grad=True)
    y = torch.randn(3, 50, 1)
    scores = critic(x, y)
    scores.sum().backward()
    # The same network with a fresh (out-of-place) activation module.
    h = torch.cat([x, y], dim=-1)
    act = ACTIVATIONS[activation]()
    for k, (w, b) in enumerate(zip(critic.weights, critic.biases, strict=True)):
        h = torch.baddbmm(b, act(h) if k else h, w)
    expected_grad = torch.autograd.grad(h.sum(), x)[0]
    torch.testing.assert_close(scores, h.squeeze(-1))
    torch.testing.assert_close(x.grad, expected_grad)
