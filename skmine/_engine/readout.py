"""The estimate policy: held-out critic values turned into an estimate, a standard error and
an interval, shared by every estimator.

Each critic ``c`` yields a held-out value ``v_c`` (a bound, or an entropy) and the influence
``phi_ci`` of each of its held-out samples on it: ``v_c`` is, to first order, the mean of a
per-sample quantity, and ``phi_ci`` is that quantity minus its mean (for the Donsker–Varadhan
bound, whose partition term is a two-sample U-statistic over pairs, its Hájek projection).

* **Cross-fitting.** The critics hold out disjoint folds that cover the data; the estimate
  is the sample-weighted mean of their values, i.e. the bound read out on every sample once.
* **Optimism correction** (``"optimism"``). A critic fitted to ``m`` samples scores its own
  training samples higher, and new samples lower, than the best critic of its class would:
  to first order in ``1 / m`` by the same amount (the optimism of the apparent error,
  Efron 1983 and 1986; the symmetry behind Akaike's and Takeuchi's criteria). Each critic
  is therefore also read out on its training samples, and half the pooled gap between that
  apparent bound and the held-out one is added: the estimate is their midpoint. A negative
  pooled gap corrects nothing.
* **Uncertainty.** The variance of the estimate is the larger of two data-driven estimates:
  the per-sample influences (held-out sampling noise, with the critics fixed) and the spread of
  the fold estimates (which also sees how differently the critics trained). Intervals are
  normal, ``estimate ± z * std``; with the optimism correction they are widened by the
  correction itself (the correction is first-order and as uncertain as it is large), so that
  they run from ``z`` standard errors below the held-out bound to ``z`` above the apparent
  one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import torch
from scipy.stats import chi2, norm
from torch import Tensor

from ..objectives import log_mean_exp
from .folds import CriticLayout


@dataclass(frozen=True)
class Estimate:
    """One estimated quantity under the estimate policy (nats).

    Attributes
    ----------
    value : float
        The recommended estimate (corrected when the policy corrects).
    raw : float
        The cross-fitted held-out value of the critics, uncorrected.
    std : float
        Standard error of ``value``: the larger of ``noise_std`` and the fold spread's.
    noise_std : float
        Standard error from the held-out samples' influences alone (critics held fixed).
    folds : tuple of float
        Per-fold values of the estimate (corrected when ``value`` is).
    raw_folds : tuple of float
        Per-fold held-out values, uncorrected (empty: the same as ``folds``).
    apparent : float
        The critics' pooled bound on their own training samples (NaN when not
        read out).
    optimism : float
        The optimism correction added to ``raw`` (half the pooled apparent-minus-held-out
        gap, at least 0; 0 without the correction). It also widens the interval.
    """

    value: float
    raw: float
    std: float
    noise_std: float
    folds: tuple[float, ...]
    raw_folds: tuple[float, ...] = ()
    apparent: float = math.nan
    optimism: float = 0.0

    @property
    def gap(self) -> float:
        """Apparent minus held-out bound (nats; NaN when the apparent one was not read out)."""
        return self.apparent - self.raw

    def interval(self, level: float, lower: float | None = None) -> tuple[float, float]:
        """Normal ``level`` interval widened by the optimism correction, clipped at ``lower``.

        Both ends are clipped, so the interval of a value far below ``lower`` is the point
        ``(lower, lower)``, never one whose low end exceeds its high end.
        """
        half = float(norm.ppf(0.5 + level / 2.0)) * self.std + self.optimism
        low, high = self.value - half, self.value + half
        if lower is not None:
            low, high = max(low, lower), max(high, lower)
        return (low, high)


def shifted(estimate: Estimate, offset: float) -> Estimate:
    """The estimate of ``quantity + offset`` (e.g. an entropy moved back to data units)."""
    return replace(
        estimate,
        value=estimate.value + offset,
        raw=estimate.raw + offset,
        folds=tuple(v + offset for v in estimate.folds),
        raw_folds=tuple(v + offset for v in estimate.raw_folds),
        apparent=estimate.apparent + offset,
    )


def dv_statistics(
    t_joint: Tensor, mask: Tensor, t_marginal: Tensor, rows: Tensor, cols: Tensor
) -> tuple[Tensor, Tensor]:
    """Per-critic DV bound and the influence of each held-out sample on it.

    Parameters
    ----------
    t_joint : Tensor of shape (n_critics, n)
        Critic values on the held-out joint pairs (padding where ``mask`` is False).
    mask : Tensor of shape (n_critics, n)
        Real held-out entries.
    t_marginal : Tensor of shape (n_critics, n_pairs)
        Critic values on the product-of-marginal pairs ``(x[rows], y[cols])``.
    rows, cols : Tensor of shape (n_critics, n_pairs)
        Positions (in ``0 .. n - 1``) of the pairs' ``x`` and ``y``.

    Returns
    -------
    values : Tensor of shape (n_critics,)
    influence : Tensor of shape (n_critics, n)
        Zero on padding.
    """
    weights = mask.to(t_joint.dtype)
    counts = weights.sum(dim=1)
    joint_mean = (t_joint * weights).sum(dim=1) / counts
    values = joint_mean - log_mean_exp(t_marginal, dim=1)
    # Share of each held-out sample in the partition term, as an x and as a y of a pair.
    pair_weights = torch.softmax(t_marginal, dim=1)
    share = torch.zeros_like(t_joint)
    share.scatter_add_(1, rows, pair_weights).scatter_add_(1, cols, pair_weights)
    influence = (t_joint - joint_mean[:, None]) - (counts[:, None] * share - 2.0)
    return values, influence * weights


def mean_statistics(per_sample: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
    """Per-critic mean of a per-sample quantity and the samples' influences on it."""
    weights = mask.to(per_sample.dtype)
    values = (per_sample * weights).sum(dim=1) / weights.sum(dim=1)
    return values, (per_sample - values[:, None]) * weights


