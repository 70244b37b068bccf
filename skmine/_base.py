"""The estimator machinery shared by every skmine estimator.

A concrete estimator only declares its parameters, builds its module and describes its
training problem; validation, the train/validation split, preprocessing, device placement,
seeding, the training loop, fitted attributes and ``score`` live here.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ._data import Preprocessor, resolve_device, validate_xy
from ._training import MonitoredProblem, Problem, TrainingConfig, train
from .critics import ACTIVATIONS, make_critic

SCORE_SEED = 0
MAX_EVAL_PAIRS = 65_536


class BaseMIEstimator(BaseEstimator, ABC):
    """Base class of the neural MI estimators; not for direct use."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like"],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "critic": [callable, None],
        "batch_size": [Interval(Integral, 2, None, closed="left")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "eval_interval": [Interval(Integral, 1, None, closed="left")],
        "max_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
        "scaling": [StrOptions({"standard", "rank-gaussian"}), None],
        "discrete_target": [StrOptions({"auto"}), "boolean"],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    # -- hooks for the concrete estimators -------------------------------------------------

    def _build_module(self, dim_x: int, dim_y: int) -> nn.Module:
        """The trainable module (by default one critic ``T(x, y)``)."""
        sizes = tuple(int(s) for s in np.atleast_1d(self.hidden_layer_sizes))
        if any(s < 1 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be positive, got {self.hidden_layer_sizes}")
        return make_critic(self.critic, dim_x, dim_y, sizes, self.activation)

    @abstractmethod
    def _make_problem(self, module, x_train, y_train, x_val, y_val, generator) -> Problem:
        """The training problem on preprocessed tensors (also used by ``score``)."""

    def _prepare(self, x_train: torch.Tensor, y_train: torch.Tensor) -> None:
        """Fit what the problem needs from the training split (e.g. a reference); optional."""

    def _store_estimates(self, metrics: dict[str, float]) -> None:
        """Set the fitted estimate attributes from the best checkpoint's held-out metrics."""
        self.mutual_info_ = metrics["mutual_info"]

    # -- fit / score -----------------------------------------------------------------------

    def _check_y_required(self, y) -> None:
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None"
            )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, *, eval_set=None):
        """Train the critic on part of the data and estimate MI on the rest.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            First variable.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Second variable: continuous values or class labels.
        eval_set : tuple (X_eval, y_eval), optional
            Extra data on which the bound is recorded at every evaluation, under the key
            ``"eval_set"`` of ``history_`` (e.g. a large test sample, to watch convergence).
            It plays no part in training, checkpointing or stopping.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._check_y_required(y)
        X, y = validate_xy(self, X, y, reset=True)
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        train_idx, val_idx = self._split(X.shape[0], rng)

        prep = Preprocessor(self.scaling, self.discrete_target, seed).fit(X, y)
        self.preprocessor_ = prep
        device = resolve_device(self.device)
        # Scaled straight into the two splits: no full-size intermediate copy of X.
        tensors = []
        for idx in (train_idx, val_idx):
            tensors.append(torch.from_numpy(prep.transform_x(X, idx)).to(device))
            tensors.append(torch.from_numpy(prep.transform_y(y, X.shape[0], idx)).to(device))
        if eval_set is not None:
            x_eval, y_eval = self._preprocessed_tensors(prep, *eval_set)
            x_eval, y_eval = x_eval.to(device), y_eval.to(device)
        cuda_devices = [device] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=cuda_devices):
            torch.manual_seed(seed)
            generator = torch.Generator(device=device).manual_seed(seed)
            module = self._build_module(prep.dim_x_, prep.dim_y_).to(device)
            self._prepare(tensors[0], tensors[1])
            problem = self._make_problem(module, *tensors, generator)
            if eval_set is not None:
                monitor_generator = torch.Generator(device=device).manual_seed(SCORE_SEED)
                monitor = self._make_problem(
                    module, x_eval, y_eval, x_eval, y_eval, monitor_generator
                )
                problem = MonitoredProblem(problem, monitor)
            result = train(problem, self._training_config())

        if prep.discrete_:
            self.classes_ = prep.classes_
        self.critic_ = module.cpu().eval()
        self.device_ = device
        self.history_ = result.history
        self.n_iter_ = result.n_iter
        self.best_iteration_ = result.best_iteration
        self.stop_reason_ = result.stop_reason
        self._store_estimates(result.best_metrics)
        return self

    def score(self, X, y=None) -> float:
        """The fitted critic's bound on the given data (nats; higher is tighter).

        Deterministic for a fitted estimator; evaluated on the CPU. On data the critic did
        not train on it is an honest estimate of the MI, so model selection such as
        :class:`~sklearn.model_selection.GridSearchCV` picks the tightest critic.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        score : float
        """
        check_is_fitted(self, "critic_")
        x, y_t = self._preprocessed_tensors(self.preprocessor_, X, y)
        generator = torch.Generator().manual_seed(SCORE_SEED)
        problem = self._make_problem(self.critic_, x, y_t, x, y_t, generator)
        with torch.no_grad():
            return float(problem.evaluate()["estimate"])

    # -- helpers ---------------------------------------------------------------------------

    def _preprocessed_tensors(self, prep: Preprocessor, X, y) -> tuple[torch.Tensor, torch.Tensor]:
        """Validate new data against the fitted estimator and apply its preprocessing (CPU)."""
        self._check_y_required(y)
        X, y = validate_xy(self, X, y, reset=False)
        x = torch.from_numpy(prep.transform_x(X))
        return x, torch.from_numpy(prep.transform_y(y, X.shape[0]))

    def _split(self, n_samples: int, rng: np.random.RandomState) -> tuple[np.ndarray, np.ndarray]:
        n_val = max(2, math.ceil(self.validation_fraction * n_samples))
        if n_samples - n_val < 2:
            raise ValueError(
                f"too few samples: n_samples={n_samples} with validation_fraction="
                f"{self.validation_fraction} leaves fewer than 2 samples to train on and 2 to "
                "validate on"
            )
        perm = rng.permutation(n_samples)
        return np.sort(perm[n_val:]), np.sort(perm[:n_val])

    def _training_config(self) -> TrainingConfig:
        return TrainingConfig(
            max_iter=self.max_iter,
            learning_rate=self.learning_rate_init,
            eval_interval=self.eval_interval,
            early_stopping=self.early_stopping,
            n_iter_no_change=self.n_iter_no_change,
            tol=self.tol,
            max_grad_norm=self.max_grad_norm,
            verbose=self.verbose,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.non_deterministic = False
        return tags
