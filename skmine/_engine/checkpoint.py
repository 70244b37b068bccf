"""Checkpoints and stopping, per *unit* of critics.

A unit is a set of critics whose weights must come from the same iteration: the folds of one
estimate (the whole stack for an estimator with one critic variant; each variant when
several are trained side by side), or a single critic (one per feature in
:func:`~skmine.feature_selection.mutual_info_neural`). The loop keeps each unit's best
weights, halves a unit's learning rate when it stops improving, and stops it when it has
clearly left its best.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


class Checkpoint:
    """The best weights seen so far, of each unit of critics.

    Parameters
    ----------
    module : nn.Module
        Its parameters and buffers are stacked on a leading critic axis when there is more
        than one unit.
    units : Tensor of shape (n_critics,)
        The unit of each critic, ``0 .. n_units - 1``.
    tol : float
        Improvement (nats) of a unit's value that replaces its checkpoint.
    """

    def __init__(self, module: nn.Module, units: Tensor, tol: float) -> None:
        self.module, self.units, self.tol = module, units, tol
        self.n_units = int(units.max()) + 1
        self.best = torch.full((self.n_units,), -math.inf, dtype=torch.float64)
        self.state = {k: v.detach().clone() for k, v in module.state_dict().items()}

    def offer(self, values: Tensor) -> Tensor:
        """Keep the module's weights for the units whose ``values`` beat their best.

        Returns the boolean mask of improved units.
        """
        values = values.detach().double().cpu()
        improved = torch.isfinite(values) & (values > self.best + self.tol)
        if not improved.any():
            return improved
        self.best = torch.where(improved, values, self.best)
        current = self.module.state_dict()
        if bool(improved.all()):
            self.state = {k: v.detach().clone() for k, v in current.items()}
            return improved
        critics = improved.to(self.units.device)[self.units]
        for name, saved in self.state.items():
            saved[critics.to(saved.device)] = current[name].detach()[critics.to(saved.device)]
        return improved

    def restore(self) -> None:
        self.module.load_state_dict(self.state)

    def keep_critics(self, keep: Tensor) -> None:
        """Forget the saved weights of the critics outside the boolean mask ``keep``."""
        self.units = self.units[keep]
        self.state = {k: v[keep.to(v.device)] for k, v in self.state.items()}


class UnitProgress:
    """Early stopping of each unit against its own best and standard error.

    An evaluation *improves* a unit when its value exceeds the unit's best so far by
    ``max(tol, improvement_z * std)``, or, with ``paired_z`` and the standard error of the
    change since that best evaluation (the same held-out samples: far less noisy than the
    value), by ``max(tol, paired_z * change_std)``. After ``patience`` evaluations without
    improvement the unit's learning rate is halved, at most ``halvings`` times, and the next
    time the unit stops; it also stops as soon as its value falls ``fall_z`` standard errors
    below its best (a critic that has started to overfit does not come back). Training ends
    when every unit has stopped.
    """

    def __init__(
        self,
        n_units: int,
        *,
        patience: int,
        tol: float,
        improvement_z: float,
        halvings: int,
        fall_z: float | None,
        paired_z: float | None = None,
    ) -> None:
        self.patience, self.tol, self.improvement_z = patience, tol, improvement_z
        self.halvings, self.fall_z, self.paired_z = halvings, fall_z, paired_z
        self.best = [-math.inf] * n_units
        self.waiting = [0] * n_units
        self.halved = [0] * n_units
        self.stopped = [False] * n_units

    def update(
        self, values: Tensor, stds: Tensor | None, change_stds: Tensor | None = None
    ) -> list[int]:
        """Account for one evaluation of every unit; return the units it improved.

        ``change_stds`` holds each unit's standard error of the change since its best
        evaluation (NaN where unknown), used with ``paired_z``.
        """
        improved = []
        for u, value in enumerate(values.double().cpu().tolist()):
            if self.stopped[u]:
                continue
            if not math.isfinite(value):  # a diverged unit keeps its last finite checkpoint
                self.stopped[u] = True
                continue
            std = 0.0 if stds is None else float(stds[u])
            std = std if math.isfinite(std) else 0.0
            if self.fall_z is not None and std > 0 and value < self.best[u] - self.fall_z * std:
                self.stopped[u] = True
                continue
            threshold = max(self.tol, self.improvement_z * std)
            if self.paired_z is not None and change_stds is not None:
                change = float(change_stds[u])
                if math.isfinite(change):
                    threshold = max(self.tol, self.paired_z * change)
            if value > self.best[u] + threshold:
                self.best[u], self.waiting[u] = value, 0
                improved.append(u)
                continue
            self.waiting[u] += 1
            if self.waiting[u] >= self.patience:
                if self.halved[u] < self.halvings:
                    self.halved[u] += 1
                    self.waiting[u] = 0
                else:
                    self.stopped[u] = True
        return improved

    @property
    def done(self) -> bool:
        return all(self.stopped)

    def step_scales(self) -> list[float]:
        """Each unit's learning-rate factor: halved per plateau, 0 once stopped."""
        return [0.0 if s else 0.5**h for s, h in zip(self.stopped, self.halved, strict=True)]