def combine(
    values: Tensor,
    influence: Tensor,
    layout: CriticLayout,
    reference_variance: Tensor | None = None,
    apparent_values: Tensor | None = None,
    correct_optimism: bool = False,
) -> Estimate:
    """Cross-fitted, corrected estimate and its standard error (see the module notes).

    Parameters
    ----------
    values : Tensor of shape (n_critics,)
        Each critic's held-out value.
    influence : Tensor of shape (n_critics, n)
        Each held-out sample's influence on its critic's value (zero on padding).
    layout : CriticLayout
        The critics' held-out sets (their sizes weight the folds).
    reference_variance : Tensor of shape (n_critics,), optional
        Variance of each critic's value from other independent samples it was read out on
        (MINEE's reference draws, each critic its own), added to the held-out noise.
    apparent_values : Tensor of shape (n_critics,), optional
        Each critic's value on its own training samples.
    correct_optimism : bool
        Add half the pooled gap between ``apparent_values`` and ``values`` (needs them).
    """
    raw_folds = values.detach().double().cpu()
    influence = influence.detach().double().cpu()
    sizes = layout.held_out_size.double().cpu()
    weights = sizes / sizes.sum()
    per_fold = raw_folds
    raw = float((raw_folds * weights).sum())
    apparent, optimism = math.nan, 0.0
    if apparent_values is not None:
        apparent_folds = apparent_values.detach().double().cpu()
        apparent = float((apparent_folds * weights).sum())
        if correct_optimism and math.isfinite(apparent) and apparent > raw:
            optimism = (apparent - raw) / 2.0
            per_fold = (raw_folds + apparent_folds) / 2.0
    value = float((per_fold * weights).sum())
    estimate = Estimate(
        value,
        raw,
        math.nan,
        math.nan,
        tuple(per_fold.tolist()),
        tuple(raw_folds.tolist()),
        apparent,
        optimism,
    )
    if not math.isfinite(value):
        return estimate
    n_total = float(sizes.sum())
    dof = torch.clamp(sizes - 1.0, min=1.0)
    noise_variance = float((influence.pow(2).sum(dim=1) / dof * sizes).sum() / n_total**2)
    if reference_variance is not None:
        extra = reference_variance.detach().double().cpu()
        noise_variance += float((weights.pow(2) * extra).sum())
    variance = noise_variance
    n_folds = layout.n_critics
    if n_folds > 1:
        spread = float((weights * (per_fold - value).pow(2)).sum()) * n_folds / (n_folds - 1)
        variance = max(variance, spread / n_folds)
    return replace(estimate, std=math.sqrt(variance), noise_std=math.sqrt(noise_variance))


