"""Training problem of many per-feature critics at once, cross-fitted, and their readouts.

Critic ``c`` of a :class:`~skmine.critics.BatchedConcatCritic` sees ``(x_j, y)`` for its
feature ``j`` and belongs to one fold: one critic per (feature, fold). It trains on part of
its fold's training set and is checkpointed on the rest of it (the *selection* samples),
on its own (``TrainingConfig(checkpoint="per_unit")``) because features converge at
different times. The losses are independent terms of one sum, so each critic's gradient is
that of training it alone. Every feature's critics hold out disjoint folds that cover the
data, and neither training nor checkpointing sees a critic's held-out fold: its score is
read out on every sample once, with the estimators' estimate policy
(:func:`~skmine._engine.readout.combine`), and the permutation test on the held-out folds
is exact.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ... import objectives
from ...critics import BatchedConcatCritic
from ..folds import CriticLayout
from ..pairs import held_out_pairs
from ..readout import Estimate, combine, dv_statistics

# Elements of a (critics, rows, width) activation evaluated at once in readouts.
READOUT_ELEMENTS = 1 << 23


class PerFeatureProblem:
    """Per-feature, per-fold critics trained with the JSD objective, read out with DV.

    Parameters
    ----------
    critic : BatchedConcatCritic
        ``n_features * n_folds`` critics with ``dim_x=1``, on the device; critic
        ``j * n_folds + k`` belongs to feature ``j`` and fold ``k``.
    x : Tensor of shape (n_samples, n_features)
        The block's feature columns.
    y : Tensor of shape (n_samples, dim_y)
        The target, shared by all critics.
    training : CriticLayout
        One critic per fold: the samples it trains on and the selection samples that choose
        its checkpoint (both within the fold's training set), on the device.
    folds : CriticLayout
        One critic per fold with its held-out fold (the readout), on the device.
    batch_size : int
        Joint pairs per minibatch (as many product-of-marginal pairs).
    generator : torch.Generator
        All randomness of minibatches and product pairs.
    max_eval_pairs : int
        Product-of-marginal pairs of each critic's evaluations and readout.
    width : int
        The critics' widest layer (sizes the readout chunks).

    Notes
    -----
    Every critic is its own unit (``critic_units``): ``evaluate`` reports each critic's DV
    bound on its selection samples as ``"unit_values"``, for the loop's per-unit checkpoint
    and stopping, and their sum as ``"estimate"``.
    """

    def __init__(
        self,
        critic: BatchedConcatCritic,
        x: Tensor,
        y: Tensor,
        training: CriticLayout,
        folds: CriticLayout,
        *,
        batch_size: int,
        generator: torch.Generator,
        max_eval_pairs: int,
        width: int,
    ) -> None:
        self.module = critic
        self.x, self.y, self.folds = x, y, folds
        self.n_features, self.n_folds = x.shape[1], folds.n_critics
        self.training = training.tiled(self.n_features)
        self.layout = folds.tiled(self.n_features)
        self.columns = torch.arange(self.n_features, device=x.device).repeat_interleave(
            self.n_folds
        )
        self.batch_size = min(batch_size, int(training.train_size.min()))
        self.generator = generator
        self.width = width
        self.critic_units = torch.arange(critic.n_critics)
        self._selection_pairs = self._tiled_pairs(training, max_eval_pairs)
        self._readout_pairs = self._tiled_pairs(folds, max_eval_pairs)

    def _tiled_pairs(self, layout: CriticLayout, max_pairs: int) -> tuple[Tensor, Tensor]:
        rows, cols = held_out_pairs(layout, max_pairs, self.generator)
        return rows.repeat(self.n_features, 1), cols.repeat(self.n_features, 1)

    def _inputs(self, samples: Tensor) -> Tensor:
        """Each critic's own feature at ``samples`` (n_critics, n): shape (n_critics, n, 1)."""
        return self.x[samples, self.columns[:, None]].unsqueeze(-1)

    def training_loss(self) -> tuple[Tensor, Tensor]:
        joint = self.training.sample_training(self.batch_size, self.generator)
        other = self.training.sample_training(self.batch_size, self.generator)
        x = self._inputs(joint)
        t = self.module(torch.cat([x, x], dim=1), torch.cat([self.y[joint], self.y[other]], 1))
        b = self.batch_size
        t_joint, t_marginal = t[:, :b], t[:, b:]
        loss = -objectives.jsd(t_joint, t_marginal).sum()
        return loss, objectives.donsker_varadhan(t_joint, t_marginal).detach().sum()

    def readout(self, selection: bool = False) -> tuple[Tensor, Tensor, Tensor]:
        """Each critic's DV bound on its held-out fold (or its selection samples), the
        samples' influences on it, and the critic's values on the joint pairs."""
        layout = self.training if selection else self.layout
        rows, cols = self._selection_pairs if selection else self._readout_pairs
        held = layout.held_out
        t_joint = self._chunked(held)
        t_marginal = self._chunked(torch.gather(held, 1, rows), torch.gather(held, 1, cols))
        values, influence = dv_statistics(t_joint, layout.held_out_mask, t_marginal, rows, cols)
        return values, influence, t_joint

    def _chunked(self, x_index: Tensor, y_index: Tensor | None = None) -> Tensor:
        """Critic values at ``(x_j[x_index], y[y_index])``, in chunks that bound memory."""
        y_index = x_index if y_index is None else y_index
        step = max(256, READOUT_ELEMENTS // max(1, self.module.n_critics * self.width))
        return torch.cat(
            [
                self.module(
                    self._inputs(x_index[:, s : s + step]), self.y[y_index[:, s : s + step]]
                )
                for s in range(0, x_index.shape[1], step)
            ],
            dim=1,
        )

    def evaluate(self) -> dict:
        values, _, _ = self.readout(selection=True)
        # A critic that diverged must not stop the others: it keeps its last finite
        # checkpoint, and the sum counts only the finite values.
        finite = torch.where(torch.isfinite(values), values, torch.zeros_like(values))
        return {"estimate": float(finite.sum()), "unit_values": values}

    def estimates(self) -> list[Estimate]:
        """Every feature's cross-fitted held-out DV bound and its standard error."""
        values, influence, _ = self.readout()
        k = self.n_folds
        return [
            combine(values[j * k : (j + 1) * k], influence[j * k : (j + 1) * k], self.folds)
            for j in range(self.n_features)
        ]

    def permutation_pvalues(self, n_permutations: int) -> Tensor:
        """Permutation p-value of each feature, with ``y`` permuted within each held-out fold.

        A critic never trained on its held-out fold, so under independence of ``x_j`` and
        ``y`` the pairs ``(x_i, y_i)`` and ``(x_i, y_pi(i))`` of a fold are exchangeable
        for every permutation ``pi`` of that fold. The statistic is the sample-weighted mean
        of the critics' values on their held-out joint pairs (the DV bound's partition term
        is the same for every permutation); permuting every fold at once is an exact test.
        """
        layout = self.layout
        mask = layout.held_out_mask.to(torch.float32)
        _, _, t_joint = self.readout()
        observed = self._feature_means(t_joint, mask)
        exceed = torch.zeros_like(observed, dtype=torch.int64)
        held = layout.held_out
        width = held.shape[1]
        for _ in range(n_permutations):
            order = torch.rand(
                self.n_folds, width, generator=self.generator, device=held.device
            ).masked_fill_(~self.folds.held_out_mask, 2.0)
            positions = order.argsort(dim=1).repeat(self.n_features, 1)
            permuted_y = torch.gather(held, 1, positions)
            t = self._chunked(held, permuted_y)
            exceed += self._feature_means(t, mask) >= observed
        return (1.0 + exceed.double()) / (1.0 + n_permutations)

    def _feature_means(self, t: Tensor, mask: Tensor) -> Tensor:
        """Per-feature mean over all held-out samples of the critics' values."""
        sums = (t * mask).sum(dim=1).reshape(self.n_features, self.n_folds).sum(dim=1)
        return sums / self.folds.held_out_size.sum()
