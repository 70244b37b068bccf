"""Cross-fitting: which samples each critic trains on and which it is read out on.

Every estimator trains one critic per fold: critic ``k`` trains on the complement of fold
``k`` and is read out on fold ``k``, so that every sample is held out exactly once (see
:mod:`skmine._engine.readout`). The critics are one batched module, trained as one problem by
:func:`skmine._engine.training.train`.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral

import numpy as np
import torch
from sklearn.model_selection import KFold, check_cv
from torch import Tensor


def make_folds(
    cv, n_samples: int, X: np.ndarray, y: np.ndarray | None, rng
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(train, held_out)`` index pairs whose held-out sets are disjoint.

    Parameters
    ----------
    cv : int, cross-validation splitter or iterable of splits
        An int: that many shuffled folds (:class:`~sklearn.model_selection.KFold`). Anything
        else is passed to :func:`~sklearn.model_selection.check_cv` and split on ``(X, y)``.
    n_samples : int
    X, y : ndarray
        The validated data (a splitter may need ``y``, e.g. stratification).
    rng : numpy.random.RandomState
        Source of the shuffling.

    Returns
    -------
    list of (ndarray, ndarray)
        Sorted index arrays.
    """
    if cv is None:
        raise ValueError(
            "cv=None is not a cross-fitting policy: pass the number of folds (e.g. cv=3) or a "
            "splitter with disjoint test sets"
        )
    if isinstance(cv, Integral):
        if n_samples < 2 * cv:
            raise ValueError(
                f"too few samples: n_samples={n_samples} cannot be cut into cv={cv} folds of "
                "at least 2 samples each; lower cv"
            )
        splitter = KFold(int(cv), shuffle=True, random_state=rng.randint(np.iinfo(np.int32).max))
    else:
        splitter = check_cv(cv)
    labels = None if y is None or y.ndim != 1 else y
    folds = [(np.sort(np.asarray(a)), np.sort(np.asarray(b))) for a, b in splitter.split(X, labels)]
    held_out = np.concatenate([b for _, b in folds])
    if np.unique(held_out).size != held_out.size:
        raise ValueError(
            "cv must hold every sample out at most once (disjoint test sets, as KFold, "
            "StratifiedKFold or GroupKFold give); its test sets overlap"
        )
    for train, test in folds:
        if train.size < 2 or test.size < 2:
            raise ValueError(
                f"every fold of cv needs at least 2 training and 2 held-out samples, got "
                f"{train.size} and {test.size}"
            )
    return folds


@dataclass
class CriticLayout:
    """Index tensors of a stack of critics: their training sets and held-out sets.

    Attributes
    ----------
    train_index : Tensor of shape (n_critics, max_train)
        Training sample indices of each critic, padded by repetition.
    train_size : Tensor of shape (n_critics,)
    held_out : Tensor of shape (n_critics, max_held_out)
        Held-out sample indices, padded with the critic's first held-out index.
    held_out_mask : Tensor of shape (n_critics, max_held_out)
        ``True`` on real entries.
    held_out_size : Tensor of shape (n_critics,)
    fold : list of int
        Fold of each critic.
    """

    train_index: Tensor
    train_size: Tensor
    held_out: Tensor
    held_out_mask: Tensor
    held_out_size: Tensor
    fold: list[int]

    @property
    def n_critics(self) -> int:
        return len(self.fold)

    def sample_training(self, batch_size: int, generator: torch.Generator) -> Tensor:
        """``(n_critics, batch_size)`` sample indices, each row from its critic's training set."""
        u = torch.rand(
            (self.n_critics, batch_size), generator=generator, device=self.train_index.device
        )
        position = (u * self.train_size[:, None]).long().clamp_(max=self.train_index.shape[1] - 1)
        return torch.gather(self.train_index, 1, position)

    @property
    def has_training_sets(self) -> bool:
        """Whether every critic has a training set (not so for a readout-only layout)."""
        return bool((self.train_size >= 2).all())

    def training_view(self) -> CriticLayout:
        """The same critics with their training samples in place of their held-out ones.

        Read out on it, each critic gives its apparent (training-sample) bound, the other
        side of the optimism correction (see :mod:`skmine._readout`).
        """
        width = self.train_index.shape[1]
        positions = torch.arange(width, device=self.train_index.device)
        mask = positions[None, :] < self.train_size[:, None]
        return CriticLayout(
            self.train_index,
            self.train_size,
            self.train_index,
            mask,
            self.train_size,
            self.fold,
        )

    def select(self, critics: slice) -> CriticLayout:
        """The layout of some of the critics."""
        return CriticLayout(
            self.train_index[critics],
            self.train_size[critics],
            self.held_out[critics],
            self.held_out_mask[critics],
            self.held_out_size[critics],
            self.fold[critics],
        )

    def tiled(self, n_units: int) -> CriticLayout:
        """The same folds once per unit (e.g. per feature): critic ``u * n_critics + k`` is
        fold ``k`` of unit ``u``."""

        def tile(t: Tensor) -> Tensor:
            return t.repeat(n_units, *([1] * (t.ndim - 1)))

        return CriticLayout(
            tile(self.train_index),
            tile(self.train_size),
            tile(self.held_out),
            tile(self.held_out_mask),
            tile(self.held_out_size),
            self.fold * n_units,
        )

    def to(self, device: torch.device) -> CriticLayout:
        moved = {
            name: getattr(self, name).to(device)
            for name in ("train_index", "train_size", "held_out", "held_out_mask", "held_out_size")
        }
        return CriticLayout(**moved, fold=self.fold)


def _pad(rows: list[np.ndarray]) -> tuple[Tensor, Tensor, Tensor]:
    width = max(1, max(r.size for r in rows))
    index = np.empty((len(rows), width), dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=bool)
    for c, r in enumerate(rows):
        if r.size:
            index[c] = np.resize(r, width)
        else:
            index[c] = 0
        mask[c, : r.size] = True
    sizes = torch.tensor([r.size for r in rows], dtype=torch.int64)
    return torch.from_numpy(index), torch.from_numpy(mask), sizes


def training_layout(folds: list[tuple[np.ndarray, np.ndarray]]) -> CriticLayout:
    """One critic per fold: it trains on the fold's training set and is read out on the fold."""
    train_index, _, train_size = _pad([train for train, _ in folds])
    held_out, mask, held_size = _pad([test for _, test in folds])
    return CriticLayout(train_index, train_size, held_out, mask, held_size, list(range(len(folds))))


def selection_layout(
    folds: list[tuple[np.ndarray, np.ndarray]], fraction: float, rng
) -> CriticLayout:
    """One critic per fold that trains on part of the fold's training set and is evaluated
    on the rest (a ``fraction`` of it, at least 2 samples): the checkpoint is then chosen
    without looking at the held-out fold."""
    splits = []
    for train, _ in folds:
        n_select = min(max(2, round(fraction * train.size)), train.size - 2)
        shuffled = rng.permutation(train)
        splits.append((np.sort(shuffled[n_select:]), np.sort(shuffled[:n_select])))
    return training_layout(splits)


def readout_layout(n_samples: int, n_critics: int) -> CriticLayout:
    """Every critic read out on all ``n_samples`` (``score``, ``eval_set``); no training set."""
    held_out, mask, held_size = _pad([np.arange(n_samples)] * n_critics)
    return CriticLayout(
        torch.zeros((n_critics, 1), dtype=torch.int64),
        torch.zeros(n_critics, dtype=torch.int64),
        held_out,
        mask,
        held_size,
        list(range(n_critics)),
    )
