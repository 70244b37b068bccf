"""The training loop shared by every estimator.

An estimator describes *what* to optimise as a :class:`Problem`; this module decides *how*:
Adam on minibatches, an evaluation on held-out data every ``eval_interval`` steps, early
stopping, a race that drops the units of critics that fall behind, restoring the best
checkpoint, a guard against non-finite values, and progress messages. The host synchronises
with the device only at evaluations.
"""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

import torch
from sklearn.exceptions import ConvergenceWarning
from torch import Tensor, nn

from .checkpoint import Checkpoint, UnitProgress
from .optim import StackedAdam, clip_per_critic

MAX_NON_FINITE_RESTARTS = 3
# Convergence diagnostics, applied only when training ran out of iterations (max_iter).
PLATEAU_NATS = 0.02
RISE_NATS = 0.01
RISE_FRACTION = 0.02
MIN_EVALUATIONS_FOR_DIAGNOSTICS = 4


class Problem(Protocol):
    """What an estimator trains: a module, a minibatch loss and a held-out evaluation.

    Every parameter of ``module`` is stacked along a leading axis of independent critics (the
    folds of cross-fitting, or the features of :mod:`skmine.feature_selection`); gradient
    clipping applies to each critic on its own.
    """

    module: nn.Module

    def training_loss(self) -> tuple[Tensor, Tensor]:
        """Draw a minibatch; return the loss to minimise and the (detached) estimate."""

    def evaluate(self) -> dict[str, float]:
        """Evaluate on held-out data (under ``torch.no_grad``).

        Must contain ``"estimate"`` (the checkpointing criterion, higher is better); an
        ``"eligible"`` of 0 marks an evaluation that must not become the checkpoint; for a
        per-unit checkpoint, ``"unit_values"`` (and optionally ``"unit_std"``) hold each
        unit's criterion (tensors); ``"estimate_std"`` is the standard error of a single
        unit's criterion, for early stopping, and ``"estimate_influence"`` (optional, a
        :class:`~skmine._engine.readout.Influence`) its samples' influences, for the paired
        improvement rule (``TrainingConfig.paired_improvement_z``).
        """

    # Optional: ``reset_state()``, called after a non-finite value restored the best
    # checkpoint, clears state the problem carries between steps (e.g. moving averages).


@dataclass(frozen=True)
class TrainingConfig:
    """Settings of :func:`train`, taken from the estimator's parameters.

    ``checkpoint="joint"`` keeps the weights of the evaluation with the highest
    ``"estimate"`` for all critics together (the folds of one estimate must come from one
    iteration); ``"per_unit"`` keeps the best of each unit of critics on its own (see
    :mod:`skmine._engine.checkpoint`), by the values an evaluation returns under
    ``"unit_values"``; the problem's ``critic_units`` says which critic belongs to which
    unit (independent estimates that converge at different times: critic variants, or one
    critic per feature).

    Early stopping (``early_stopping``) is per unit: see
    :class:`~skmine._engine.checkpoint.UnitProgress` for ``n_iter_no_change``,
    ``improvement_z``, ``lr_halvings`` and ``fall_z``. ``paired_improvement_z`` (a single
    unit whose evaluations report ``"estimate_influence"``): an improvement must exceed this
    many standard errors of the change since the best evaluation instead.

    ``race_z``, ``race_after``, ``race_evaluations`` (several units only): the units race.
    From the ``race_after``-th evaluation on, as soon as one unit's best held-out value leads
    every other unit's by ``race_z`` standard errors of their difference, and in any case at
    the ``race_evaluations``-th evaluation, the others are dropped: their critics leave the
    module, so they no longer cost a step, and only the leader trains on (see
    :meth:`_Loop.settle_race`). ``race_z=None`` keeps every unit to the end.

    ``weight_averaging``: evaluations and checkpoints use an exponential moving average of
    the weights (Polyak averaging, weight ``1 - weight_averaging`` on the newest step, or
    the plain mean over the first steps); ``None`` uses the weights as trained.
    """

    max_iter: int
    learning_rate: float
    eval_interval: int
    early_stopping: bool
    n_iter_no_change: int
    tol: float
    max_grad_norm: float | None
    verbose: int
    weight_averaging: float | None = 0.99
    weight_decay: float = 0.0
    checkpoint: str = "joint"
    improvement_z: float = 0.0
    lr_halvings: int = 0
    fall_z: float | None = None
    paired_improvement_z: float | None = None
    race_z: float | None = None
    race_after: int = 0
    race_evaluations: int = 0
    # Plateau / still-rising diagnostics at max_iter (of a single unit: with several, the
    # caller diagnoses the unit it keeps with convergence_problems); off where the
    # criterion is a sum over many critics that each keep their own best.
    diagnose_convergence: bool = True


