"""Permutations of samples within blocks of nearby values of a conditioning variable, and
the bound of frozen critics under them.

Under conditional independence of X and Y given Z, swapping X between samples with the same
Z leaves the joint distribution unchanged; with a continuous Z, samples close in Z are the
next best thing (Runge, 2018, "Conditional independence testing based on a nearest-neighbor
estimator of conditional mutual information", AISTATS). The samples are partitioned once
into blocks of about ``block_size`` nearby samples (a k-d tree's leaves), and every draw
permutes X uniformly within each block. The block permutations form a group that does not
depend on X, so the observed order and the drawn ones are exchangeable whenever the X of a
block are: no sample repeats, and the test is exact when each block shares one Z.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from .. import objectives
from .pairs import marginal_pairs


def blocks(space: np.ndarray, block_size: int, tie_break: np.ndarray | None = None) -> np.ndarray:
    """Partition the samples into blocks of ``block_size`` nearby samples in ``space``.

    A k-d tree on the standardised columns: each cell is split along its widest column, at
    a multiple of ``block_size`` from its low end, until it holds fewer than ``2 *
    block_size`` samples, so every block holds ``block_size`` samples except, in each
    split's remainder, up to ``2 * block_size - 1``. Where the widest column of ``space``
    has no spread within a cell (ties, e.g. where a tree ensemble's prediction is flat), the
    cell is split along the widest column of ``tie_break`` instead, and ties in the split
    column are ordered by it.

    Parameters
    ----------
    space : ndarray of shape (n_samples, n_columns)
        Where nearness is measured.
    block_size : int
        Samples per block (at least 2).
    tie_break : ndarray of shape (n_samples, n_other), optional
        Coordinates that order samples tied in ``space``.

    Returns
    -------
    ndarray of shape (n_samples,)
        The block of each sample, ``0 .. n_blocks - 1``.
    """
    n_samples = space.shape[0]
    scaled = _standardised(space)
    secondary = None if tie_break is None else _standardised(tie_break)
    labels = np.zeros(n_samples, dtype=np.int64)
    cells, n_blocks = [np.arange(n_samples)], 0
    while cells:
        cell = cells.pop()
        size = cell.size
        if size < 2 * block_size:
            labels[cell] = n_blocks
            n_blocks += 1
            continue
        order = cell[_split_order(scaled[cell], None if secondary is None else secondary[cell])]
        cut = block_size * ((size // block_size) // 2)
        cells += [order[:cut], order[cut:]]
    return labels


def _standardised(values: np.ndarray) -> np.ndarray:
    scale = values.std(axis=0)
    scale[scale == 0] = 1.0
    return (values - values.mean(axis=0)) / scale


def _split_order(values: np.ndarray, secondary: np.ndarray | None) -> np.ndarray:
    """Order of a cell's samples along its widest column (ties by ``secondary``'s widest)."""
    spread = np.ptp(values, axis=0)
    column = values[:, spread.argmax()]
    if secondary is None:
        return np.argsort(column, kind="stable")
    other = secondary[:, np.ptp(secondary, axis=0).argmax()]
    if spread.max() == 0:
        return np.argsort(other, kind="stable")
    return np.lexsort((other, column))


def block_permutation(labels: np.ndarray, rng: np.random.RandomState) -> np.ndarray:
    """One draw: ``order[i]`` is the sample of ``i``'s block whose X goes to sample ``i``.

    Parameters
    ----------
    labels : ndarray of shape (n_samples,)
        The block of each sample (from :func:`blocks`).
    rng : numpy.random.RandomState

    Returns
    -------
    ndarray of shape (n_samples,)
        A permutation that maps every block onto itself, uniform among those.
    """
    grouped = np.argsort(labels, kind="stable")
    shuffled = np.lexsort((rng.rand(labels.size), labels))
    order = np.empty(labels.size, dtype=np.int64)
    order[grouped] = shuffled
    return order


def permuted_bounds(
    critics: torch.nn.Module,
    n_critics: int,
    x: Tensor,
    y: Tensor,
    orders: list[np.ndarray],
    permuted_columns: int,
    generator: torch.Generator,
    pairs_per_sample: int = 8,
) -> np.ndarray:
    """The DV bound of frozen critics on ``(x, y)`` with ``x``'s first columns reordered.

    For each ``order``, ``x[:, :permuted_columns]`` is replaced by ``x[order,
    :permuted_columns]`` (the other columns, e.g. a conditioning variable, stay), and the
    bound is the mean over the critics of ``mean T(x_i, y_i) - log mean exp T(x_i, y_j)`` on
    ``pairs_per_sample`` pairs ``i != j`` per sample; every order is read out on the same
    pairs, so that the values differ by the order alone.

    Parameters
    ----------
    critics : nn.Module
        ``critics(x, y)`` on ``(n_critics, n, dim)`` inputs, as fitted (preprocessed inputs).
    n_critics : int
        Number of critics in ``critics``.
    x, y : Tensor of shape (n, dim_x) and (n, dim_y)
        Preprocessed samples on the critics' device.
    orders : list of ndarray of shape (n,)
        The reorderings (the identity for the observed bound).
    permuted_columns : int
        How many leading columns of ``x`` are reordered.
    generator : torch.Generator
        Source of the pairs.

    Returns
    -------
    ndarray of shape (len(orders),)
    """
    rows, cols = marginal_pairs(x.shape[0], pairs_per_sample * x.shape[0], generator)
    values = []
    with torch.no_grad():
        for order in orders:
            shuffled = x.clone()
            index = torch.as_tensor(order, device=x.device)
            shuffled[:, :permuted_columns] = x[index, :permuted_columns]
            t_joint = critics(shuffled.expand(n_critics, -1, -1), y.expand(n_critics, -1, -1))
            t_marginal = critics(
                shuffled[rows].expand(n_critics, -1, -1), y[cols].expand(n_critics, -1, -1)
            )
            bound = objectives.donsker_varadhan(t_joint, t_marginal)
            values.append(float(bound.double().mean()))
    return np.array(values)
