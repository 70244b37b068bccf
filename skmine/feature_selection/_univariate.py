"""Univariate feature scoring by neural mutual information, for scikit-learn's selectors."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from numbers import Integral

import numpy as np
import torch
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from .._engine.data import Preprocessor
from .._engine.diagnostics import issue_warnings
from .._engine.folds import CriticLayout, selection_layout
from .._engine.problems.per_feature import PerFeatureProblem
from .._engine.scaffold import FIT_CONSTRAINTS, hidden_sizes, prepare_fit
from .._engine.signature import with_signature
from .._engine.training import TrainingConfig, progress_bar, torch_threads, train
from ..critics import BatchedConcatCritic
from ._inputs import (
    discrete_mask_of,
    encode_features,
    first_column,
    validate_features_target,
)

# Product-of-marginal pairs per critic in evaluations and in the readout.
EVAL_PAIRS = 4_096
# Share of each fold's training samples that chooses its critics' checkpoints instead of
# training them (so that the held-out fold stays untouched by the choice).
SELECTION_FRACTION = 0.2


_CONSTRAINTS = {
    **FIT_CONSTRAINTS,
    "X": ["array-like", "sparse matrix"],
    "y": ["array-like"],
    "discrete_features": [StrOptions({"auto"}), "boolean", "array-like"],
    "block_size": [Interval(Integral, 1, None, closed="left")],
    "n_permutations": [Interval(Integral, 0, None, closed="left")],
    "n_jobs": [Integral, None],
}


@dataclass(frozen=True)
class FeatureMutualInfoResult:
    """Per-feature neural MI scores with their standard errors and p-values.

    Attributes
    ----------
    scores : ndarray of shape (n_features,)
        Estimated mutual information of each feature with ``y``, in nats, clipped at 0
        (what :func:`mutual_info_neural` returns).
    std : ndarray of shape (n_features,)
        Standard error of each (unclipped) score: from the influence of every held-out
        sample on its DV bound, or the folds' spread when larger.
    pvalues : ndarray of shape (n_features,) or None
        Permutation-test p-values, ``(1 + #{permutations whose statistic is at least the
        observed one}) / (1 + n_permutations)``; ``None`` when ``n_permutations=0``.
    """

    scores: np.ndarray
    std: np.ndarray
    pvalues: np.ndarray | None


def _documented(func):
    """Fill the parameters and notes shared by the public score functions."""
    func.__doc__ = func.__doc__.replace("%(parameters)s", _PARAMETERS.lstrip()).replace(
        "%(notes)s", _NOTES.lstrip()
    )
    return func


_PARAMETERS = """    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Features. A sparse matrix is densified one feature block at a time.
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        Target: continuous values, class labels (integers, booleans or strings), or several
        continuous outputs (a 2-D ``y``; each score is then ``I(X_j; Y)`` with the whole
        vector ``Y``).
    discrete_target : bool or "auto", default="auto"
        Whether ``y`` holds class labels (one-hot encoded for the critics). ``"auto"``: a 1-D
        ``y`` of integer, boolean, string or object dtype is discrete, and so is a pandas
        ``Int64`` / ``boolean`` / ``category`` one; floats are continuous, with a
        ``UserWarning`` when they look like integer-coded labels (at most 20 distinct
        integer values, at least 10 samples per value).
    discrete_features : {"auto", bool} or array-like, default="auto"
        As in scikit-learn: which features are discrete. ``"auto"``: all when ``X`` is
        sparse, none otherwise; a bool for all; else a boolean mask or feature indices.
    hidden_layer_sizes : array-like of int, default=(32,)
        Hidden widths of every feature's critic, an MLP on ``[x_j, y]``.
    activation : {"relu", "elu", "gelu", "tanh", "logistic", "softplus"}, default="relu"
        Activation of the critics.
    batch_size : int, default=64
        Joint pairs per minibatch.
    learning_rate_init : float, default=1e-2
        Adam's learning rate.
    max_iter : int, default=400
        Maximum training iterations of each feature block.
    eval_interval : int, default=50
        Iterations between evaluations on the held-out folds.
    n_iter_no_change : int, default=4
        A critic stops after this many evaluations without improving by ``tol`` on its
        selection samples, and a block when all its critics have stopped.
    tol : float, default=1e-3
        Improvement (nats) that replaces a critic's checkpoint.
    cv : int, cross-validation generator or iterable, default=3
        Cross-fitting folds, as in :class:`~skmine.MINE`: each feature gets one critic per
        fold, trained on the other folds and read out on its own, so every sample is held
        out once (see Notes).
    block_size : int, default=32
        Features whose critics are trained together in one batched model. The results do
        not depend on ``n_jobs``, but they do depend on ``block_size``.
    n_permutations : int, default=0
        When positive, also return permutation-test p-values computed with this many
        permutations of the held-out target (for
        :class:`~sklearn.feature_selection.SelectFpr` / ``SelectFdr`` / ``SelectFwe``).
        The smallest attainable p-value is ``1 / (1 + n_permutations)``, and it must be
        below the selector's threshold for anything to be selected: ``SelectFpr`` keeps
        ``p < alpha``, so ``alpha=0.01`` needs ``n_permutations >= 100`` (999 leaves room
        for a ranking); ``SelectFwe`` keeps ``p < alpha / n_features`` (and ``SelectFdr``'s
        threshold is as low when few features are informative), so they need about
        ``n_features / alpha`` permutations.
    verbose : int, default=0
        ``1``: a progress bar on stderr (:mod:`tqdm`) over the feature blocks, with the
        time left.
    n_jobs : int, default=None
        Feature blocks trained in parallel with :mod:`joblib` (``None``: 1 unless in a
        :func:`joblib.parallel_config` context; ``-1``: all cores); with more than one job
        each block trains with one torch thread. Under
        ``joblib.parallel_config(backend="dask")`` the blocks run on a Dask cluster.
    device : str or torch.device, default="auto"
        Where to train: ``"auto"`` (CUDA when available, else CPU), ``"cpu"``, ``"cuda:1"``...
    random_state : int, RandomState instance or None, default=None
        Seeds the split and, through one derived seed per feature block, the critics and
        minibatches. With an int, results on the CPU agree for every ``n_jobs`` up to float
        rounding (one torch thread per worker rounds reductions differently on some CPUs).
