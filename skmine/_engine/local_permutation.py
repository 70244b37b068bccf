"""Permutations of samples among their nearest neighbours in a conditioning variable, and
the bound of frozen critics under them.

Under conditional independence of X and Y given Z, swapping X between samples with the same
Z leaves the joint distribution unchanged; with a continuous Z, samples close in Z are the
next best thing (Runge, 2018, "Conditional independence testing based on a nearest-neighbor
estimator of conditional mutual information", AISTATS). Each permutation draws, for every
sample in a random order, one of its ``n_neighbors`` nearest neighbours in Z not drawn
before, and any of them when all have been, so that as few samples as possible repeat.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.neighbors import NearestNeighbors
from torch import Tensor

from .. import objectives
from .pairs import marginal_pairs


def neighbourhoods(Z: np.ndarray, n_neighbors: int) -> np.ndarray:
    """Indices of each sample's ``n_neighbors`` nearest neighbours in ``Z`` (itself included).

    ``Z`` is standardised per column first (maximum norm), so that no column dominates by
    its units; ties are broken by the neighbour search.

    Returns
    -------
    ndarray of shape (n_samples, n_neighbors)
    """
    scale = Z.std(axis=0)
    scale[scale == 0] = 1.0
    scaled = (Z - Z.mean(axis=0)) / scale
    search = NearestNeighbors(n_neighbors=n_neighbors, metric="chebyshev").fit(scaled)
    return search.kneighbors(scaled, return_distance=False)


def local_permutation(neighbours: np.ndarray, rng: np.random.RandomState) -> np.ndarray:
    """One draw: ``order[i]`` is the sample whose X goes to sample ``i``.

    Parameters
    ----------
    neighbours : ndarray of shape (n_samples, n_neighbors)
        Candidates of each sample (from :func:`neighbourhoods`).
    rng : numpy.random.RandomState

    Returns
    -------
    ndarray of shape (n_samples,)
    """
    n_samples, n_neighbors = neighbours.shape
    used = np.zeros(n_samples, dtype=bool)
    order = np.empty(n_samples, dtype=np.int64)
    candidates = np.take_along_axis(
        neighbours, rng.rand(n_samples, n_neighbors).argsort(axis=1), axis=1
    )
    for i in rng.permutation(n_samples):
        row = candidates[i]
        free = row[~used[row]]
        chosen = free[0] if free.size else row[0]
        used[chosen] = True
        order[i] = chosen
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
