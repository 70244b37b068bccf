"""Univariate feature scoring by neural mutual information, for scikit-learn's selectors."""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import torch
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from torch import Tensor

from .._engine.data import Preprocessor, resolve_device
from .._engine.diagnostics import issue_warnings
from .._engine.pairs import marginal_pairs
from .._engine.problems.per_feature import PerFeatureProblem, batched_dv, batched_scores
from .._engine.readout import dv_statistics
from .._engine.scaffold import derive_seed, hidden_sizes
from .._engine.training import TrainingConfig, progress_bar, torch_threads, train
from ..critics import ACTIVATIONS, BatchedConcatCritic
from ._inputs import (
    discrete_mask_of,
    encode_features,
    first_column,
    validate_features_target,
)

SELECT_EVAL_PAIRS = 4_096
SCORE_EVAL_PAIRS = 16_384


@validate_params(
    {
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like"],
        "discrete_target": [StrOptions({"auto"}), "boolean"],
        "discrete_features": [StrOptions({"auto"}), "boolean", "array-like"],
        "hidden_layer_sizes": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "batch_size": [Interval(Integral, 2, None, closed="left")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "eval_interval": [Interval(Integral, 1, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "block_size": [Interval(Integral, 1, None, closed="left")],
        "n_permutations": [Interval(Integral, 0, None, closed="left")],
        "return_std": ["boolean"],
        "verbose": ["verbose"],
        "n_jobs": [Integral, None],
        "device": [str, torch.device],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def mutual_info_neural(
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
    validation_fraction: float = 0.3,
    block_size: int = 32,
    n_permutations: int = 0,
    return_std: bool = False,
    verbose: int = 0,
    n_jobs: int | None = None,
    device: str | torch.device = "auto",
    random_state=None,
):
    """Mutual information between each feature and the target, by trained neural critics.

    A score function for :class:`~sklearn.feature_selection.SelectKBest`,
    :class:`~sklearn.feature_selection.SelectPercentile` and
    :class:`~sklearn.feature_selection.GenericUnivariateSelect` (bind settings with
    :func:`functools.partial`), like :func:`~sklearn.feature_selection.mutual_info_regression`
    and :func:`~sklearn.feature_selection.mutual_info_classif` but for continuous, discrete or
    multi-output targets alike. Feature ``j``'s score estimates ``I(X_j; Y)`` in nats.

    Parameters
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
        Iterations between evaluations on the selection split.
    n_iter_no_change : int, default=4
        A block stops after this many evaluations in which no critic improved by ``tol``.
    tol : float, default=1e-3
        Improvement (nats) that replaces a critic's checkpoint.
    validation_fraction : float, default=0.3
        Fraction of samples held out from training; half of them choose each critic's
        checkpoint, the other half give the scores (see Notes).
    block_size : int, default=32
        Features whose critics are trained together in one batched model. The results do
        not depend on ``n_jobs``, but they do depend on ``block_size``.
    return_std : bool, default=False
        Also return each score's standard error (for direct calls: a selector would take a
        second returned array for p-values).
    verbose : int, default=0
        ``1``: a progress bar on stderr (:mod:`tqdm`) over the feature blocks, with the
        time left.
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

    Returns
    -------
    scores : ndarray of shape (n_features,)
        Estimated mutual information of each feature with ``y``, in nats, clipped at 0.
    pvalues : ndarray of shape (n_features,)
        Only when ``n_permutations > 0``: ``(1 + #{permutations whose statistic is at least
        the observed one}) / (1 + n_permutations)``.
    stds : ndarray of shape (n_features,)
        Only when ``return_std=True``: the standard error of each (unclipped) score, from the
        influence of every score-split sample on its DV bound (see Notes). Returned last.

    See Also
    --------
    sklearn.feature_selection.mutual_info_regression : k-NN (KSG) estimate, continuous target.
    sklearn.feature_selection.mutual_info_classif : k-NN estimate, discrete target.
    MINE : The same kind of critic for the MI between two multivariate variables.

    Notes
    -----
    **Estimate policy.** The samples are split once, for all features: ``1 -
    validation_fraction`` train the critics; of the held-out rest, a *selection* half picks
    each critic's best checkpoint (the DV bound evaluated every ``eval_interval``
    iterations), and a *score* half, used for nothing else, gives the reported value: the
    Donsker–Varadhan bound of the chosen critic, the product of marginals represented by up
    to 16,384 pairs ``(x_i, y_k)``, ``i != k``. The score is thus not inflated by the choice
    of checkpoint. A DV value below 0 only says that no dependence was found; like
    scikit-learn's k-NN estimators, scores are clipped at 0.

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

    **P-values.** The critics never saw the score half, so, under the null hypothesis that
    ``X_j`` and ``Y`` are independent, the pairs ``(x_i, y_i)`` and ``(x_i, y_pi(i))`` of
    that half are exchangeable for every permutation ``pi``. The statistic is the mean
    critic value on the pairs: the DV bound whose partition term averages over all
    ``n^2`` pairs ``(x_i, y_k)`` differs from it by that term, which no permutation changes.
    Comparing it on the observed and permuted pairs is an exact permutation test, at the
    cost of one critic evaluation per permutation and no retraining. The smallest
    attainable p-value is ``1 / (1 + n_permutations)``.

    References
    ----------
    .. [1] M. I. Belghazi et al., "Mutual Information Neural Estimation", ICML 2018.
    .. [2] R. D. Hjelm et al., "Learning deep representations by mutual information
       estimation and maximization", ICLR 2019.

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
    X, y = validate_features_target(X, y)
    n_samples, n_features = X.shape
    sizes = hidden_sizes(hidden_layer_sizes)
    discrete_mask = discrete_mask_of(discrete_features, X)
    rng, seed = derive_seed(random_state)
    splits = _split(n_samples, validation_fraction, rng)

    prep = Preprocessor("rank-gaussian", discrete_target, seed).fit(first_column(X), y)
    y_all = prep.transform_y(y, n_samples)
    device = resolve_device(device)
    config = TrainingConfig(
        max_iter=max_iter,
        learning_rate=learning_rate_init,
        eval_interval=eval_interval,
        early_stopping=True,
        n_iter_no_change=n_iter_no_change,
        tol=tol,
        max_grad_norm=None,
        verbose=0,
        checkpoint="per_critic",
        diagnose_convergence=False,
    )
    settings = {
        "hidden_layer_sizes": sizes,
        "activation": activation,
        "batch_size": batch_size,
        "n_permutations": n_permutations,
        "config": config,
        "device": device,
        # One torch thread per joblib worker, as scikit-learn limits BLAS threads: several
        # blocks training at once on all cores each would oversubscribe them.
        "n_threads": None if effective_n_jobs(n_jobs) == 1 else 1,
    }
    starts = range(0, n_features, block_size)
    block_seeds = np.random.SeedSequence(seed).generate_state(len(starts))
    bar = progress_bar(n_features, "features", enabled=verbose >= 1)
    blocks = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_score_block)(
            encode_features(X[:, s : s + block_size], discrete_mask[s : s + block_size], seed),
            y_all,
            splits,
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
    scores = np.maximum(np.concatenate([r[0] for r in results]), 0.0)
    out = [scores]
    if n_permutations:
        out.append(np.concatenate([r[1] for r in results]))
    if return_std:
        out.append(np.concatenate([r[2] for r in results]))
    return out[0] if len(out) == 1 else tuple(out)


def _split(
    n_samples: int, validation_fraction: float, rng: np.random.RandomState
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n_held = math.ceil(validation_fraction * n_samples)
    if n_held < 4 or n_samples - n_held < 4:
        raise ValueError(
            f"too few samples: n_samples={n_samples} with validation_fraction="
            f"{validation_fraction} must leave at least 4 samples to train on and 4 held out"
        )
    perm = rng.permutation(n_samples)
    n_select = n_held // 2
    return np.sort(perm[n_held:]), np.sort(perm[:n_select]), np.sort(perm[n_select:n_held])


def _score_block(
    x: np.ndarray, y: np.ndarray, splits, seed: int, settings: dict
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Train one block's critics and score its features, with the block's torch threads."""
    with torch_threads(settings["n_threads"]):
        return _train_and_score_block(x, y, splits, seed, settings)


def _train_and_score_block(
    x: np.ndarray, y: np.ndarray, splits, seed: int, settings: dict
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Train one block's critics and score its features on the score split."""
    device = settings["device"]
    train_idx, select_idx, score_idx = (torch.tensor(idx, device=device) for idx in splits)
    x_t, y_t = torch.tensor(x, device=device), torch.tensor(y, device=device)
    generator = torch.Generator(device=device).manual_seed(seed)
    init_generator = torch.Generator().manual_seed(seed)
    sizes = settings["hidden_layer_sizes"]
    critic = BatchedConcatCritic(
        x.shape[1], 1, y.shape[1], sizes, settings["activation"], generator=init_generator
    ).to(device)
    width = max(sizes)
    problem = PerFeatureProblem(
        critic,
        x_t[train_idx],
        y_t[train_idx],
        x_t[select_idx],
        y_t[select_idx],
        batch_size=settings["batch_size"],
        generator=generator,
        max_eval_pairs=SELECT_EVAL_PAIRS,
        width=width,
    )
    issue_warnings(train(problem, settings["config"]).warnings)
    critic.eval()
    x_score, y_score = x_t[score_idx], y_t[score_idx]
    with torch.no_grad():
        rows, cols = marginal_pairs(len(score_idx), SCORE_EVAL_PAIRS, generator)
        dv, t_joint, t_marginal = batched_dv(critic, x_score, y_score, rows, cols, width)
        scores = dv.cpu().double().numpy()
        stds = _standard_errors(t_joint, t_marginal, rows, cols)
        if not settings["n_permutations"]:
            return scores, None, stds
        observed = t_joint.mean(dim=1)
        exceed = torch.zeros(observed.shape, dtype=torch.int64, device=device)
        for _ in range(settings["n_permutations"]):
            perm = torch.randperm(len(score_idx), generator=generator, device=device)
            permuted = batched_scores(critic, x_score, y_score[perm], width).mean(dim=1)
            exceed += permuted >= observed
    pvalues = (1.0 + exceed.cpu().numpy()) / (1.0 + settings["n_permutations"])
    return scores, pvalues, stds


def _standard_errors(t_joint: Tensor, t_marginal: Tensor, rows: Tensor, cols: Tensor) -> np.ndarray:
    """Influence-function standard error of each feature's DV bound on the score split."""
    n_critics, n = t_joint.shape
    mask = torch.ones_like(t_joint, dtype=torch.bool)
    _, influence = dv_statistics(
        t_joint, mask, t_marginal, rows.expand(n_critics, -1), cols.expand(n_critics, -1)
    )
    variance = influence.double().pow(2).sum(dim=1) / max(n - 1, 1) / n
    return variance.sqrt().cpu().numpy()
