"""The stopping rule's paired comparison of two evaluations on the same samples."""

import math

import numpy as np
import pytest
import torch

from skmine._engine.checkpoint import UnitProgress
from skmine._engine.folds import training_layout
from skmine._engine.readout import Influence, mean_statistics, pooled_mean
from skmine._engine.training import TrainingConfig, train


def _three_folds(n):
    folds = np.array_split(np.arange(n), 3)
    return training_layout([(np.setdiff1d(np.arange(n), test), test) for test in folds])


def _evaluation(per_sample, layout, reference=None):
    held_out = per_sample[layout.held_out]
    values, influence = mean_statistics(held_out, layout.held_out_mask)
    return Influence(values, influence, layout, reference)


def test_change_std_matches_the_spread_of_the_change_over_fresh_samples():
    # Two evaluations of slightly different critics on the same samples: their values are
    # noisy (std of f over sqrt(n)), their difference much less so (std of g over sqrt(n)).
    rng = np.random.default_rng(0)
    n, replicates = 3000, 300
    layout = _three_folds(n)

    def f(x):
        return torch.tanh(2 * x) + x**2

    def g(x):
        return 0.05 * torch.sin(3 * x)

    changes, predicted, value_stds = [], [], []
    for _ in range(replicates):
        x = torch.from_numpy(rng.standard_normal(n))
        first = _evaluation(f(x), layout)
        second = _evaluation(f(x) + g(x), layout)
        changes.append(pooled_mean(second.values - first.values, layout))
        predicted.append(second.change_std(first))
        value_stds.append(float(second.influence.pow(2).sum().sqrt()) / n)
    assert np.std(changes) == pytest.approx(np.mean(predicted), rel=0.15)
    assert np.mean(predicted) < np.mean(value_stds) / 10


def test_change_std_counts_the_reference_draws():
    rng = np.random.default_rng(1)
    n, m, replicates = 1500, 4000, 300
    layout = _three_folds(n)
    changes, predicted = [], []
    for _ in range(replicates):
        x = torch.from_numpy(rng.standard_normal(n))
        r = torch.from_numpy(rng.standard_normal((3, m)))
        partitions, influences = [], []
        for scale in (0.5, 0.6):  # two critics T(r) = scale * r: the partition term moves
            t = scale * r
            partitions.append(torch.logsumexp(t, dim=1) - math.log(m))
            influences.append(-(m * torch.softmax(t, dim=1) - 1.0))
        first = _evaluation(x, layout, influences[0])
        second = _evaluation(x, layout, influences[1])
        first = Influence(first.values - partitions[0], first.influence, layout, influences[0])
        second = Influence(second.values - partitions[1], second.influence, layout, influences[1])
        changes.append(pooled_mean(second.values - first.values, layout))
        predicted.append(second.change_std(first))
    assert np.std(changes) == pytest.approx(np.mean(predicted), rel=0.15)


def test_paired_rule_counts_a_small_steady_gain_and_ignores_noise():
    def progress():
        return UnitProgress(
            1, patience=1, tol=1e-3, improvement_z=0.5, halvings=0, fall_z=None, paired_z=2.0
        )

    value_std = torch.tensor([0.05])
    steady = progress()
    assert steady.update(torch.tensor([1.0]), value_std) == [0]
    # +0.01 is a fifth of the value's standard error but five of the change's.
    assert steady.update(torch.tensor([1.01]), value_std, torch.tensor([0.002])) == [0]
    assert not steady.done
    noisy = progress()
    noisy.update(torch.tensor([1.0]), value_std)
    assert noisy.update(torch.tensor([1.01]), value_std, torch.tensor([0.02])) == []
    assert noisy.done
    # Without the change's standard error the value's own applies.
    unpaired = progress()
    unpaired.update(torch.tensor([1.0]), value_std)
    assert unpaired.update(torch.tensor([1.01]), value_std) == []


class _Creeping:
    """A problem whose held-out value gains 0.01 per evaluation, with a standard error of
    0.05 and ``change_std`` for the change since any earlier evaluation."""

    def __init__(self, change_std):
        self.module = torch.nn.Linear(1, 1)
        self.change_std, self.evaluations = change_std, 0

    def training_loss(self):
        loss = sum(p.sum() for p in self.module.parameters()) * 0.0
        return loss, torch.tensor(0.0)

    def evaluate(self):
        self.evaluations += 1
        change = self.change_std

        class _Influence:
            def change_std(self, earlier):
                return change

        return {
            "estimate": 0.01 * self.evaluations,
            "estimate_std": 0.05,
            "estimate_influence": _Influence(),
        }


@pytest.mark.parametrize(
    ("paired_z", "change_std", "n_iter"), [(2.0, 0.002, 20), (2.0, 0.02, 2), (None, 0.002, 2)]
)
def test_training_stops_by_the_paired_rule_when_configured(paired_z, change_std, n_iter):
    config = TrainingConfig(
        max_iter=20,
        learning_rate=1e-3,
        eval_interval=1,
        early_stopping=True,
        n_iter_no_change=1,
        tol=1e-3,
        max_grad_norm=None,
        verbose=0,
        improvement_z=0.5,
        paired_improvement_z=paired_z,
    )
    result = train(_Creeping(change_std), config)
    assert result.n_iter == n_iter
    assert all(isinstance(v, float | int) for v in result.history[-1].values())


@pytest.mark.filterwarnings("ignore:MINEE's estimate")  # 20 iterations: far from the MI
def test_minee_evaluations_report_the_influences_of_their_criterion():
    problem = _minee_problem()
    with torch.no_grad():
        metrics = problem.evaluate()
    influence = metrics["estimate_influence"]
    assert pooled_mean(influence.values, problem.layout) == pytest.approx(metrics["estimate"])
    assert influence.change_std(influence) == 0.0
    assert influence.reference.shape[0] == influence.values.shape[0]


def _minee_problem():
    from skmine import MINEE
    from skmine._engine.folds import readout_layout
    from skmine.datasets import mixed_gaussians

    X, y, _ = mixed_gaussians(600, rho=0.9, random_state=0)
    est = MINEE(random_state=0, max_iter=20, eval_interval=10).fit(X, y)
    x, y_t = est._preprocessed_tensors(est.preprocessor_, X, y)
    layout = readout_layout(x.shape[0], est.n_folds_)
    generator = torch.Generator().manual_seed(0)
    return est._make_problem(est.critic_, x, y_t, layout, generator)
