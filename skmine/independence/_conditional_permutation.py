"""The conditional-independence test: a frozen critic's held-out bound under block permutations.

:func:`ci_test` tests ``X ⫫ Y | Z`` (or ``X ⫫ Y`` without ``Z``) by a held-out permutation
test on a trained critic. The samples are split once: on the training part,
:class:`~skmine.ConditionalMINE` (:class:`~skmine.MINE` without ``Z``) estimates the
conditional mutual information of the residuals of ``X`` and ``Y`` on ``Z`` (the same as
that of ``X`` and ``Y``), and its critic of ``I(Y; (X, Z))`` is then frozen. On the test
part, which that critic never saw, the test statistic is the critic's bound on the observed
samples, and its null distribution is the same bound after ``X`` has been permuted within
blocks of samples that are near one another in ``(E[X | Z], E[Y | Z])`` (globally without
``Z``): such a permutation keeps the dependence of ``X`` on ``Z`` and of ``Y`` on ``Z`` and
breaks whatever ``X`` tells about ``Y`` beyond ``Z``. The null costs forward passes, not
refits.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array

from .._engine.local_permutation import block_permutation, blocks, permuted_bounds
from .._engine.training import torch_threads
from .._estimators.conditional import ConditionalMINE
from .._estimators.mine import MINE

MIN_TEST_SAMPLES = 20
# The test's critics: the plain variant (no radial-feature race), two folds, two hidden layers
# and a learning-rate halving after each evaluation without improvement: a test trains on
# half the samples, where the deeper critic and the longer patience of the estimators'
# defaults bought no accuracy (see the user guide). The p-value's validity does not depend
# on the critic, only its power and the estimate's accuracy do.
DEFAULT_ESTIMATOR_PARAMS = {
    "radial_features": False,
    "cv": 2,
    "hidden_layer_sizes": (64, 64),
    "n_iter_no_change": 1,
}


class ConfidenceInterval(NamedTuple):
    """Lower and upper end of an interval (nats)."""

    low: float
    high: float


@dataclass(frozen=True)
class CITestResult:
    """The outcome of :func:`ci_test`.

    Attributes
    ----------
    statistic : float
        The estimate of ``I(X; Y | Z)`` (``I(X; Y)`` without ``Z``) in nats, from the
        training part: :class:`~skmine.ConditionalMINE`'s ``mutual_info_`` on the residuals
        (``MINE``'s on ``X`` and ``Y``).
    pvalue : float
        ``(1 + #{null >= observed}) / (n_permutations + 1)``, the observed and null values
        being the frozen critic's held-out bound on the test part.
    confidence_interval : ConfidenceInterval
        The estimator's ``mutual_info_ci_`` for ``statistic``.
    observed : float
        The frozen critic's bound ``I(Y; (X, Z))`` on the observed test samples (nats).
    null_distribution : ndarray of shape (n_permutations,)
        The same bound with ``X`` permuted within blocks of samples with similar ``Z``.
    estimator : ConditionalMINE or MINE
        The fitted estimator (of the training part).
    fit_warnings : tuple of str
        The warnings of the estimator's fit (e.g. a data-limited estimate), kept here rather
        than issued: a causal-discovery run makes thousands of tests. They concern
        ``statistic`` and ``confidence_interval``; the p-value's validity does not depend on
        the critic's quality, only its power does.
    """

    statistic: float
    pvalue: float
    confidence_interval: ConfidenceInterval
    observed: float
    null_distribution: np.ndarray
    estimator: object
    fit_warnings: tuple[str, ...] = ()


def ci_test(
    X,
    Y,
    Z=None,
    *,
    n_permutations: int = 100,
    n_neighbors: int = 5,
    test_size: float = 0.5,
    random_state=None,
    estimator_params: dict | None = None,
) -> CITestResult:
    """Test whether ``X`` and ``Y`` are independent given ``Z``.

    Parameters
    ----------
    X : array-like of shape (n_samples,) or (n_samples, n_x)
        First variable.
    Y : array-like of shape (n_samples,) or (n_samples, n_y)
        Second variable.
    Z : array-like of shape (n_samples,) or (n_samples, n_z), default=None
        Conditioning variable; ``None`` tests unconditional independence.
    n_permutations : int, default=100
        Draws of the null distribution; the smallest attainable p-value is
        ``1 / (n_permutations + 1)``.
    n_neighbors : int, default=5
        Samples per block of similar ``Z`` within which ``X`` is permuted (a few
        blocks hold up to ``2 * n_neighbors - 1``). Small blocks keep the permuted ``X``
        close to its ``Z``; larger ones give the null more distinct orders.
    test_size : float, default=0.5
        Fraction of the samples held out for the permutation test; the rest trains the
        critics.
    random_state : int, RandomState instance or None, default=None
        Controls the split, the permutations and the estimator's training.
    estimator_params : dict, optional
        Parameters of the :class:`~skmine.ConditionalMINE` (:class:`~skmine.MINE`)
        estimator, over the test's defaults ``{"radial_features": False, "cv": 2,
        "hidden_layer_sizes": (64, 64), "n_iter_no_change": 1}`` (the plain critic, two
        folds, two hidden layers and a short patience, for speed); e.g.
        ``{"hidden_layer_sizes": (64, 64, 64, 64), "n_iter_no_change": 2}`` for the
        estimators' own critic and patience.

    Returns
    -------
    CITestResult
        ``statistic``, ``pvalue``, ``confidence_interval`` and the null distribution.

    Notes
    -----
    With ``Z``, ``X`` and ``Y`` are first replaced by their residuals ``X - E[X | Z]`` and
    ``Y - E[Y | Z]``, each mean predicted on the training part by a ridge regression and
    gradient-boosted trees of depth two on what it leaves. Given ``Z`` the map is
    invertible, so the conditional mutual information is unchanged; the residuals depend on
    ``Z`` far less than ``X`` and ``Y`` do, so the critics need not learn that dependence
    and are less sensitive to a permutation whose neighbours' ``Z`` differ a little. The
    blocks are the leaves of a k-d tree in the space of the two predictions, ``E[X | Z]``
    and ``E[Y | Z]``: columns of ``Z`` that neither variable depends on would only spread
    them (with four such columns, neighbourhoods in raw ``Z`` rejected a true null in 21 of
    30 data sets of the confounded model of ``benchmarks/ci_test_size.py``). Under the null,
    moving ``X`` between samples does no harm where either ``X``'s or ``Y``'s conditional
    distribution is the same for both, so the blocks follow whichever prediction varies:
    where ``E[X | Z]`` saturates, ``E[Y | Z]`` may still separate the samples. Where both
    are flat (a tree ensemble's prediction is, beyond its outermost splits), samples tied in
    them are ordered by ``Z`` itself.

    Each draw permutes ``X`` uniformly within every block. These permutations form a group
    fixed by ``Z`` alone, so the p-value is exact when the ``X`` of a block are
    exchangeable given their ``Z`` (the block shares ``X``'s conditional distribution), and
    approximate otherwise; no sample's ``X`` is used twice. The critics never see the test
    part and nothing is chosen on it. The measured
    size is in the user guide. The test is not symmetric in ``X`` and ``Y``: ``X`` is the
    side permuted.

    Examples
    --------
    >>> import numpy as np
    >>> from skmine.independence import ci_test
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=1000)
    >>> x, y = z + rng.normal(size=1000), z + rng.normal(size=1000)
    >>> result = ci_test(x, y, z, random_state=0)
    >>> bool(result.pvalue > 0.05)
    True
    """
    X_arr, Y_arr, Z_arr = _check_variables(X, Y, Z)
    n_samples = X_arr.shape[0]
    _check_settings(n_permutations, n_neighbors, test_size)
    n_test = round(test_size * n_samples)
    if n_test < max(MIN_TEST_SAMPLES, n_neighbors + 1):
        raise ValueError(
            f"too few samples for the test: test_size={test_size} of {n_samples} samples leaves "
            f"{n_test} to test on; need at least {max(MIN_TEST_SAMPLES, n_neighbors + 1)} "
            "(more samples, a larger test_size, or a smaller n_neighbors)"
        )
    rng = check_random_state(random_state)
    seed = int(rng.randint(np.iinfo(np.int32).max))
    order = rng.permutation(n_samples)
    test, train = order[:n_test], order[n_test:]
    params = {**DEFAULT_ESTIMATOR_PARAMS, **(estimator_params or {}), "random_state": seed}

    if Z_arr is None:
        estimator, fit_warnings = _fit_recording_warnings(
            MINE(**params), X_arr[train], Y_arr[train]
        )
        critic = estimator
        labels = None  # a global permutation

        def inputs(x_test: np.ndarray) -> np.ndarray:
            return x_test

    else:
        # Given Z, x -> x - E[x | Z] is invertible, so the residuals carry the same
        # conditional mutual information; they depend on Z far less than X and Y do, so the
        # critics lean on Z for what Z explains and a permutation that slightly mismatches
        # neighbours' Z costs them little.
        x_on_z = _regression_on_z(X_arr[train], Z_arr[train], seed)
        y_on_z = _regression_on_z(Y_arr[train], Z_arr[train], seed)
        X_arr, Y_arr = X_arr - x_on_z(Z_arr), Y_arr - y_on_z(Z_arr)
        estimator, fit_warnings = _fit_recording_warnings(
            ConditionalMINE(**params), X_arr[train], Y_arr[train], Z=Z_arr[train]
        )
        critic = estimator.joint_estimator_
        z_test = Z_arr[test]
        labels = blocks(np.hstack([x_on_z(z_test), y_on_z(z_test)]), n_neighbors, tie_break=z_test)

        def inputs(x_test: np.ndarray) -> np.ndarray:
            return np.hstack([x_test, z_test])

    orders = [np.arange(n_test)]
    orders += [_draw(labels, n_test, rng) for _ in range(n_permutations)]
    bounds = _bounds(critic, inputs(X_arr[test]), Y_arr[test], orders, X_arr.shape[1], seed)
    observed, null = bounds[0], bounds[1:]
    pvalue = (1.0 + np.count_nonzero(null >= observed)) / (n_permutations + 1.0)
    low, high = estimator.mutual_info_ci_
    return CITestResult(
        statistic=float(estimator.mutual_info_),
        pvalue=float(pvalue),
        confidence_interval=ConfidenceInterval(float(low), float(high)),
        observed=float(observed),
        null_distribution=null,
        estimator=estimator,
        fit_warnings=fit_warnings,
    )


def _fit_recording_warnings(estimator, *args, **kwargs) -> tuple[object, tuple[str, ...]]:
    """Fit ``estimator``; return it and the distinct messages of the warnings it issued."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimator.fit(*args, **kwargs)
    return estimator, tuple(dict.fromkeys(str(w.message) for w in caught))


def _bounds(critic, x, y, orders, permuted_columns: int, seed: int) -> np.ndarray:
    """The frozen critic's held-out bound under each order of ``x``'s first columns."""
    x_t = torch.from_numpy(critic.preprocessor_.transform_x(x))
    y_t = torch.from_numpy(critic.preprocessor_.transform_y(y, x.shape[0]))
    generator = torch.Generator().manual_seed(seed)
    with torch_threads(critic.n_threads):
        return permuted_bounds(
            critic.critic_, critic.n_folds_, x_t, y_t, orders, permuted_columns, generator
        )


def _regression_on_z(X: np.ndarray, Z: np.ndarray, seed: int):
    """``E[X | Z]`` (or ``E[Y | Z]``), fitted on the training part.

    A ridge regression on the standardised ``Z`` (its penalty chosen by leave-one-out),
    then gradient-boosted trees of depth two on what it leaves, per column of ``X``
    (scikit-learn's histogram gradient boosting, early-stopped on an internal validation
    split). The linear part takes smooth trends that trees would follow in steps, and the
    shallow trees add each column's non-linear effect and the pairwise interactions with
    little room to split on columns of ``Z`` that ``X`` ignores. What matters is how much
    the true ``E[X | Z]`` and ``E[Y | Z]`` vary within a block, since that is what a
    permutation moves: with four such columns (n = 1,000 of the null models of
    ``benchmarks/ci_test_size.py``, four data sets each) their within-block spread is 0.16
    to 0.29 of the variables' standard deviation with scikit-learn's default trees, 0.10 to
    0.22 with trees of depth two, 0.09 to 0.12 with the linear part first.
    """
    linear = make_pipeline(
        StandardScaler(), RidgeCV(alphas=np.logspace(-3, 3, 7), alpha_per_target=True)
    ).fit(Z, X)
    remainder = X - linear.predict(Z).reshape(X.shape)
    trees = [
        HistGradientBoostingRegressor(max_depth=2, early_stopping=True, random_state=seed).fit(
            Z, column
        )
        for column in remainder.T
    ]

    def summary(Z_new: np.ndarray) -> np.ndarray:
        steps = np.column_stack([tree.predict(Z_new) for tree in trees])
        return linear.predict(Z_new).reshape(steps.shape) + steps

    return summary


def _draw(labels: np.ndarray | None, n_samples: int, rng: np.random.RandomState) -> np.ndarray:
    """A permutation within blocks, or of all samples when there are none (no Z)."""
    if labels is None:
        return rng.permutation(n_samples)
    return block_permutation(labels, rng)


def _check_variables(X, Y, Z) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Each variable as a finite 2-D float array, all with the same number of samples."""
    arrays = {}
    for name, value in (("X", X), ("Y", Y), ("Z", Z)):
        if value is None:
            if name != "Z":
                raise ValueError(f"{name} is required")
            arrays[name] = None
            continue
        shape = np.shape(value)
        if len(shape) not in (1, 2):
            raise ValueError(f"{name} must be 1-D or 2-D (n_samples, n_columns), got shape {shape}")
        array = check_array(value, dtype=np.float64, ensure_2d=False, input_name=name)
        if array.ndim == 1:
            array = array.reshape(-1, 1)
        arrays[name] = array
    lengths = {name: a.shape[0] for name, a in arrays.items() if a is not None}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"X, Y and Z must have the same number of samples; got {lengths}")
    return arrays["X"], arrays["Y"], arrays["Z"]


def _check_settings(n_permutations: int, n_neighbors: int, test_size: float) -> None:
    if not isinstance(n_permutations, (int, np.integer)) or n_permutations < 1:
        raise ValueError(f"n_permutations must be a positive integer, got {n_permutations!r}")
    if not isinstance(n_neighbors, (int, np.integer)) or n_neighbors < 2:
        raise ValueError(
            f"n_neighbors must be an integer of at least 2 (a sample and one neighbour), got "
            f"{n_neighbors!r}"
        )
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size must be strictly between 0 and 1, got {test_size!r}")
