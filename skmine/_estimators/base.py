"""The estimator machinery shared by every skmine estimator.

A concrete estimator only declares its parameters, builds its module and describes its
training problem; validation, the train/validation split, preprocessing, device placement,
seeding, the training loop, fitted attributes and ``score`` live here.
"""

from __future__ import annotations

import math
import warnings
from abc import ABC, abstractmethod
from dataclasses import replace
from numbers import Integral, Real

import numpy as np
import torch
from scipy.stats import norm
from sklearn.base import BaseEstimator, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from torch import nn

from .._engine.data import Preprocessor, validate_xy
from .._engine.diagnostics import caller_stacklevel, issue_warnings
from .._engine.folds import readout_layout
from .._engine.problems.joint_marginal import pointwise_log_ratio
from .._engine.readout import Estimate, fold_disagreement, shifted
from .._engine.scaffold import FIT_CONSTRAINTS, FitScaffold, hidden_sizes, prepare_fit
from .._engine.training import (
    MonitoredProblem,
    Problem,
    TrainingConfig,
    TrainingResult,
    convergence_problems,
    torch_threads,
    train,
)
from ..baselines import ksg_mutual_info
from ..critics import make_critics, stack_variants

SCORE_SEED = 0
# Early stopping (see skmine._engine.checkpoint.UnitProgress): an evaluation improves on the
# best when it exceeds it by this many of its standard errors (or tol); after
# n_iter_no_change evaluations without improvement the learning rate is halved, at most
# LR_HALVINGS times, then training stops; it also stops as soon as the held-out value falls
# FALL_Z standard errors below its best.
IMPROVEMENT_Z = 0.5
LR_HALVINGS = 2
FALL_Z = 3.0
# The critic variants race (see skmine._engine.training.TrainingConfig): from evaluation
# RACE_AFTER on, the one whose best held-out bound leads by RACE_Z standard errors of the
# difference, and at evaluation RACE_EVALUATIONS the one that leads, trains on alone.
RACE_Z = 3.0
RACE_AFTER = 2
RACE_EVALUATIONS = 3
# Product-of-marginal pairs, shared among the critics, of the evaluations that choose the
# checkpoint and of the final readout.
MAX_EVAL_PAIRS = 16_384
READOUT_PAIRS = 65_536
# Samples per batched critic call of score_samples.
POINTWISE_CHUNK = 8_192
# Fold values that disagree beyond their held-out noise at this chi-square p-value warn.
FOLD_DISAGREEMENT_P = 1e-3
# Critics whose bound on their training samples exceeds the held-out one by this many
# standard errors of the estimate, and by this many nats (independent data has tiny
# standard errors), warn that the estimate is data-limited.
DATA_LIMITED_Z = 3.0
DATA_LIMITED_NATS = 0.02
# The k-NN cross-check after a fit (see _check_against_knn): its margin at 5,000 rows (it
# grows as 1/sqrt(rows)); skipped above this many dimensions (KSG's low bias leaves nothing to
# see there) or below this many rows, and read on at most KNN_CHECK_MAX_SAMPLES rows.
KNN_CHECK_MARGIN_NATS = 0.05
KNN_CHECK_MAX_DIMS = 64
KNN_CHECK_MIN_SAMPLES = 20
KNN_CHECK_MAX_SAMPLES = 5_000


def _unit_result(result: TrainingResult, unit: int) -> TrainingResult:
    """The training result as seen by one unit: its history records and best iteration."""
    suffix = f"/{unit}"
    history = []
    for record in result.history:
        kept = {"iteration": record["iteration"]}
        for key, value in record.items():
            if key.endswith(suffix):
                name = key[: -len(suffix)]
                kept["validation" if name == "estimate" else name] = value
        history.append(kept)
    collected = list(result.warnings)
    if result.stop_reason == "max_iter":
        collected += [
            (message, ConvergenceWarning)
            for message in convergence_problems(history, result.n_iter)
        ]
    return replace(
        result,
        history=history,
        best_iteration=result.unit_best_iteration[unit],
        warnings=collected,
    )


