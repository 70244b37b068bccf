"""Critics of the mutual information between any subset of the features and the target.

One critic ``T([x * m, m], y)`` is conditioned on a binary mask ``m`` of the features it may
see. Training draws the mask afresh for every row, independently of the data, so the
objective splits into one objective per mask and its optimum is, for every mask, the critic
of ``I(X_m; Y)`` (the mask is an input the target says nothing about). A single trained
critic then reads out the MI of any candidate subset, without retraining: the candidates of
a search are amortised into one batched module.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


class SubsetCritics(nn.Module):
    """A stack of mask-conditioned critics (one per fold) over ``n_features`` features.

    Parameters
    ----------
    critics : nn.Module
        Batched critics on inputs of width ``2 * n_features`` (the masked features and the
        mask) and the target's width; ``forward`` on ``(n_critics, n, dim)`` inputs.
    n_features : int
        Number of features.
    seed : int
        Seed of the masks drawn for evaluations without a fixed subset.

    Attributes
    ----------
    alive : Tensor of shape (n_features,), bool
        Features still in the search. Masks only ever include these.
    subset : Tensor of shape (n_features,), bool, or None
        When set, the evaluation mask of every row (the subset being read out); otherwise
        evaluations draw masks as training does, from a generator seeded with ``seed``.
    generator : torch.Generator or None
        Source of the training masks (set before training, on the data's device).

    Notes
    -----
    A row's mask is drawn from an equal mixture of two distributions: *local* masks, the
    alive set with at most one feature removed (uniform over those ``s + 1`` subsets, the
    candidates of the next elimination step), and *global* masks, which keep each alive
    feature with a probability ``q ~ U(0, 1)`` drawn per row (every subset size equally
    likely, for the steps further on).
    """

    def __init__(self, critics: nn.Module, n_features: int, seed: int) -> None:
        super().__init__()
        self.critics = critics
        self.n_critics = critics.n_critics
        self.n_features = n_features
        self.seed = seed
        self.alive = torch.ones(n_features, dtype=torch.bool)
        self.subset: Tensor | None = None
        self.generator: torch.Generator | None = None

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        if self.subset is not None:
            mask = self.subset.to(x.device, x.dtype).expand_as(x)
        elif self.training:
            mask = self._random_masks(x, self.generator)
        else:
            generator = torch.Generator(device=x.device).manual_seed(self.seed)
            mask = self._random_masks(x, generator)
        return self.critics(torch.cat([x * mask, mask], dim=-1), y)

    def _random_masks(self, x: Tensor, generator: torch.Generator | None) -> Tensor:
        shape, device = x.shape[:-1], x.device
        alive = self.alive.to(device)
        # Local rows drop one alive feature, or none (the sentinel index n_features).
        droppable = torch.cat(
            [alive.nonzero().squeeze(-1), torch.tensor([self.n_features], device=device)]
        )
        choice = torch.randint(droppable.numel(), shape, generator=generator, device=device)
        features = torch.arange(self.n_features, device=device)
        local_keep = alive & (features != droppable[choice].unsqueeze(-1))
        q = torch.rand((*shape, 1), generator=generator, device=device)
        u = torch.rand(local_keep.shape, generator=generator, device=device)
        local = torch.rand((*shape, 1), generator=generator, device=device) < 0.5
        return torch.where(local, local_keep, alive & (u < q)).to(x.dtype)