@dataclass
class TrainingResult:
    """What :func:`train` returns; the module holds the best checkpoint on return.

    ``warnings`` lists ``(message, category)`` pairs for the caller to issue (after it has
    chosen among several trainings, only for the one it keeps). ``race`` describes the end of
    a race between units (``None`` when every unit trained to the end): the iteration, the
    kept unit, and each unit's best held-out value and its standard error at that point.
    """

    history: list[dict[str, float]] = field(default_factory=list)
    n_iter: int = 0
    best_iteration: int = 0
    best_metrics: dict[str, float] = field(default_factory=dict)
    stop_reason: str = "max_iter"
    non_finite_restarts: int = 0
    unit_best_iteration: list[int] = field(default_factory=list)
    race: dict | None = None
    warnings: list[tuple[str, type[Warning]]] = field(default_factory=list)


class MonitoredProblem:
    """A problem whose evaluations also report the MI estimate on an external data set.

    The monitored value is recorded in the history under ``name`` and plays no part in
    checkpointing or stopping.
    """

    def __init__(self, problem: Problem, monitor: Problem, name: str = "eval_set") -> None:
        self.problem, self.monitor, self.name = problem, monitor, name
        self.module = problem.module

    @property
    def critic_units(self) -> Tensor | None:
        """The units of the monitored problem's critics (its variants), kept per unit."""
        return getattr(self.problem, "critic_units", None)

    def keep_units(self, kept: list[int]) -> None:
        self.problem.keep_units(kept)
        self.monitor.keep_units(kept)

    def training_loss(self) -> tuple[Tensor, Tensor]:
        return self.problem.training_loss()

    def evaluate(self) -> dict[str, float]:
        metrics = self.problem.evaluate()
        monitored = self.monitor.evaluate()
        metrics[self.name] = monitored.get("mutual_info", monitored["estimate"])
        for key, value in monitored.items():
            if key.startswith("mutual_info/"):
                metrics[self.name + key[len("mutual_info") :]] = value
        return metrics

    def reset_state(self) -> None:
        _reset_state(self.problem)


def _reset_state(problem: Problem) -> None:
    reset = getattr(problem, "reset_state", None)
    if reset is not None:
        reset()


