"""The training loop's race between units: dropping a unit changes the cost, not the result."""

import math

import pytest
import torch
from torch import nn

from skmine._engine.training import TrainingConfig, train

N_FOLDS = 2


class TwoUnitProblem:
    """Critics ``theta`` stacked as two units of two; unit ``u`` climbs towards ``peaks[u]``.

    The held-out value of a critic is ``peak - (theta - 1) ** 2`` plus noise from the
    problem's generator, so that unit 1 (the higher peak) wins a race.
    """

    def __init__(self, peaks=(0.5, 1.0), seed=0):
        generator = torch.Generator().manual_seed(seed)
        self.module = nn.Module()
        self.module.theta = nn.Parameter(torch.zeros(2 * N_FOLDS, 3))
        self.module.register_buffer("peak", torch.tensor(peaks).repeat_interleave(N_FOLDS))
        self.generator = generator
        self.unit_ids = [0, 1]
        self.dropped = []

    @property
    def critic_units(self):
        return torch.tensor(self.unit_ids).repeat_interleave(N_FOLDS)

    def keep_units(self, kept):
        self.dropped += [u for u in self.unit_ids if u not in kept]
        self.unit_ids = [u for u in self.unit_ids if u in kept]

    def training_loss(self):
        theta = self.module.theta
        # The same draws whichever units are left, so that a unit's path does not depend on
        # the others.
        noise = torch.randn(2 * N_FOLDS, 3, generator=self.generator)[self._rows()]
        loss = ((theta - 1.0 + 0.1 * noise) ** 2).sum()
        values = self._values().detach().reshape(len(self.unit_ids), -1).mean(dim=1)
        return loss, values

    def _rows(self):
        return torch.cat([torch.arange(u * N_FOLDS, (u + 1) * N_FOLDS) for u in self.unit_ids])

    def _values(self):
        return self.module.peak - (self.module.theta - 1.0).pow(2).mean(dim=1)

    def evaluate(self):
        per_unit = self._values().reshape(len(self.unit_ids), -1).mean(dim=1)
        values = torch.full((2,), math.nan, dtype=torch.float64)
        values[self.unit_ids] = per_unit.double()
        stds = torch.where(values.isnan(), math.nan, 0.01)
        return {
            "estimate": float(per_unit.max()),
            "unit_values": values,
            "unit_std": stds,
        }


def _config(**race):
    return TrainingConfig(
        max_iter=300,
        learning_rate=0.01,
        eval_interval=20,
        early_stopping=False,
        n_iter_no_change=3,
        tol=1e-4,
        max_grad_norm=1.0,
        verbose=0,
        weight_decay=0.1,
        checkpoint="per_unit",
        **race,
    )


@pytest.mark.parametrize("race_after", [1, 3])
def test_the_kept_unit_trains_exactly_as_without_the_race(race_after):
    raced = TwoUnitProblem()
    result = train(raced, _config(race_z=3.0, race_after=race_after, race_evaluations=5))
    assert result.race is not None and result.race["kept"] == 1
    assert result.race["iteration"] == 20 * race_after
    assert raced.dropped == [0] and raced.unit_ids == [1]
    # Only the kept unit's critics are left, in the module, the optimiser and the checkpoint.
    assert raced.module.theta.shape == (N_FOLDS, 3)
    assert raced.module.peak.shape == (N_FOLDS,)

    both = TwoUnitProblem()
    reference = train(both, _config())
    assert reference.race is None and both.module.theta.shape == (2 * N_FOLDS, 3)
    # Equal up to float rounding (the fused optimiser step vectorises by tensor size).
    torch.testing.assert_close(
        raced.module.theta, both.module.theta[N_FOLDS:], rtol=1e-6, atol=1e-7
    )
    assert result.unit_best_iteration[1] == reference.unit_best_iteration[1]


def test_without_a_clear_lead_the_race_ends_at_its_last_evaluation():
    problem = TwoUnitProblem(peaks=(1.0, 1.0 + 1e-3))
    result = train(problem, _config(race_z=3.0, race_after=1, race_evaluations=4))
    assert result.race["iteration"] == 80
    assert result.race["kept"] == 1
    lead = result.race["values"][1] - result.race["values"][0]
    assert 0 < lead < 3.0 * math.hypot(*result.race["stds"])


def test_no_race_without_race_z():
    problem = TwoUnitProblem()
    result = train(problem, _config(race_after=1, race_evaluations=2))
    assert result.race is None and problem.unit_ids == [0, 1]