def _select_candidate(estimates: dict[bool, tuple[float, float]]) -> tuple[bool, float]:
    """The variant with the highest held-out bound, and the selection's expected lift.

    ``estimates`` maps each variant to its held-out bound and that bound's standard error.

    Picking the larger of two noisy held-out values on the same samples lifts the pick
    above its own expectation. For normal noise with standard error ``s`` of the
    difference and an observed difference ``d``, the lift of the maximum is
    ``s phi(d / s) - |d| Phi(-|d| / s)`` (``s / sqrt(2 pi)`` for a tie, about 0 for a
    clear winner); ``s`` is bounded above by the two standard errors in quadrature, as
    the values share their samples and are positively correlated.
    """
    chosen = max(estimates, key=lambda key: estimates[key][0])
    (first, first_std), (second, second_std) = estimates.values()
    spread = math.hypot(first_std, second_std)
    if not (spread > 0 and math.isfinite(first) and math.isfinite(second)):
        return chosen, 0.0
    gap = abs(first - second)
    lift = spread * float(norm.pdf(gap / spread)) - gap * float(norm.cdf(-gap / spread))
    return chosen, max(lift, 0.0)


def _candidate_bounds(
    variants: list[bool], result: TrainingResult, trained: dict[bool, dict[str, Estimate]]
) -> dict[bool, tuple[float, float]]:
    """Each variant's held-out bound and its standard error when the kept one was chosen.

    After a race, the variants' best evaluations when it ended; when every variant trained
    to the end, their final readouts.
    """
    if result.race is None:
        return {
            radial: (out["mutual_info"].raw, out["mutual_info"].std)
            for radial, out in trained.items()
        }
    race = result.race
    return {radial: (race["values"][u], race["stds"][u]) for u, radial in enumerate(variants)}