@dataclass(frozen=True)
class Influence:
    """One evaluation's per-critic values with every sample's influence on them.

    Two evaluations of critics read out on the same held-out samples (and, for MINEE, the
    same reference draws) differ by much less noise than either value alone:
    :meth:`change_std` is the standard error of their paired difference.

    Attributes
    ----------
    values : Tensor of shape (n_critics,)
        Each critic's held-out value.
    influence : Tensor of shape (n_critics, n)
        Each held-out sample's influence on its critic's value.
    layout : CriticLayout
        The critics' held-out sets.
    reference : Tensor of shape (n_critics, n_reference), optional
        Each reference draw's influence on its critic's value.
    """

    values: Tensor
    influence: Tensor
    layout: CriticLayout
    reference: Tensor | None = None

    def change_std(self, earlier: Influence) -> float:
        """Standard error of the change in the pooled value since ``earlier`` (same
        samples), from the change in every sample's influence."""
        reference = None
        if self.reference is not None and earlier.reference is not None:
            reference = reference_variance(self.reference - earlier.reference)
        change = combine(
            self.values - earlier.values, self.influence - earlier.influence, self.layout, reference
        )
        return change.noise_std


def reference_variance(influence: Tensor | None) -> Tensor | None:
    """Per-critic variance of a value from its reference samples' influences (delta method)."""
    if influence is None:
        return None
    n = influence.shape[1]
    return influence.pow(2).sum(dim=1) / (n * max(n - 1, 1))


def pooled_mean(values: Tensor, layout: CriticLayout) -> float:
    """Held-out-sample-weighted mean of per-critic values: the cross-fitted value."""
    sizes = layout.held_out_size.to(device=values.device, dtype=values.dtype)
    return float((values * sizes).sum() / sizes.sum())


def fold_disagreement(estimate: Estimate) -> float:
    """Chi-square p-value that the uncorrected fold values differ only by held-out noise (1
    for one fold)."""
    folds = np.asarray(estimate.raw_folds or estimate.folds)
    if folds.size < 2 or not estimate.noise_std > 0:
        return 1.0
    # Each fold's standard error is about sqrt(K) times that of the pooled estimate.
    fold_var = estimate.noise_std**2 * folds.size
    statistic = float(((folds - folds.mean()) ** 2).sum() / fold_var)
    return float(chi2.sf(statistic, folds.size - 1))


def fitted_estimate(estimator, name: str) -> Estimate:
    """The estimate ``name`` of a fitted estimator, rebuilt from its ``name_*`` attributes
    (its folds and apparent bound are not kept)."""
    value = getattr(estimator, f"{name}_")
    raw = getattr(estimator, f"{name}_raw_")
    std = getattr(estimator, f"{name}_std_")
    return Estimate(value, raw, std, std, (), optimism=max(value - raw, 0.0))


def difference(first: Estimate, second: Estimate) -> Estimate:
    """The estimate of ``first - second``, two quantities estimated on the same samples.

    The standard errors add in quadrature (an upper bound when the two errors are positively
    correlated, as two estimates from the same samples are), and the interval is widened by
    both optimism corrections: each is as uncertain as it is large, and they need not
    cancel. So ``optimism`` here is that widening, not ``value - raw``.
    """
    return Estimate(
        value=first.value - second.value,
        raw=first.raw - second.raw,
        std=math.hypot(first.std, second.std),
        noise_std=math.hypot(first.noise_std, second.noise_std),
        folds=(),
        optimism=first.optimism + second.optimism,
    )