class _Loop:
    """The state of one run of :func:`train`, and its steps."""

    def __init__(self, problem: Problem, config: TrainingConfig) -> None:
        self.problem, self.config = problem, config
        self.module = problem.module
        self.params = [p for p in self.module.parameters() if p.requires_grad]
        self.device = self.params[0].device if self.params else torch.device("cpu")
        self.learning_rate = config.learning_rate
        self.optimizer = StackedAdam(
            self.params, self.learning_rate, weight_decay=config.weight_decay
        )
        self.averaged = (
            [p.detach().clone() for p in self.params] if config.weight_averaging else None
        )
        n_critics = self.params[0].shape[0] if self.params else 1
        units = getattr(problem, "critic_units", None)
        if config.checkpoint == "joint" or units is None:
            units = torch.zeros(n_critics, dtype=torch.int64)
        self.units = units.cpu()
        self.checkpoint = Checkpoint(self.module, self.units, config.tol)
        self.progress = UnitProgress(
            self.checkpoint.n_units,
            patience=config.n_iter_no_change,
            tol=config.tol,
            improvement_z=config.improvement_z,
            halvings=config.lr_halvings,
            fall_z=config.fall_z,
            paired_z=config.paired_improvement_z,
        )
        self.best_influence = None  # of the evaluation UnitProgress last counted as best
        self.unit_best_iteration = [0] * self.checkpoint.n_units
        self.unit_best_std = [0.0] * self.checkpoint.n_units
        self.active = list(range(self.checkpoint.n_units))
        self.scales = [1.0] * self.checkpoint.n_units
        self.result = TrainingResult()
        self.running: Tensor | float = 0.0
        self.steps_since_eval = 0
        self.started = time.perf_counter()
        self.bar = progress_bar(config.max_iter, "fit", enabled=config.verbose >= 1)

    def step(self, iteration: int) -> None:
        """One minibatch: loss, gradient (clipped per critic), Adam, weight average."""
        self.module.train()
        loss, estimate = self.problem.training_loss()
        self.optimizer.zero_grad()
        loss.backward()
        if self.config.max_grad_norm is not None:
            clip_per_critic(self.params, self.config.max_grad_norm)
        self.optimizer.step()
        if self.averaged is not None:
            weight = max(1.0 - self.config.weight_averaging, 1.0 / (iteration + 1))
            torch._foreach_lerp_(self.averaged, [p.detach() for p in self.params], weight)
        self.running += estimate
        self.steps_since_eval += 1
        self.result.n_iter = iteration

    def evaluate(self) -> tuple[dict, float, bool | None]:
        """Held-out metrics of the (averaged) weights; offer them to the checkpoint.

        Returns the metrics, the mean training estimate since the last evaluation, and
        whether any unit improved its checkpoint (``None`` for a non-finite evaluation).
        """
        train = (self.running / self.steps_since_eval).double().cpu()
        self.running = 0.0
        self.steps_since_eval = 0
        train_estimate = float(train.mean())
        if self.checkpoint.n_units > 1 and train.numel() == len(self.active):
            # One value per unit still training.
            self.unit_train = dict(zip(self.active, train.reshape(-1).tolist(), strict=True))
        self.module.eval()
        with _averaged_weights(self.params, self.averaged), torch.no_grad():
            metrics = self.problem.evaluate()
            if not _is_finite(train_estimate, *_scalars(metrics)):
                return metrics, train_estimate, None
            values, stds = self._unit_values(metrics)
            eligible = metrics.get("eligible", 1.0) > 0
            improved = self.checkpoint.offer(values) if eligible else torch.zeros(1, dtype=bool)
        for u in torch.nonzero(improved).flatten().tolist():
            self.unit_best_iteration[u] = self.result.n_iter
            self.unit_best_std[u] = 0.0 if stds is None else float(stds[u])
        return metrics, train_estimate, bool(improved.any())

    def _unit_values(self, metrics: dict) -> tuple[Tensor, Tensor | None]:
        """Each unit's checkpoint value and standard error (one unit: the estimate)."""
        if self.checkpoint.n_units > 1:
            return metrics["unit_values"], metrics.get("unit_std")
        std = metrics.get("estimate_std")
        return (
            torch.tensor([metrics["estimate"]], dtype=torch.float64),
            None if std is None else torch.tensor([std], dtype=torch.float64),
        )

    def recover(self, iteration: int) -> bool:
        """After a non-finite value: back to the checkpoint at half the learning rate.

        Returns whether training may go on.
        """
        self.result.non_finite_restarts += 1
        self.checkpoint.restore()
        if self.averaged is not None:
            torch._foreach_copy_(self.averaged, [p.detach() for p in self.params])
        _reset_state(self.problem)
        self.scales = [1.0] * self.checkpoint.n_units
        if self.result.non_finite_restarts > MAX_NON_FINITE_RESTARTS:
            self.result.stop_reason = "non_finite"
            return False
        self.learning_rate /= 2.0
        self.optimizer = StackedAdam(
            self.params, self.learning_rate, weight_decay=self.config.weight_decay
        )
        self.say(
            f"iteration {iteration}: non-finite value; restored the best checkpoint and "
            f"halved the learning rate to {self.learning_rate:.3g}"
        )
        return True

    def record(self, iteration: int, metrics: dict, train_estimate: float, improved: bool):
        """Append to the history, update the patience and the progress display."""
        record = {"iteration": iteration, "train": train_estimate}
        if self.checkpoint.n_units > 1 and getattr(self, "unit_train", None):
            record.update({f"train/{u}": v for u, v in self.unit_train.items()})
        record.update(
            {("validation" if k == "estimate" else k): v for k, v in _scalar_items(metrics)}
        )
        self.result.history.append(record)
        if improved:
            self.result.best_iteration = iteration
            self.result.best_metrics = dict(_scalar_items(metrics))
        shown = metrics.get("mutual_info", metrics["estimate"])
        if self.bar is not None:
            self.bar.update(iteration - self.bar.n)
            self.bar.set_postfix_str(f"held-out {shown:.4f} nats", refresh=False)
        if self.config.verbose >= 2:
            rate = iteration / (time.perf_counter() - self.started)
            mi = metrics.get("mutual_info")
            mi_text = "" if mi is None else f"  MI {mi:8.4f}"
            self.say(
                f"iteration {iteration:6d}  train {train_estimate:8.4f}  "
                f"validation {metrics['estimate']:8.4f}{mi_text}  ({rate:,.0f} it/s)"
            )

    def should_stop(self, metrics: dict) -> bool:
        """Update every unit's patience; halve or freeze units; whether all have stopped."""
        if not self.config.early_stopping:
            return False
        paired = self.config.paired_improvement_z is not None
        influence = metrics.get("estimate_influence") if paired else None
        change_stds = None
        if influence is not None and self.best_influence is not None:
            change_stds = torch.tensor([influence.change_std(self.best_influence)])
        improved = self.progress.update(*self._unit_values(metrics), change_stds)
        if improved and self.checkpoint.n_units == 1:
            self.best_influence = influence
        scales = self.progress.step_scales()
        if scales != self.scales:
            self.scales = scales
            factor = torch.tensor(scales, dtype=self.params[0].dtype)[self.units]
            self.optimizer.set_critic_scales(factor.to(self.device))
        if self.progress.done:
            self.result.stop_reason = "early_stopping"
            return True
        return False

    def settle_race(self) -> None:
        """End the race between units once one clearly leads or time is up.

        The leader is the unit with the highest best held-out value; from the
        ``race_after``-th evaluation on it wins when it leads every other unit by ``race_z``
        standard errors of the difference (the two best values' standard errors in
        quadrature), and at the ``race_evaluations``-th whatever its lead. Earlier leads
        tell which critic learns faster rather than which ends higher. The others' critics
        are then dropped.
        """
        if self.config.race_z is None or len(self.active) < 2:
            return
        evaluations = len(self.result.history)
        if evaluations < self.config.race_after:
            return
        best = self.checkpoint.best.tolist()
        leader = max(self.active, key=lambda u: best[u])
        if not math.isfinite(best[leader]):
            return
        clear = all(
            best[leader] - best[u]
            > self.config.race_z * math.hypot(self.unit_best_std[leader], self.unit_best_std[u])
            for u in self.active
            if u != leader
        )
        if not clear and evaluations < self.config.race_evaluations:
            return
        self.result.race = {
            "iteration": self.result.n_iter,
            "kept": leader,
            "values": best,
            "stds": list(self.unit_best_std),
        }
        self.keep_units([leader])

    def keep_units(self, kept: list[int]) -> None:
        """Drop every critic outside the ``kept`` units from the module and the loop's state.

        Every parameter and buffer is stacked on the leading critic axis, and so are the
        optimiser's moments, the averaged weights and the checkpoint; the problem drops the
        units' data of its own.
        """
        keep = torch.isin(self.units, torch.tensor(kept))
        rows = torch.nonzero(keep).flatten().to(self.device)
        n_critics = len(self.units)
        with torch.no_grad():
            self.optimizer.keep_critics(rows)
            for p in self.params:
                p.data = p.data.index_select(0, rows)
                p.grad = None
            for owner in self.module.modules():
                for name, buffer in owner._buffers.items():
                    if buffer is not None and buffer.ndim and buffer.shape[0] == n_critics:
                        owner._buffers[name] = buffer.index_select(0, rows)
            if self.averaged is not None:
                self.averaged = [a.index_select(0, rows) for a in self.averaged]
        self.checkpoint.keep_critics(keep)
        self.units = self.units[keep]
        self.problem.keep_units(kept)
        for u in self.active:
            if u not in kept:
                self.progress.stopped[u] = True
        self.active = [u for u in self.active if u in kept]

    def finish(self) -> TrainingResult:
        """Restore the checkpoint, close the display and collect the diagnostics."""
        result = self.result
        if self.bar is not None:
            self.bar.set_postfix_str(
                f"{result.stop_reason.replace('_', ' ')}; checkpoint of iteration "
                f"{result.best_iteration}"
            )
            self.bar.close()
        self.checkpoint.restore()
        self.module.eval()
        result.unit_best_iteration = list(self.unit_best_iteration)
        if not result.best_metrics:
            with torch.no_grad():
                metrics = self.problem.evaluate()
            if not _is_finite(*_scalars(metrics)):
                raise FloatingPointError(
                    "training produced only non-finite estimates; lower learning_rate_init, "
                    "set max_grad_norm, or check the data's scale"
                )
            result.best_metrics = dict(_scalar_items(metrics))
        if result.stop_reason == "interrupted":
            result.warnings.append(
                (
                    f"fit was interrupted at iteration {result.n_iter}; keeping the best critic "
                    f"so far (iteration {result.best_iteration}).",
                    RuntimeWarning,
                )
            )
        if result.non_finite_restarts:
            result.warnings.append(
                (
                    f"non-finite values during training ({result.non_finite_restarts} times); the "
                    "best finite checkpoint was kept. Consider a lower learning_rate_init or "
                    "max_grad_norm.",
                    ConvergenceWarning,
                )
            )
        single_unit = self.checkpoint.n_units == 1
        if result.stop_reason == "max_iter" and self.config.diagnose_convergence and single_unit:
            result.warnings.extend(
                (message, ConvergenceWarning)
                for message in convergence_problems(result.history, result.n_iter)
            )
        return result

    def say(self, message: str) -> None:
        if self.config.verbose >= 2:
            print(message, flush=True)


