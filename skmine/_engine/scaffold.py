"""What every fit does before training: seed, folds, device, threads and the torch RNG.

The estimators, :class:`~skmine.feature_selection.JointMutualInfoSelector` and
:func:`~skmine.feature_selection.mutual_info_neural` all prepare their fits here, so that a
``random_state`` means the same folds, initial weights and minibatches everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from ..critics import ACTIVATIONS
from .data import resolve_device
from .folds import CriticLayout, make_folds, training_layout
from .training import torch_threads

# Parameter constraints (scikit-learn's validation) of the settings every fit on the
# scaffold shares: the estimators, the selector and the score function.
FIT_CONSTRAINTS: dict = {
    "hidden_layer_sizes": [Interval(Integral, 1, None, closed="left"), "array-like"],
    "activation": [StrOptions(set(ACTIVATIONS))],
    "batch_size": [Interval(Integral, 2, None, closed="left")],
    "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="left")],
    "eval_interval": [Interval(Integral, 1, None, closed="left")],
    "cv": ["cv_object"],
    "discrete_target": [StrOptions({"auto"}), "boolean"],
    "device": [str, torch.device],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
}


@dataclass
class FitScaffold:
    """The random and physical setting of one fit.

    Attributes
    ----------
    seed : int
        One seed derived from ``random_state``; it seeds the preprocessing, the critics'
        weights and the minibatches.
    rng : numpy.random.RandomState
        The source the seed and the folds were drawn from (for further draws of the fit).
    folds : list of (ndarray, ndarray)
        ``(train, held_out)`` index pairs, every sample held out once.
    layout : CriticLayout
        One critic per fold (on the CPU; move it with ``layout.to(device)``).
    device : torch.device
    n_threads : int or None
        Torch intra-op threads while training (``None``: leave them alone).
    """

    seed: int
    rng: np.random.RandomState
    folds: list[tuple[np.ndarray, np.ndarray]]
    layout: CriticLayout
    device: torch.device
    n_threads: int | None

    @contextmanager
    def seeded(self, seed: int | None = None) -> Iterator[torch.Generator]:
        """Fork torch's global RNG, seed it, set the threads; yield a seeded generator.

        Everything drawn inside (initial weights through the global RNG, minibatches and
        product pairs through the generator) is a function of the seed alone, and the
        caller's RNG state and thread count are restored on exit.
        """
        seed = self.seed if seed is None else seed
        cuda_devices = [self.device] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=cuda_devices), torch_threads(self.n_threads):
            torch.manual_seed(seed)
            yield torch.Generator(device=self.device).manual_seed(seed)


def derive_seed(random_state) -> tuple[np.random.RandomState, int]:
    """``random_state`` as a RandomState, and one 31-bit seed drawn from it."""
    rng = check_random_state(random_state)
    return rng, int(rng.randint(np.iinfo(np.int32).max))


def prepare_fit(
    X: np.ndarray,
    y: np.ndarray | None,
    *,
    cv,
    random_state,
    device,
    n_threads: int | None,
) -> FitScaffold:
    """Seed, cross-fitting folds, device and threads of a fit on validated ``(X, y)``.

    Parameters
    ----------
    X, y : ndarray
        The validated data (a splitter such as ``StratifiedKFold`` may need ``y``).
    cv : int, cross-validation splitter or iterable of splits
        The folds (see :func:`~skmine._engine.folds.make_folds`).
    random_state : int, RandomState instance or None
    device : str or torch.device
        ``"auto"``, ``"cpu"``, ``"cuda:1"``...
    n_threads : int or None
    """
    rng, seed = derive_seed(random_state)
    folds = make_folds(cv, X.shape[0], X, y, rng)
    layout = training_layout(folds)
    return FitScaffold(seed, rng, folds, layout, resolve_device(device), n_threads)


def hidden_sizes(value) -> tuple[int, ...]:
    """``hidden_layer_sizes`` as a tuple of positive ints; an int means one hidden layer.

    As in :class:`~sklearn.neural_network.MLPRegressor`, ``64`` and ``(64,)`` are the same.
    """
    sizes = tuple(np.atleast_1d(np.asarray(value)).tolist())
    if not sizes or any(not isinstance(s, Integral | int) or isinstance(s, bool) for s in sizes):
        raise ValueError(
            f"hidden_layer_sizes must be a positive int or a sequence of them, got {value!r}"
        )
    if any(s < 1 for s in sizes):
        raise ValueError(f"hidden_layer_sizes must be positive, got {value!r}")
    return tuple(int(s) for s in sizes)