"""

_NOTES = """    See Also
    --------
    sklearn.feature_selection.mutual_info_regression : k-NN (KSG) estimate, continuous target.
    sklearn.feature_selection.mutual_info_classif : k-NN estimate, discrete target.
    MINE : The same kind of critic for the MI between two multivariate variables.

    Notes
    -----
    **Estimate policy.** The estimators' cross-fitting: the samples are cut into ``cv``
    folds, and every feature gets one critic per fold, trained on the other folds; every
    ``eval_interval`` iterations each critic's Donsker–Varadhan bound is computed on its own
    held-out fold (the product of marginals represented by up to 4,096 pairs
    ``(x_i, y_k)``, ``i != k``, within the fold) and each critic keeps its own best
    checkpoint. A feature's score is its critics' held-out bounds pooled over the folds,
    i.e. read out on every sample once, with the standard error of
    :class:`~skmine.MINE`'s (the held-out samples' influences, or the folds' spread when
    larger). It is the held-out bound without the optimism correction: a conservative
    value that ranks features, which is what a selector needs. A DV value below 0 only says
    that no dependence was found; like scikit-learn's k-NN estimators, scores are clipped
    at 0.

    **Training.** Critics are trained with Deep InfoMax's Jensen–Shannon objective (bounded
    gradients, smooth on many small problems at once) whose optimal critic is the log density
    ratio, read out with the DV bound. All critics of a block form one
    :class:`~skmine.critics.BatchedConcatCritic`; the block's loss is the sum of the
    independent per-feature losses, optimised by the shared training loop.

    **Inputs.** Continuous features and a continuous target are mapped coordinate-wise to
    standard normal scores through their empirical distribution (MI is invariant under such
    monotone maps, and heavy tails no longer matter). A discrete feature is fed as the
    standardised code of its value (``0 .. n_levels - 1``): a bijection of its values, so its
    MI is unchanged, and its ties are kept, unlike the rank transform. Class labels are
    one-hot encoded.

    **P-values.** A critic never saw its held-out fold, so, under the null hypothesis that
    ``X_j`` and ``Y`` are independent, the pairs ``(x_i, y_i)`` and ``(x_i, y_pi(i))`` of
    a fold are exchangeable for every permutation ``pi`` within that fold. The statistic is
    the mean critic value on the held-out joint pairs (the DV bound's partition term is the
    same for every permutation); comparing it on the observed pairs and on pairs with ``y``
    permuted within every fold is an exact permutation test, at the cost of one critic
    evaluation per permutation and no retraining. The smallest attainable p-value is
    ``1 / (1 + n_permutations)``.

    References
    ----------
    .. [1] M. I. Belghazi et al., "Mutual Information Neural Estimation", ICML 2018.
    .. [2] R. D. Hjelm et al., "Learning deep representations by mutual information
       estimation and maximization", ICLR 2019.
