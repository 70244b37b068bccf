"""Feature selection by the joint mutual information of a feature subset with the target."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, _fit_context
from sklearn.feature_selection import SelectorMixin
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._engine.data import Preprocessor, validate_xy
from .._engine.diagnostics import issue_warnings
from .._engine.problems.joint_marginal import JointMarginalProblem
from .._engine.readout import Estimate
from .._engine.scaffold import FIT_CONSTRAINTS, hidden_sizes, prepare_fit
from .._engine.training import TrainingConfig, progress_bar, train
from ..critics import make_critics
from ._inputs import discrete_mask_of, encode_features, first_column
from ._subset_critics import SubsetCritics

# Product-of-marginal pairs (shared by the fold critics) of every subset's readout.
SUBSET_EVAL_PAIRS = 4_096
READOUT_PAIRS = 65_536
# The critic is trained again when the search has removed this fraction of the features
# seen at its last training.
REFIT_FRACTION = 0.5


@dataclass
class SearchResult:
    """What the backward elimination found: removal order and the MI along the way."""

    support: np.ndarray
    ranking: np.ndarray
    sizes: list[int] = field(default_factory=list)
    mutual_info: list[float] = field(default_factory=list)
    n_iter: int = 0


class JointMutualInfoSelector(SelectorMixin, BaseEstimator):
    """Select the features whose *joint* mutual information with the target is largest.

    A univariate score (:func:`~sklearn.feature_selection.mutual_info_classif`,
    :func:`~skmine.feature_selection.mutual_info_neural`) rates each feature alone: it cannot
    see features that are informative only together (``y = [x_a * x_b > 0]``), and it keeps
    every near-copy of one strong feature. This selector estimates ``I(X_S; Y)`` for feature
    subsets ``S`` with one neural critic and removes, step by step, the features whose loss
    costs the least information (backward elimination), so that interactions stay together
    and copies go.

    Parameters
    ----------
    n_features_to_select : int or float, default=None
        Features to keep: an int, a fraction of the features in ``(0, 1]``, or ``None`` for
        half of them.
    step : float, default=0.1
        Fraction of the remaining features removed per elimination step (at least one). A
        step removing several features is kept only if removing them together costs no more
        information than removing the next candidate alone would (plus the readout's
        standard error); otherwise it is halved, down to one feature. That guard is what
        keeps one of several redundant copies, each of which is dispensable alone.
    discrete_target : bool or "auto", default="auto"
        Whether ``y`` holds class labels, as in :class:`~skmine.MINE`.
    discrete_features : {"auto", bool} or array-like, default="auto"
        Which features are discrete (fed as standardised codes; continuous features as
        normal scores of their ranks). ``"auto"``: none; a bool for all; else a boolean mask
        or feature indices.
    hidden_layer_sizes : int or array-like of int, default=(64, 64)
        Hidden widths of the critic, an MLP on ``[x * m, m, y]``.
    activation : {"relu", "elu", "gelu", "tanh", "logistic", "softplus"}, default="relu"
        Activation of the critic.
    batch_size : int, default=256
        Joint pairs per minibatch and fold.
    learning_rate_init : float, default=3e-3
        Adam's learning rate.
    max_iter : int, default=1000
        Maximum iterations of the first training, on all features.
    refit_iter : int, default=300
        Maximum iterations of each further training, after half of the features seen at the
        previous one have been removed.
    cv : int, cross-validation generator or iterable, default=3
        Cross-fitting folds, as in :class:`~skmine.MINE`: every subset's MI is read out on
        all samples, each by the fold critic that did not train on it.
    n_iter_no_change : int, default=5
        A training stops after this many evaluations without improvement by ``tol``.
    tol : float, default=1e-3
        Improvement (nats) that counts.
    eval_interval : int, default=100
        Iterations between held-out evaluations.
    max_grad_norm : float or None, default=10.0
        Gradient-norm clipping per fold critic.
    device : str or torch.device, default="auto"
        Where to train: ``"auto"`` (CUDA when available, else CPU), ``"cpu"``, ``"cuda:1"``...
    n_threads : int or None, default=None
        Torch threads during ``fit`` (``None``: leave torch's setting).
    random_state : int, RandomState instance or None, default=None
        Seeds the folds, the critic and every mask and minibatch.
    verbose : int, default=0
        ``1``: a progress bar over the features removed.

    Attributes
    ----------
    support_ : ndarray of shape (n_features,), bool
        The selected features.
    ranking_ : ndarray of shape (n_features,)
        1 for a selected feature; otherwise ``1 +`` the number of elimination steps left
        after the step that removed it (features removed together share a rank).
    n_features_ : int
        Number of selected features.
    mutual_info_ : float
        Held-out estimate of ``I(X_S; Y)`` in nats for the selected subset ``S`` (see
        Notes), with its standard error ``mutual_info_std_`` and 95% interval
        ``mutual_info_ci_``, as in :class:`~skmine.MINE`.
    n_features_path_ : ndarray of int
        Subset size before the search and after each elimination step.
    mutual_info_path_ : ndarray of float
        Held-out MI (nats) of the subset at each of those sizes.
    n_iter_ : int
        Training iterations, all trainings together.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` has string column names.

    See Also
    --------
    skmine.feature_selection.mutual_info_neural : Univariate neural score for SelectKBest.
    sklearn.feature_selection.SequentialFeatureSelector : Greedy search scored by a model.

    Notes
    -----
    **One critic for every subset.** The critic ``T([x * m, m], y)`` sees the features
    through a mask ``m``; training draws a mask per row, independent of the data, so the
    optimal critic is, for every mask, that of ``I(X_m; Y)``. The masks mix the candidates
    of the next step (the remaining set, with at most one feature removed) and random
    subsets of every size. A subset's MI is the cross-fitted, held-out Donsker–Varadhan
    bound of the critic with that mask, so the drop-one candidates of a step are read out
    by one trained critic, and their differences are paired (the same held-out samples and
    pairs). Training is Deep InfoMax's Jensen–Shannon objective in the shared training
    loop, checkpointed on the held-out bound averaged over the training masks; it is
    repeated, from the current weights and for the remaining features, each time half of
    the features it last saw have been removed.

    **Honesty of the numbers.** Every MI is read out on samples the critic did not train on,
    but the subsets were chosen by those same readouts, so ``mutual_info_path_`` and
    ``mutual_info_`` are slightly optimistic for the selected subset (a choice among noisy
    candidates); for an unbiased number, fit :class:`~skmine.MINE` on the selected columns
    of fresh data.

    Examples
    --------
    >>> import numpy as np
    >>> from skmine.feature_selection import JointMutualInfoSelector
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(2000, 8))
    >>> y = (X[:, 2] * X[:, 5] > 0).astype(int)  # neither feature is informative alone
    >>> selector = JointMutualInfoSelector(2, random_state=0).fit(X, y)
    >>> selector.get_support(indices=True)
    array([2, 5])
    """

    _parameter_constraints: dict = {
        **FIT_CONSTRAINTS,
        "n_features_to_select": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="right"),
            None,
        ],
        "step": [Interval(Real, 0, 1, closed="neither")],
        "discrete_features": [StrOptions({"auto"}), "boolean", "array-like"],
        "refit_iter": [Interval(Integral, 0, None, closed="left")],
        "max_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
        "n_threads": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        n_features_to_select=None,
        *,
        step=0.1,
        discrete_target="auto",
        discrete_features="auto",
        hidden_layer_sizes=(64, 64),
        activation="relu",
        batch_size=256,
        learning_rate_init=3e-3,
        max_iter=1000,
        refit_iter=300,
        cv=3,
        n_iter_no_change=5,
        tol=1e-3,
        eval_interval=100,
        max_grad_norm=10.0,
        device="auto",
        n_threads=None,
        random_state=None,
        verbose=0,
    ):
        self.n_features_to_select = n_features_to_select
        self.step = step
        self.discrete_target = discrete_target
        self.discrete_features = discrete_features
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.refit_iter = refit_iter
        self.cv = cv
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.eval_interval = eval_interval
        self.max_grad_norm = max_grad_norm
        self.device = device
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Search for the subset of ``n_features_to_select`` features with the largest MI.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features (dense).
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target: continuous values or class labels.

        Returns
        -------
        self : object
            The fitted selector.
        """
        X, y = validate_xy(self, X, y, reset=True)
        n_samples, n_features = X.shape
        n_select = self._n_to_select(n_features)
        sizes = hidden_sizes(self.hidden_layer_sizes)
        scaffold = prepare_fit(
            X,
            y,
            cv=self.cv,
            random_state=self.random_state,
            device=self.device,
            n_threads=self.n_threads,
        )
        seed, device, layout = scaffold.seed, scaffold.device, scaffold.layout
        discrete = discrete_mask_of(
            False if isinstance(self.discrete_features, str) else self.discrete_features, X
        )
        prep = Preprocessor("rank-gaussian", self.discrete_target, seed).fit(first_column(X), y)
        if prep.discrete_:
            self.classes_ = prep.classes_
        elif hasattr(self, "classes_"):
            del self.classes_
        x = torch.from_numpy(encode_features(X, discrete, seed)).to(device)
        y_t = torch.from_numpy(prep.transform_y(y, n_samples)).to(device)
        with scaffold.seeded() as generator:
            critics = make_critics(
                None, layout.n_critics, 2 * n_features, prep.dim_y_, sizes, self.activation
            )
            module = SubsetCritics(critics, n_features, seed).to(device)
            module.generator = torch.Generator(device=device).manual_seed(seed)
            problem = JointMarginalProblem(
                module,
                x,
                y_t,
                layout.to(device),
                batch_size=self.batch_size,
                bound="jsd",
                generator=generator,
                max_eval_pairs=SUBSET_EVAL_PAIRS,
                readout_pairs=READOUT_PAIRS,
            )
            search = self._eliminate(problem, module, n_select)
            module.subset = torch.from_numpy(search.support)
            with torch.no_grad():
                final = problem.estimates(final=True)["mutual_info"]
        self.support_ = search.support
        self.ranking_ = search.ranking
        self.n_features_ = int(search.support.sum())
        self.n_features_path_ = np.asarray(search.sizes)
        self.mutual_info_path_ = np.asarray(search.mutual_info)
        self.n_iter_ = search.n_iter
        self.mutual_info_ = max(final.value, 0.0)
        self.mutual_info_std_ = final.std
        self.mutual_info_ci_ = final.interval(0.95, 0.0)
        return self

    def _n_to_select(self, n_features: int) -> int:
        k = self.n_features_to_select
        if k is None:
            return max(1, n_features // 2)
        if isinstance(k, Integral):
            if k > n_features:
                raise ValueError(f"n_features_to_select={k} exceeds the {n_features} features of X")
            return int(k)
        return max(1, round(k * n_features))

    def _configs(self) -> tuple[TrainingConfig, TrainingConfig]:
        """Settings of the first training and of each retraining."""
        first = TrainingConfig(
            max_iter=self.max_iter,
            learning_rate=self.learning_rate_init,
            eval_interval=self.eval_interval,
            early_stopping=True,
            n_iter_no_change=self.n_iter_no_change,
            tol=self.tol,
            max_grad_norm=self.max_grad_norm,
            verbose=0,
            diagnose_convergence=False,
        )
        return first, replace(first, max_iter=max(1, self.refit_iter))

    def _eliminate(
        self, problem: JointMarginalProblem, module: SubsetCritics, n_select: int
    ) -> SearchResult:
        """Backward elimination from all features to ``n_select``, retraining as it goes."""
        n_features = module.n_features
        first, refit = self._configs()
        trained = train(problem, first)
        issue_warnings(trained.warnings)
        n_iter = trained.n_iter
        trained_on = n_features
        alive = np.ones(n_features, dtype=bool)
        removed_per_step: list[np.ndarray] = []
        result = SearchResult(alive, np.ones(n_features, dtype=int))
        base = _subset_mi(problem, module, alive)
        result.sizes.append(n_features)
        result.mutual_info.append(base.value)
        bar = progress_bar(n_features - n_select, "features", enabled=self.verbose >= 1)
        while alive.sum() > n_select:
            remaining = np.flatnonzero(alive)
            candidates = [_subset_mi(problem, module, _without(alive, [j])) for j in remaining]
            values = np.array([c.value for c in candidates])
            loss = base.value - values
            order = np.argsort(loss, kind="stable")
            n_drop = min(remaining.size - n_select, max(1, int(self.step * remaining.size)))
            after = None
            while n_drop > 1:
                after = _subset_mi(problem, module, _without(alive, remaining[order[:n_drop]]))
                if base.value - after.value <= loss[order[n_drop]] + base.std:
                    break
                n_drop //= 2
                after = None
            dropped = remaining[order[:n_drop]]
            if after is None:
                after = candidates[order[0]]
            alive = _without(alive, dropped)
            removed_per_step.append(dropped)
            if bar is not None:
                bar.update(dropped.size)
            if (
                self.refit_iter
                and alive.sum() > n_select
                and (alive.sum() <= REFIT_FRACTION * trained_on)
            ):
                module.alive = torch.from_numpy(alive)
                retrained = train(problem, refit)
                issue_warnings(retrained.warnings)
                n_iter += retrained.n_iter
                trained_on = int(alive.sum())
                after = _subset_mi(problem, module, alive)
            base = after
            result.sizes.append(int(alive.sum()))
            result.mutual_info.append(base.value)
        if bar is not None:
            bar.close()
        for rank, dropped in enumerate(reversed(removed_per_step), start=2):
            result.ranking[dropped] = rank
        result.support = alive
        result.n_iter = n_iter
        return result

    def _get_support_mask(self) -> np.ndarray:
        check_is_fitted(self, "support_")
        return self.support_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.non_deterministic = False
        return tags


def _without(alive: np.ndarray, features) -> np.ndarray:
    out = alive.copy()
    out[np.asarray(features, dtype=int)] = False
    return out


def _subset_mi(
    problem: JointMarginalProblem, module: SubsetCritics, subset: np.ndarray
) -> Estimate:
    """Cross-fitted held-out MI of one feature subset, read out by the masked critic."""
    module.subset = torch.from_numpy(subset)
    try:
        with torch.no_grad():
            return problem.estimates()["mutual_info"]
    finally:
        module.subset = None
