"""The training loop shared by every estimator.

An estimator describes *what* to optimise as a :class:`Problem`; this module decides *how*:
Adam on minibatches, an evaluation on held-out data every ``eval_interval`` steps, early
stopping, restoring the best checkpoint, a guard against non-finite values, and progress
messages. The host synchronises with the device only at evaluations.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

import torch
from sklearn.exceptions import ConvergenceWarning
from torch import Tensor, nn

MAX_NON_FINITE_RESTARTS = 3
# PyTorch has a fused Adam for CPU tensors from 2.4 on.
FUSED_CPU_ADAM = tuple(int(v) for v in torch.__version__.split(".")[:2]) >= (2, 4)
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
        per-critic checkpoint, ``"critic_values"`` holds each critic's criterion (a
        tensor).
        """

    # Optional: ``reset_state()``, called after a non-finite value restored the best
    # checkpoint, clears state the problem carries between steps (e.g. moving averages).


@dataclass(frozen=True)
class TrainingConfig:
    """Settings of :func:`train`, taken from the estimator's parameters.

    ``checkpoint="joint"`` keeps the weights of the evaluation with the highest
    ``"estimate"`` for all critics together (the folds of one estimate must come from one
    iteration); ``"per_critic"`` keeps each critic's own best, by the per-critic values an
    evaluation returns under ``"critic_values"`` (independent critics, e.g. one per
    feature, that converge at different times).

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
    # Plateau / still-rising diagnostics at max_iter; off where the criterion is a sum over
    # many critics that each keep their own best (feature selection), which only ever rises.
    diagnose_convergence: bool = True


@dataclass
class TrainingResult:
    """What :func:`train` returns; the module holds the best checkpoint on return.

    ``warnings`` lists ``(message, category)`` pairs for the caller to issue (after it has
    chosen among several trainings, only for the one it keeps).
    """

    history: list[dict[str, float]] = field(default_factory=list)
    n_iter: int = 0
    best_iteration: int = 0
    best_metrics: dict[str, float] = field(default_factory=dict)
    stop_reason: str = "max_iter"
    non_finite_restarts: int = 0
    warnings: list[tuple[str, type[Warning]]] = field(default_factory=list)


class MonitoredProblem:
    """A problem whose evaluations also report the MI estimate on an external data set.

    The monitored value is recorded in the history under ``name`` and plays no part in
    checkpointing or stopping.
    """

    def __init__(self, problem: Problem, monitor: Problem, name: str = "eval_set") -> None:
        self.problem, self.monitor, self.name = problem, monitor, name
        self.module = problem.module

    def training_loss(self) -> tuple[Tensor, Tensor]:
        return self.problem.training_loss()

    def evaluate(self) -> dict[str, float]:
        metrics = self.problem.evaluate()
        monitored = self.monitor.evaluate()
        metrics[self.name] = monitored.get("mutual_info", monitored["estimate"])
        return metrics

    def reset_state(self) -> None:
        _reset_state(self.problem)


def _reset_state(problem: Problem) -> None:
    reset = getattr(problem, "reset_state", None)
    if reset is not None:
        reset()


class Checkpoint:
    """The best weights seen so far: of all critics together, or of each critic on its own.

    Parameters of a per-critic checkpoint must be stacked on a leading critic axis.
    """

    def __init__(self, module: nn.Module, per_critic: bool, tol: float) -> None:
        self.module, self.per_critic, self.tol = module, per_critic, tol
        self.best = -math.inf
        self.state = {k: v.detach().clone() for k, v in module.state_dict().items()}
        self.critic_best: Tensor | None = None

    def offer(self, metrics: dict) -> bool:
        """Keep the module's current weights where they beat the best; whether any did."""
        if not (metrics.get("eligible", 1.0) > 0):
            return False
        if not self.per_critic:
            if metrics["estimate"] > self.best + self.tol:
                self.best = metrics["estimate"]
                self.state = {k: v.detach().clone() for k, v in self.module.state_dict().items()}
                return True
            return False
        values = metrics["critic_values"]
        if self.critic_best is None:
            self.critic_best = torch.full_like(values, -math.inf)
        improved = torch.isfinite(values) & (values > self.critic_best + self.tol)
        self.critic_best = torch.where(improved, values, self.critic_best)
        current = self.module.state_dict()
        for name, saved in self.state.items():
            saved[improved] = current[name].detach()[improved]
        # The criterion of a per-critic checkpoint: the sum of the critics' bests.
        finite = torch.where(torch.isfinite(self.critic_best), self.critic_best, values)
        total = float(finite.sum())
        if total > self.best + self.tol:
            self.best = total
            return True
        return False

    def restore(self) -> None:
        self.module.load_state_dict(self.state)