def train(problem: Problem, config: TrainingConfig) -> TrainingResult:
    """Optimise ``problem`` and leave its module at the best held-out checkpoint.

    Parameters
    ----------
    problem : Problem
        The estimator's objective, data and critic.
    config : TrainingConfig
        Loop settings.

    Returns
    -------
    TrainingResult
        History of evaluations, iterations run, the best checkpoint's metrics, why training
        stopped (``"max_iter"``, ``"early_stopping"``, ``"non_finite"`` or
        ``"interrupted"``) and the warnings for the caller to issue.
    """
    loop = _Loop(problem, config)
    try:
        for iteration in range(1, config.max_iter + 1):
            loop.step(iteration)
            if iteration % config.eval_interval and iteration != config.max_iter:
                continue
            metrics, train_estimate, improved = loop.evaluate()
            if improved is None:
                if loop.recover(iteration):
                    continue
                break
            loop.record(iteration, metrics, train_estimate, improved)
            loop.settle_race()
            if loop.should_stop(metrics):
                break
    except KeyboardInterrupt:
        loop.result.stop_reason = "interrupted"
    return loop.finish()


def _scalar_items(metrics: dict) -> list[tuple[str, float]]:
    """The scalar metrics (per-critic tensors and influences stay out of the history)."""
    return [(k, v) for k, v in metrics.items() if isinstance(v, numbers.Real)]