"""


@validate_params(_CONSTRAINTS, prefer_skip_nested_validation=True)
@_documented
def feature_mutual_info(
    X,
    y,
    *,
    discrete_target: bool | str = "auto",
    discrete_features: bool | str | np.ndarray = "auto",
    hidden_layer_sizes=(32,),
    activation: str = "relu",
    batch_size: int = 64,
    learning_rate_init: float = 1e-2,
    max_iter: int = 400,
    eval_interval: int = 50,
    n_iter_no_change: int = 4,
    tol: float = 1e-3,
    cv=3,
    block_size: int = 32,
    n_permutations: int = 0,
    verbose: int = 0,
    n_jobs: int | None = None,
    device: str | torch.device = "auto",
    random_state=None,
) -> FeatureMutualInfoResult:
    """Each feature's neural MI with the target, with standard errors and p-values.

    The same critics, training and estimates as :func:`mutual_info_neural` (same arguments,
    same scores for the same ``random_state``), returned as one result with the standard
    error of every score and, when ``n_permutations > 0``, its permutation p-value.

    %(parameters)s
    Returns
    -------
    result : FeatureMutualInfoResult
        ``scores`` (nats, clipped at 0), ``std`` and ``pvalues`` (``None`` without
        permutations).

    %(notes)s
    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from skmine.feature_selection import feature_mutual_info
    >>> data = load_diabetes()
    >>> result = feature_mutual_info(data.data, data.target, random_state=0)
    >>> sorted(data.feature_names[j] for j in result.scores.argsort()[-2:])  # top two
    ['bmi', 's5']
    >>> bool((result.std < 0.05).all())  # nats, from 442 samples
    True
    """
    return _score_features(X, y, locals())


@validate_params(_CONSTRAINTS, prefer_skip_nested_validation=True)
@with_signature(
    inspect.signature(feature_mutual_info).replace(
        return_annotation="np.ndarray | tuple[np.ndarray, np.ndarray]"
    )
)
@_documented
def mutual_info_neural(X, y, **params) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Mutual information between each feature and the target, by trained neural critics.

    A score function for :class:`~sklearn.feature_selection.SelectKBest`,
    :class:`~sklearn.feature_selection.SelectPercentile` and
    :class:`~sklearn.feature_selection.GenericUnivariateSelect` (bind settings with
    :func:`functools.partial`), like :func:`~sklearn.feature_selection.mutual_info_regression`
    and :func:`~sklearn.feature_selection.mutual_info_classif` but for continuous, discrete or
    multi-output targets alike. Feature ``j``'s score estimates ``I(X_j; Y)`` in nats. With
    ``n_permutations > 0`` it returns ``(scores, pvalues)``, as
    :class:`~sklearn.feature_selection.SelectFpr`, ``SelectFdr`` and ``SelectFwe`` expect;
    :func:`feature_mutual_info` gives the scores' standard errors as well.

    %(parameters)s
    Returns
    -------
    scores : ndarray of shape (n_features,)
        Estimated mutual information of each feature with ``y``, in nats, clipped at 0.
    pvalues : ndarray of shape (n_features,)
        Only when ``n_permutations > 0``: ``(1 + #{permutations whose statistic is at least
        the observed one}) / (1 + n_permutations)``.

    %(notes)s
    Examples
    --------
    >>> from functools import partial
    >>> from sklearn.feature_selection import SelectKBest
    >>> from skmine.feature_selection import mutual_info_neural
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(2000, 5))
    >>> y = np.sin(2 * X[:, 0]) + 0.1 * rng.normal(size=2000)
    >>> selector = SelectKBest(partial(mutual_info_neural, random_state=0), k=1).fit(X, y)
    >>> selector.get_support().nonzero()[0]
    array([0])
    """
    result = feature_mutual_info(X, y, **params)
    return result.scores if result.pvalues is None else (result.scores, result.pvalues)