class _Loop:
    """The state of one run of :func:`train`, and its steps."""

    def __init__(self, problem: Problem, config: TrainingConfig) -> None:
        self.problem, self.config = problem, config
        self.module = problem.module
        self.params = [p for p in self.module.parameters() if p.requires_grad]
        self.device = self.params[0].device if self.params else torch.device("cpu")
        self.learning_rate = config.learning_rate
        self.optimizer = _adam(self.params, self.learning_rate, self.device, config.weight_decay)
        self.averaged = (
            [p.detach().clone() for p in self.params] if config.weight_averaging else None
        )
        self.checkpoint = Checkpoint(self.module, config.checkpoint == "per_critic", config.tol)
        self.result = TrainingResult()
        self.running = torch.zeros((), device=self.device)
        self.steps_since_eval = 0
        self.without_improvement = 0
        self.started = time.perf_counter()
        self.bar = progress_bar(config.max_iter, "fit", enabled=config.verbose >= 1)

    def step(self, iteration: int) -> None:
        """One minibatch: loss, gradient (clipped per critic), Adam, weight average."""
        self.module.train()
        loss, estimate = self.problem.training_loss()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.config.max_grad_norm is not None:
            _clip_per_critic(self.params, self.config.max_grad_norm)
        self.optimizer.step()
        if self.averaged is not None:
            weight = max(1.0 - self.config.weight_averaging, 1.0 / (iteration + 1))
            torch._foreach_lerp_(self.averaged, [p.detach() for p in self.params], weight)
        self.running += estimate
        self.steps_since_eval += 1
        self.result.n_iter = iteration

    def evaluate(self) -> tuple[dict, float, bool]:
        """Held-out metrics of the (averaged) weights; offer them to the checkpoint."""
        train_estimate = (self.running / self.steps_since_eval).item()
        self.running.zero_()
        self.steps_since_eval = 0
        self.module.eval()
        with _averaged_weights(self.params, self.averaged), torch.no_grad():
            metrics = self.problem.evaluate()
            finite = _is_finite(train_estimate, *_scalars(metrics))
            improved = finite and self.checkpoint.offer(metrics)
        return metrics, train_estimate, improved if finite else None

    def recover(self, iteration: int) -> bool:
        """After a non-finite value: back to the checkpoint at half the learning rate.

        Returns whether training may go on.
        """
        self.result.non_finite_restarts += 1
        self.checkpoint.restore()
        if self.averaged is not None:
            torch._foreach_copy_(self.averaged, [p.detach() for p in self.params])
        _reset_state(self.problem)
        if self.result.non_finite_restarts > MAX_NON_FINITE_RESTARTS:
            self.result.stop_reason = "non_finite"
            return False
        self.learning_rate /= 2.0
        self.optimizer = _adam(
            self.params, self.learning_rate, self.device, self.config.weight_decay
        )
        self.say(
            f"iteration {iteration}: non-finite value; restored the best checkpoint and "
            f"halved the learning rate to {self.learning_rate:.3g}"
        )
        return True

    def record(self, iteration: int, metrics: dict, train_estimate: float, improved: bool):
        """Append to the history, update the patience and the progress display."""
        record = {"iteration": iteration, "train": train_estimate}
        record.update(
            {("validation" if k == "estimate" else k): v for k, v in _scalar_items(metrics)}
        )
        self.result.history.append(record)
        if improved:
            self.result.best_iteration = iteration
            self.result.best_metrics = dict(_scalar_items(metrics))
            self.without_improvement = 0
        else:
            self.without_improvement += 1
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

    def should_stop(self) -> bool:
        config = self.config
        if config.early_stopping and self.without_improvement >= config.n_iter_no_change:
            self.result.stop_reason = "early_stopping"
            return True
        return False

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
        if result.stop_reason == "max_iter" and self.config.diagnose_convergence:
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
            if loop.should_stop():
                break
    except KeyboardInterrupt:
        loop.result.stop_reason = "interrupted"
    return loop.finish()


def _scalar_items(metrics: dict) -> list[tuple[str, float]]:
    """The scalar metrics (per-critic tensors stay out of the history)."""
    return [(k, v) for k, v in metrics.items() if not isinstance(v, Tensor)]


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


def _clip_per_critic(params: list[Tensor], max_norm: float) -> None:
    """Clip each critic's gradient norm; parameters are stacked on a leading critic axis.

    A global norm would couple critics that are meant to train independently (the folds).
    """
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return
    squares = torch.stack([g.pow(2).reshape(g.shape[0], -1).sum(dim=1) for g in grads])
    factor = torch.clamp(max_norm / (squares.sum(dim=0).sqrt() + 1e-6), max=1.0)
    for g in grads:
        g.mul_(factor.reshape(-1, *([1] * (g.ndim - 1))))


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


def _adam(
    params: list[Tensor], learning_rate: float, device: torch.device, weight_decay: float = 0.0
) -> torch.optim.Optimizer:
    """Adam, or AdamW (decoupled weight decay) when ``weight_decay`` is positive."""
    # The fused kernel is one call per step instead of about ten per parameter; small critics
    # are bound by that overhead (measured: +30% iterations per second on an H100; on 2 CPU
    # cores a 100x100 critic's step went from 550 to 190 microseconds).
    fused = _fused_adam_supported(device)
    if weight_decay > 0:
        return torch.optim.AdamW(params, lr=learning_rate, weight_decay=weight_decay, fused=fused)
    return torch.optim.Adam(params, lr=learning_rate, fused=fused)


def _fused_adam_supported(device: torch.device) -> bool:
    if device.type == "cuda":
        return True
    return device.type == "cpu" and FUSED_CPU_ADAM


def progress_bar(total: int, unit: str, enabled: bool):
    """A :mod:`tqdm` bar on stderr (``None`` when disabled), with rate and time left."""
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(
        total=total, unit="it" if unit == "fit" else unit, desc=unit, leave=True, dynamic_ncols=True
    )