class BaseMIEstimator(BaseEstimator, ABC):
    """Base class of the neural MI estimators; not for direct use."""

    _parameter_constraints: dict = {
        **FIT_CONSTRAINTS,
        "critic": [callable, None],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "max_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
        "bias_correction": [StrOptions({"optimism"}), None],
        "confidence_level": [Interval(Real, 0, 1, closed="neither")],
        "scaling": [StrOptions({"standard", "rank-gaussian"}), None],
        "n_threads": [Interval(Integral, 1, None, closed="left"), None],
    }

    # Whether fit may train several critic variants and keep the better one (MINE's
    # radial_features="auto"), which sets radial_features_, candidates_ and
    # selection_penalty_.
    _selects_critic_variant = False

    # Whether the preprocessing must also estimate the 1-D log-densities that entropies
    # under the rank-gaussian scaling need (MINEE).
    _needs_log_densities = False

    # Standard errors of the paired change since the best evaluation that an improvement
    # must exceed, for problems whose evaluations report their influences (MINEE's); None:
    # improvements are measured against the value's own standard error (IMPROVEMENT_Z).
    _paired_improvement_z: float | None = None

    # -- hooks for the concrete estimators -------------------------------------------------

    def _set_init_params(self, params: dict) -> None:
        """Store the constructor's arguments (its ``locals()``) as parameters, unchanged."""
        for name, value in params.items():
            if name not in ("self", "__class__"):
                setattr(self, name, value)

    def _build_module(
        self, dim_x: int, dim_y: int, n_critics: int, radial_features: bool = False
    ) -> nn.Module:
        """The trainable module: ``n_critics`` critics ``T(x, y)`` stacked on a leading axis."""
        return make_critics(
            self.critic,
            n_critics,
            dim_x,
            dim_y,
            hidden_sizes(self.hidden_layer_sizes),
            self.activation,
            radial_features=radial_features,
        )

    def _radial_candidates(self) -> list[bool]:
        """The critic variants ``fit`` trains: without and/or with radial features."""
        setting = getattr(self, "radial_features", False)
        if setting == "auto":
            return [False] if self.critic is not None else [False, True]
        if setting and self.critic is not None:
            raise ValueError(
                "radial_features=True adds inputs to the default critic and cannot be "
                "combined with a user critic (critic=...); use radial_features=False or 'auto'"
            )
        return [bool(setting)]

    @abstractmethod
    def _make_problem(self, module, x, y, layout, generator) -> Problem:
        """The training problem on preprocessed tensors (also used by ``score``)."""

    def _prepare(self, x: torch.Tensor, y: torch.Tensor) -> None:
        """Fit what the problem needs from the data (e.g. a reference); optional."""

    def _check_estimates(self, estimates: dict[str, Estimate], history: list[dict]) -> None:
        """Raise before anything is stored when the estimates cannot be reported; optional."""

    def _store_estimates(self, estimates: dict[str, Estimate]) -> None:
        """Set the fitted estimate attributes from the restored critics' estimates."""
        self._store_estimate("mutual_info", estimates["mutual_info"], lower=0.0)
        self._warn_if_data_limited(estimates["mutual_info"])

    def _warn_if_data_limited(self, estimate: Estimate) -> None:
        """Warn when the critics fit their training samples far better than their held-out
        ones: the held-out bound is then limited by the amount of data."""
        gap = estimate.gap
        if not (math.isfinite(gap) and estimate.std > 0):
            return
        if gap <= max(DATA_LIMITED_Z * estimate.std, DATA_LIMITED_NATS):
            return
        if estimate.optimism > 0:
            remedy = (
                f"mutual_info_ adds half of it ({estimate.optimism:.3g} nats, a first-order "
                "correction) and the interval spans the held-out and the training bound, but "
                "a gap this large can leave the estimate below the truth. More samples "
                "narrow it."
            )
        else:
            remedy = (
                "the estimate is probably lower than the truth by more than its interval "
                "shows. More samples raise it"
                + (
                    '; bias_correction="optimism" corrects for it.'
                    if "bias_correction" in self.get_params()
                    else "."
                )
            )
        warnings.warn(
            f"the critics score their training samples {gap:.3g} nats higher than their "
            f"held-out samples ({gap / estimate.std:.1f} standard errors): the estimate is "
            f"limited by the amount of data; {remedy}",
            ConvergenceWarning,
            stacklevel=4,
        )

    def _store_estimate(self, name: str, estimate: Estimate, lower: float | None = None) -> None:
        """``name_``, ``name_raw_``, ``name_std_`` and ``name_ci_`` from one estimate."""
        setattr(self, f"{name}_", estimate.value)
        setattr(self, f"{name}_raw_", estimate.raw)
        setattr(self, f"{name}_std_", estimate.std)
        setattr(self, f"{name}_ci_", estimate.interval(self.confidence_level, lower))
        if fold_disagreement(estimate) < FOLD_DISAGREEMENT_P:
            folds = ", ".join(f"{v:.3g}" for v in estimate.folds)
            warnings.warn(
                f"the folds' estimates of {name} disagree beyond their held-out noise "
                f"({folds} nats; standard error {estimate.noise_std:.2g} of the pooled value): "
                "the critics trained differently, so the interval is wider and the estimate "
                "less certain. Try a larger max_iter, a smaller learning_rate_init, or more "
                "data.",
                ConvergenceWarning,
                stacklevel=4,
            )

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
        scaffold = prepare_fit(
            X,
            y,
            cv=self.cv,
            random_state=self.random_state,
            device=self.device,
            n_threads=self.n_threads,
        )
        prep = Preprocessor(
            self.scaling,
            self.discrete_target,
            scaffold.seed,
            log_densities=self._needs_log_densities,
        ).fit(X, y)
        # What the problem needs while training (MINEE's log-Jacobians), before any fitted
        # attribute is set: a fit that raises leaves no half-fitted estimator behind.
        self._fit_preprocessor = prep
        device = scaffold.device
        x = torch.from_numpy(prep.transform_x(X)).to(device)
        y_t = torch.from_numpy(prep.transform_y(y, X.shape[0])).to(device)
        eval_tensors = None
        if eval_set is not None:
            x_eval, y_eval = self._preprocessed_tensors(prep, *eval_set)
            eval_tensors = (x_eval.to(device), y_eval.to(device))
        variants = self._radial_candidates()
        module, result, trained = self._train_critics(
            prep, x, y_t, scaffold, variants, eval_tensors
        )
        has_variants = self._selects_critic_variant
        candidates = _candidate_bounds(variants, result, trained) if has_variants else {}
        chosen, penalty = variants[0], 0.0
        if len(variants) > 1:
            chosen, penalty = _select_candidate(candidates)
            n_folds = scaffold.layout.n_critics
            position = list(trained).index(chosen)
            module = module.select(slice(position * n_folds, (position + 1) * n_folds), chosen)
            result = _unit_result(result, variants.index(chosen))
        estimates = trained[chosen]
        self._check_estimates(estimates, result.history)
        issue_warnings(result.warnings)
        if penalty:
            estimates = {**estimates, "mutual_info": shifted(estimates["mutual_info"], -penalty)}
        self._store_fit(prep, scaffold, module, result)
        if has_variants:
            self.radial_features_ = chosen
            self.candidates_ = {
                ("radial" if radial else "plain"): bound
                for radial, (bound, _) in candidates.items()
            }
            self.selection_penalty_ = penalty
        self._store_estimates(estimates)
        self._log_partitions = {k: v.detach().cpu() for k, v in estimates["log_partition"].items()}
        self._check_against_knn(prep, x, y_t, scaffold.seed)
        return self

    def _knn_remedy(self) -> str:
        return "More data or a larger max_iter may help."

    def _check_against_knn(self, prep: Preprocessor, x, y, seed: int) -> None:
        """Compare the estimate with a k-NN (KSG) estimate of the same preprocessed data.

        KSG errs low where MI or dimension is large; on the 25 tasks of
        :mod:`skmine.datasets` (rank-gaussian data) it was never more than 0.02 nats above the
        truth at N=5,000 (3 seeds), 0.06 at N=1,000 and 0.12 at N=400 (5 seeds). An interval
        whose high end lies a margin below it (``KNN_CHECK_MARGIN_NATS`` at 5,000 rows,
        growing as ``1/sqrt(rows)``) marks critics that missed a dependence k-NN sees, which
        no interval shows.
        """
        self.knn_mutual_info_ = None
        if prep.discrete_ or not y.shape[1]:  # class labels, or MINEE's fit(X)
            return
        if x.shape[1] + y.shape[1] > KNN_CHECK_MAX_DIMS or x.shape[0] < KNN_CHECK_MIN_SAMPLES:
            return
        rows = np.random.default_rng(seed).permutation(x.shape[0])[:KNN_CHECK_MAX_SAMPLES]
        margin = KNN_CHECK_MARGIN_NATS * math.sqrt(KNN_CHECK_MAX_SAMPLES / len(rows))
        x_rows, y_rows = (t.detach().cpu().numpy()[rows] for t in (x, y))
        knn = ksg_mutual_info(x_rows, y_rows, random_state=seed)
        self.knn_mutual_info_ = knn
        low, high = self.mutual_info_ci_
        if knn <= high + margin:
            return
        warnings.warn(
            f"{type(self).__name__}'s estimate ({self.mutual_info_:.3g} nats, interval "
            f"[{low:.3g}, {high:.3g}]) is below the k-NN (KSG) estimate of the same data "
            f"({knn:.3g} nats, in knn_mutual_info_), which errs low rather than high: the "
            "critics missed part of the dependence and the estimate is too low by more than "
            "its interval shows. " + self._knn_remedy(),
            UserWarning,
            stacklevel=caller_stacklevel(),
        )

    def _store_fit(self, prep: Preprocessor, scaffold: FitScaffold, module, result) -> None:
        """The fitted attributes every estimator has, set only once training succeeded."""
        self.preprocessor_ = prep
        if prep.discrete_:
            self.classes_ = prep.classes_
        elif hasattr(self, "classes_"):
            del self.classes_
        self.critic_ = module.cpu().eval()
        self.n_folds_ = len(scaffold.folds)
        self.device_ = scaffold.device
        self.history_ = result.history
        self.n_iter_ = result.n_iter
        self.best_iteration_ = result.best_iteration
        self.stop_reason_ = result.stop_reason

    def _train_critics(self, prep, x, y_t, scaffold: FitScaffold, variants, eval_tensors):
        """Train the critic variants side by side from the fit's seed, until one wins.

        Each variant is one unit of fold critics in one batched module, trained in one loop
        with its own checkpoint and stopping, built from the same seed and fed the same
        minibatches and product-of-marginal pairs, so that the variants' held-out values
        differ by the critics alone.

        With two variants they race (``RACE_Z``, ``RACE_EVALUATIONS``): the loop drops the
        one that falls clearly behind, or is behind after a few evaluations, and trains the
        other alone. Returns the module (the kept critics only), the training result and the
        estimates of each variant still in it.
        """
        device = scaffold.device
        n_folds = scaffold.layout.n_critics
        with scaffold.seeded() as generator:
            modules = []
            for radial in variants:
                torch.manual_seed(scaffold.seed)
                modules.append(self._build_module(prep.dim_x_, prep.dim_y_, n_folds, radial))
            module = (modules[0] if len(modules) == 1 else stack_variants(*modules)).to(device)
            self._prepare(x, y_t)
            problem = self._make_problem(
                module, x, y_t, scaffold.layout.to(device), generator, n_units=len(variants)
            )
            if eval_tensors:
                x_eval, y_eval = eval_tensors
                monitor_generator = torch.Generator(device=device).manual_seed(SCORE_SEED)
                monitor_layout = readout_layout(x_eval.shape[0], n_folds)
                monitor = self._make_problem(
                    module,
                    x_eval,
                    y_eval,
                    monitor_layout.to(device),
                    monitor_generator,
                    n_units=len(variants),
                )
                problem = MonitoredProblem(problem, monitor)
            result = train(problem, self._training_config(multi_unit=len(variants) > 1))
            with torch.no_grad():
                problem = getattr(problem, "problem", problem)
                if len(variants) == 1:
                    return module, result, {variants[0]: problem.estimates(final=True)}
                estimates = problem.unit_estimates(final=True)
        kept = [variants[u] for u in problem.unit_ids]
        return module, result, dict(zip(kept, estimates, strict=True))

    def score(self, X, y=None) -> float:
        """The fitted critics' bound on the given data (nats; higher is tighter).

        The mean over the full-size fold critics of their bound on all of the given data,
        uncorrected. Deterministic for a fitted estimator; evaluated on the CPU. On data the
        critics did not train on it is an honest lower estimate of the MI, so model selection
        such as :class:`~sklearn.model_selection.GridSearchCV` picks the tightest critic.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples of the first variable.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Samples of the second variable, row-aligned with ``X``.

        Returns
        -------
        score : float
            The bound in nats.
        """
        check_is_fitted(self, "critic_")
        x, y_t = self._preprocessed_tensors(self.preprocessor_, X, y)
        generator = torch.Generator().manual_seed(SCORE_SEED)
        layout = readout_layout(x.shape[0], self.n_folds_)
        problem = self._make_problem(self.critic_, x, y_t, layout, generator)
        with torch.no_grad(), torch_threads(self.n_threads):
            return problem.score()

    def score_samples(self, X, y=None) -> np.ndarray:
        """Pointwise mutual information of each sample (nats).

        The critics' estimate of ``log p(x, y) / (p(x) p(y))`` at every given pair, averaged
        over the fold critics. A ``MINE`` or ``DeepInfoMaxJSD`` critic estimates this log
        density ratio up to its partition term, read out on its held-out fold at the end of
        ``fit``; ``MINEE`` takes ``log p(x, y) - log p(x) - log p(y)``, each log density the
        reference's plus its critic's normalised log ratio (the scaling's Jacobians
        cancel), and needs a fit with ``y``. The mean over new samples from the data's
        distribution estimates the held-out value ``mutual_info_raw_``, not the
        optimism-corrected ``mutual_info_``. Large values mark pairs the critics find much
        likelier together than apart. Deterministic; evaluated on the CPU.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            First variable, as in ``fit``.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Second variable, as in ``fit``.

        Returns
        -------
        pointwise_mi : ndarray of shape (n_samples,)
            Estimated pointwise mutual information of each pair, in nats.
        """
        check_is_fitted(self, "critic_")
        self._check_pointwise(y)
        x, y_t = self._preprocessed_tensors(self.preprocessor_, X, y)
        chunk = POINTWISE_CHUNK
        with torch.no_grad(), torch_threads(self.n_threads):
            values = [
                self._pointwise(x[s : s + chunk], y_t[s : s + chunk])
                for s in range(0, x.shape[0], chunk)
            ]
        return torch.cat(values).double().numpy()

    def _check_pointwise(self, y) -> None:
        """Raise when ``score_samples`` cannot apply to this fit and ``y``; optional."""

    def _pointwise(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Pointwise MI of preprocessed samples (the joint-against-marginals critics')."""
        return pointwise_log_ratio(self.critic_, x, y, self._log_partitions["xy"])

    # -- helpers ---------------------------------------------------------------------------

    def _preprocessed_tensors(self, prep: Preprocessor, X, y) -> tuple[torch.Tensor, torch.Tensor]:
        """Validate new data against the fitted estimator and apply its preprocessing (CPU)."""
        self._check_y_required(y)
        X, y = validate_xy(self, X, y, reset=False)
        x = torch.from_numpy(prep.transform_x(X))
        return x, torch.from_numpy(prep.transform_y(y, X.shape[0]))

    def _training_config(self, multi_unit: bool = False) -> TrainingConfig:
        return TrainingConfig(
            checkpoint="per_unit" if multi_unit else "joint",
            race_z=RACE_Z if multi_unit else None,
            race_after=RACE_AFTER,
            race_evaluations=RACE_EVALUATIONS,
            improvement_z=IMPROVEMENT_Z,
            lr_halvings=LR_HALVINGS,
            fall_z=FALL_Z,
            paired_improvement_z=self._paired_improvement_z,
            max_iter=self.max_iter,
            learning_rate=self.learning_rate_init,
            weight_decay=self.weight_decay,
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