def _score_features(X, y, arguments: dict) -> FeatureMutualInfoResult:
    """The engine behind the public score functions.

    ``arguments`` are a public function's (already validated) keyword arguments, its
    ``locals()``.
    """
    p = {k: v for k, v in arguments.items() if k not in ("X", "y")}
    n_permutations, n_jobs, block_size = p["n_permutations"], p["n_jobs"], p["block_size"]
    X, y = validate_features_target(X, y)
    n_samples, n_features = X.shape
    sizes = hidden_sizes(p["hidden_layer_sizes"])
    discrete_mask = discrete_mask_of(p["discrete_features"], X)
    scaffold = prepare_fit(
        X, y, cv=p["cv"], random_state=p["random_state"], device=p["device"], n_threads=None
    )
    seed, device = scaffold.seed, scaffold.device
    prep = Preprocessor("rank-gaussian", p["discrete_target"], seed).fit(first_column(X), y)
    y_all = prep.transform_y(y, n_samples)
    config = TrainingConfig(
        max_iter=p["max_iter"],
        learning_rate=p["learning_rate_init"],
        eval_interval=p["eval_interval"],
        early_stopping=True,
        n_iter_no_change=p["n_iter_no_change"],
        tol=p["tol"],
        max_grad_norm=None,
        verbose=0,
        checkpoint="per_unit",
        diagnose_convergence=False,
    )
    settings = {
        "hidden_layer_sizes": sizes,
        "activation": p["activation"],
        "batch_size": p["batch_size"],
        "n_permutations": n_permutations,
        "config": config,
        "device": device,
        # One torch thread per joblib worker, as scikit-learn limits BLAS threads: several
        # blocks training at once on all cores each would oversubscribe them.
        "n_threads": None if effective_n_jobs(n_jobs) == 1 else 1,
    }
    layouts = (selection_layout(scaffold.folds, SELECTION_FRACTION, scaffold.rng), scaffold.layout)
    starts = range(0, n_features, block_size)
    block_seeds = np.random.SeedSequence(seed).generate_state(len(starts))
    bar = progress_bar(n_features, "features", enabled=p["verbose"] >= 1)
    blocks = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_score_block)(
            encode_features(X[:, s : s + block_size], discrete_mask[s : s + block_size], seed),
            y_all,
            layouts,
            int(block_seed),
            settings,
        )
        for s, block_seed in zip(starts, block_seeds, strict=True)
    )
    results = []
    for block in blocks:
        results.append(block)
        if bar is not None:
            bar.update(block[0].size)
    if bar is not None:
        bar.close()
    estimates = np.concatenate([r[0] for r in results])
    pvalues = np.concatenate([r[1] for r in results]) if n_permutations else None
    return FeatureMutualInfoResult(
        scores=np.maximum(estimates, 0.0),
        std=np.concatenate([r[2] for r in results]),
        pvalues=pvalues,
    )


def _score_block(
    x: np.ndarray, y: np.ndarray, layouts, seed: int, settings: dict
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Train one block's critics and score its features, with the block's torch threads."""
    with torch_threads(settings["n_threads"]):
        return _train_and_score_block(x, y, *layouts, seed, settings)


def _train_and_score_block(
    x: np.ndarray,
    y: np.ndarray,
    training: CriticLayout,
    folds: CriticLayout,
    seed: int,
    settings: dict,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Train one block's critics (one per feature and fold) and read out its scores."""
    device = settings["device"]
    x_t, y_t = torch.tensor(x, device=device), torch.tensor(y, device=device)
    generator = torch.Generator(device=device).manual_seed(seed)
    init_generator = torch.Generator().manual_seed(seed)
    sizes = settings["hidden_layer_sizes"]
    n_critics = x.shape[1] * folds.n_critics
    critic = BatchedConcatCritic(
        n_critics, 1, y.shape[1], sizes, settings["activation"], generator=init_generator
    ).to(device)
    problem = PerFeatureProblem(
        critic,
        x_t,
        y_t,
        training.to(device),
        folds.to(device),
        batch_size=settings["batch_size"],
        generator=generator,
        max_eval_pairs=EVAL_PAIRS,
        width=max(sizes),
    )
    issue_warnings(train(problem, settings["config"]).warnings)
    with torch.no_grad():
        estimates = problem.estimates()
        scores = np.array([e.value for e in estimates])
        stds = np.array([e.std for e in estimates])
        if not settings["n_permutations"]:
            return scores, None, stds
        pvalues = problem.permutation_pvalues(settings["n_permutations"]).cpu().numpy()
    return scores, pvalues, stds