def _scalars(metrics: dict) -> list[float]:
    return [v for _, v in _scalar_items(metrics)]


@contextmanager
def _averaged_weights(params: list[Tensor], averaged: list[Tensor] | None) -> Iterator[None]:
    """Temporarily give the parameters their running averages (a pointer swap, no copy)."""
    if averaged is None:
        yield
        return
    for p, a in zip(params, averaged, strict=True):
        p.data, a.data = a.data, p.data
    try:
        yield
    finally:
        for p, a in zip(params, averaged, strict=True):
            p.data, a.data = a.data, p.data


def _is_finite(*values: float) -> bool:
    return all(math.isfinite(v) for v in values)


def convergence_problems(history: list[dict[str, float]], n_iter: int) -> list[str]:
    """Diagnose a run that stopped at ``max_iter`` from its held-out history.

    Two failures of neural MI estimators are reported: a held-out MI that never left zero
    (the initial plateau, e.g. of MINE at high MI) and one still rising at the end. They are
    checked only when the iteration budget, not early stopping, ended training: independent
    data (true MI 0) normally stops early, and then nothing is reported.

    Returns
    -------
    list of str
        Messages, empty when nothing looks wrong.
    """
    if len(history) < MIN_EVALUATIONS_FOR_DIAGNOSTICS:
        return []
    # Problems without an MI (an entropy fit) are judged on their checkpointing criterion,
    # which may legitimately sit at zero (a divergence from a well-matched reference).
    has_mi = all("mutual_info" in r for r in history)
    values = [r["mutual_info"] if has_mi else r["validation"] for r in history]
    best = max(values)
    if has_mi and best < PLATEAU_NATS:
        return [
            f"the held-out estimate never left zero (best {best:.3g} nats in {n_iter} "
            "iterations). Either X and y are independent, or the critic has not left its "
            "initial plateau: increase max_iter or learning_rate_init, and inspect history_."
        ]
    quarter = max(1, len(values) // 4)
    last, before = values[-quarter:], values[-2 * quarter : -quarter]
    rise = sum(last) / len(last) - sum(before) / len(before)
    if max(last) == best and rise > RISE_NATS + RISE_FRACTION * abs(best):
        return [
            f"the held-out estimate was still rising when max_iter={n_iter} was reached "
            f"(+{rise:.3g} nats over the last quarter of evaluations): increase max_iter, "
            "and inspect history_."
        ]
    return []


@contextmanager
def torch_threads(n_threads: int | None) -> Iterator[None]:
    """Run a block with ``n_threads`` torch intra-op threads (``None``: leave them alone)."""
    if n_threads is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def progress_bar(total: int, unit: str, enabled: bool):
    """A :mod:`tqdm` bar on stderr (``None`` when disabled), with rate and time left."""
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(
        total=total, unit="it" if unit == "fit" else unit, desc=unit, leave=True, dynamic_ncols=True
    )
