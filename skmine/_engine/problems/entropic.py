"""Training problem of MI-NEE: critics between the data and known reference distributions.

For each variable ``Z`` in ``(X, Y)``, ``X`` and ``Y`` a stack of critics (one per fold, see
:mod:`skmine._crossfit`) maximises the DV bound on ``D(p_Z || p_ref)`` against fresh reference
samples at every step; then ``H(Z) = E[-log p_ref(Z)] - D(p_Z || p_ref)`` and
``I(X; Y) = H(X) + H(Y) - H(X, Y)``, each read out on the critics' held-out samples.
"""

from __future__ import annotations

from dataclasses import replace

import torch
from torch import Tensor, nn

from ... import objectives
from ..folds import CriticLayout
from ..pairs import EVAL_CHUNK
from ..readout import (
    Estimate,
    Influence,
    combine,
    mean_statistics,
    pooled_mean,
    reference_variance,
)

EVAL_REFERENCE_SAMPLES = 65_536
MIN_EFFECTIVE_REFERENCE_SAMPLES = 100.0
# The second critic of (x, y), against the product of the references of x and y.
PRODUCT = "xy_product"
# Its joint entropy is reported when it is below the joint reference's by more than this
# many standard errors of their paired difference (the lead that ends the race between
# MINE's critic variants).
PRODUCT_SELECTION_Z = 3.0


def effective_sample_size(log_weights: Tensor) -> Tensor:
    """Kish's effective sample size of importance weights ``exp(log_weights)`` (last axis)."""
    return torch.exp(2 * torch.logsumexp(log_weights, -1) - torch.logsumexp(2 * log_weights, -1))


class EntropicProblem:
    """Critics for ``xy``, ``x`` and ``y`` (those present), their references and data.

    Every variable is a block of columns of the joint rows ``[x, y]``: ``x`` the first
    ``dim_x``, ``y`` the rest, ``xy`` all. One draw of the joint reference serves the three
    critics (the references of ``x`` and ``y`` are its marginals). With a reference
    ``"xy_product"`` (the product of those of ``x`` and ``y``), a second critic of ``(x, y)``
    is trained against it, on the same draw with its ``y`` part shifted by one row (so every
    row pairs independent draws), and the lower of the two joint-entropy bounds is kept
    (see :meth:`estimates`).

    Parameters
    ----------
    critics : nn.Module
        ``critics(rows)`` on ``(n_critics, n, width)`` joint rows returns a dict of
        ``(n_critics, n)`` scores, keyed by the variables among ``"xy"``, ``"x"``, ``"y"``
        (and ``"xy_product"``) that have a critic (see
        :func:`skmine.critics.make_block_critics`); a variable without one has divergence 0
        from its reference. With ``"xy_product"`` it takes ``(n_blocks, n_critics, n,
        width)`` rows, each block its own, in the order of ``critics.block_names``.
    references : dict
        Reference distribution per key in ``("xy", "x", "y")``; those of ``"x"`` and ``"y"``
        must be the marginals of that of ``"xy"``. ``"y"`` may be a label reference.
    x, y : Tensor
        All preprocessed samples; ``y`` has 0 columns when there is no ``y``.
    layout : CriticLayout
        Training and held-out samples of each critic.
    batch_size : int
        Data samples per minibatch and critic.
    reference_size : int
        Reference samples per data sample in each minibatch.
    generator : torch.Generator
        All randomness.
    log_jacobian : dict, optional
        Per key, ``log |det g'(z)|`` of the scaling ``g`` at every sample (shape ``(n,)``),
        subtracted from the cross-entropy so that the entropies come out in the data's
        units; zero when omitted.
    correct_optimism : bool, default=False
        Whether the final estimates (``estimates(final=True)``) add the optimism correction
        of each divergence (see :meth:`estimates`).
    """

    def __init__(
        self,
        critics: nn.Module,
        references: dict,
        x: Tensor,
        y: Tensor,
        layout: CriticLayout,
        *,
        batch_size: int,
        reference_size: int,
        generator: torch.Generator,
        log_jacobian: dict[str, Tensor] | None = None,
        correct_optimism: bool = False,
    ) -> None:
        self.module = critics
        self.correct_optimism = correct_optimism
        self.references = references
        self.layout = layout
        dim_x = x.shape[1]
        self.dim_x = dim_x
        self.columns = {"x": slice(0, dim_x)}
        if "y" in references:
            self.columns.update(xy=slice(0, None), y=slice(dim_x, None))
            if PRODUCT in references:
                self.columns[PRODUCT] = slice(0, None)
        self.top = "xy" if "xy" in self.columns else "x"
        self.rows = torch.cat([x, y], dim=1) if self.top == "xy" else x
        self.batch_size = batch_size
        self.reference_size = reference_size
        self.generator = generator
        self.eval_reference = self._reference_sample(
            max(1, EVAL_REFERENCE_SAMPLES // layout.n_critics)
        )
        # The cross-entropy of every sample under each reference (less the scaling's
        # log-Jacobian): fixed, so computed once.
        log_jacobian = log_jacobian or {}
        self.cross_entropy = {}
        for key, columns in self.columns.items():
            value = -references[key].log_prob(self.rows[:, columns])
            jacobian_key = "xy" if key == PRODUCT else key
            if jacobian_key in log_jacobian:
                value = value - log_jacobian[jacobian_key].to(value)
            self.cross_entropy[key] = value

    def _reference_sample(self, per_critic: int) -> Tensor:
        """``(n_critics, per_critic, width)`` draws of the joint (or only) reference."""
        flat = self.references[self.top].sample(self.layout.n_critics * per_critic, self.generator)
        return flat.reshape(self.layout.n_critics, per_critic, -1)

    def _product_sample(self, reference: Tensor) -> Tensor:
        """Draws of the product reference from ``(n_critics, n, width)`` joint draws.

        Their ``y`` part is shifted by one row, so that every row pairs two independent
        draws of the joint reference: a draw of the product of its marginals.
        """
        split = self.dim_x
        return torch.cat([reference[..., :split], reference[..., split:].roll(1, 1)], -1)

    def _critic_values(
        self, data: Tensor, reference: Tensor, product: Tensor | None = None
    ) -> dict[str, Tensor]:
        """Each critic's scores on ``(n_critics, n, width)`` data rows, then reference rows.

        The critic against the product reference sees ``product`` in place of
        ``reference`` (by default, :meth:`_product_sample` of it).
        """
        rows = torch.cat([data, reference], dim=1)
        if PRODUCT not in self.columns:
            return self.module(rows)
        product = self._product_sample(reference) if product is None else product
        product_rows = torch.cat([data, product], dim=1)
        names = self.module.block_names
        return self.module(torch.stack([product_rows if k == PRODUCT else rows for k in names]))

    def training_loss(self) -> tuple[Tensor, Tensor]:
        index = self.layout.sample_training(self.batch_size, self.generator)
        n_data = self.batch_size
        reference = self._reference_sample(self.batch_size * self.reference_size)
        values = self._critic_values(self.rows[index], reference)
        objective = 0.0
        entropies = {}
        for key in self.columns:
            cross_entropy = self.cross_entropy[key][index].mean(dim=1)
            if key in values:
                joint, reference = values[key][:, :n_data], values[key][:, n_data:]
                divergence = objectives.donsker_varadhan(joint, reference)
                objective = objective + divergence.sum()
                entropies[key] = cross_entropy - divergence.detach()
            else:
                entropies[key] = cross_entropy
        if "xy" in entropies:
            joint = entropies["xy"]
            if PRODUCT in entropies:
                joint = torch.minimum(joint, entropies[PRODUCT])
            shown = entropies["x"] + entropies["y"] - joint
        else:
            shown = entropies["x"]
        return -objective, shown.mean()

    def _held_out_terms(
        self, layout: CriticLayout | None = None
    ) -> tuple[dict, dict[str, tuple], dict[str, Tensor], Tensor]:
        """Per key: entropy terms, divergence terms and partition term; the smallest ESS.

        A key's entropy terms are its per-critic held-out entropy, the held-out samples'
        influences on it, and the reference samples' influences on it (through the
        partition term; ``None`` without a critic). Its divergence terms (keys with a
        critic) are the same three for the critic's divergence bound. ``layout`` (default:
        the problem's) says which samples each critic is read out on.
        """
        layout = self.layout if layout is None else layout
        mask = layout.held_out_mask
        held_out = self.rows[layout.held_out]
        n_held = held_out.shape[1]
        chunk = max(1, EVAL_CHUNK // (layout.n_critics * len(self.columns)))
        parts = [
            self._critic_values(held_out[:, s : s + chunk], self.eval_reference[:, :0])
            for s in range(0, n_held, chunk)
        ]
        reference, product = self.eval_reference, self._product_sample(self.eval_reference)
        parts += [
            self._critic_values(
                held_out[:, :0], reference[:, s : s + chunk], product[:, s : s + chunk]
            )
            for s in range(0, reference.shape[1], chunk)
        ]
        values = {key: torch.cat([part[key] for part in parts], 1) for key in parts[0]}
        n_reference = self.eval_reference.shape[1]
        terms = {}
        divergences = {}
        partitions = {}
        ess = []
        for key in self.columns:
            per_sample = self.cross_entropy[key][layout.held_out]
            reference_influence = None
            if key in values:
                t_data, t_reference = values[key][:, :n_held], values[key][:, n_held:]
                per_sample = per_sample - t_data
                log_partition = objectives.log_mean_exp(t_reference, dim=1)
                estimate, influence = mean_statistics(per_sample, mask)
                estimate = estimate + log_partition
                mean_t, data_influence = mean_statistics(t_data, mask)
                partitions[key] = log_partition
                ess.append(effective_sample_size(t_reference).min())
                reference_influence = n_reference * torch.softmax(t_reference, dim=1) - 1.0
                divergences[key] = (mean_t - log_partition, data_influence, -reference_influence)
            else:
                estimate, influence = mean_statistics(per_sample, mask)
            terms[key] = (estimate, influence, reference_influence)
        smallest = torch.stack(ess).min() if ess else torch.tensor(float("inf"))
        return terms, divergences, partitions, smallest

    def estimates(self, final: bool = False) -> dict:
        """Estimates of the entropies (data units) and the MI.

        Every evaluation reads out against the same ``EVAL_REFERENCE_SAMPLES`` reference
        draws. Their own noise, through each critic's partition term, is part of the
        standard errors: the partition terms of MINEE's critics can rest on few reference
        samples (data near a thin manifold), and with 16,384 draws the spiral's MI moved
        by half a nat between the checkpoint's evaluation and a fresh readout.

        With ``final=True`` and ``correct_optimism``, each critic is also read out on its
        training samples against the same reference draws. Its divergence bound there (the
        apparent one) exceeds the held-out bound by about twice its optimism, as for
        :class:`~skmine.MINE`'s bound: the reference draws are fresh at every step, so only
        the data term ``E[T]`` is fitted to the samples. Each divergence is corrected by
        half its pooled gap (at least 0), so each entropy comes down by its own
        correction. The references were fitted to the same samples, so their
        cross-entropy there is low by about ``n_parameters / (2 n)`` (Akaike): each
        entropy goes up by that. The MI moves by the signed sum of its entropies'
        corrections (for Gaussian references the Akaike terms leave ``-dim_x dim_y /
        (2 n)``, the plug-in Gaussian MI's bias). Every interval is widened by its net
        correction from the critics and its net Akaike term, each unsigned: the joint
        critic scores on top of the marginal ones
        (:func:`skmine.critics.joint_on_marginals`), so their optimism is shared and
        cancels in the MI as it does in its correction.

        With a critic against the product reference, both joint entropies are upper bounds
        (a cross-entropy less a lower bound on a divergence), and the MI uses the lower:
        the product's when it is below the joint reference's by more than
        ``PRODUCT_SELECTION_Z`` standard errors of their paired difference (the same
        held-out samples), which ``"joint_key"`` names.
        """
        terms, divergences, partitions, ess = self._held_out_terms()
        critic = dict.fromkeys(terms, 0.0)  # taken off each entropy
        akaike = dict.fromkeys(terms, 0.0)  # added to each entropy
        if final and self.correct_optimism and self.layout.has_training_sets:
            _, apparent, _, _ = self._held_out_terms(self.layout.training_view())
            n_samples = self.rows.shape[0]
            for key in terms:
                if key in apparent:
                    gap = pooled_mean(apparent[key][0], self.layout) - pooled_mean(
                        divergences[key][0], self.layout
                    )
                    critic[key] = max(gap, 0.0) / 2.0
                akaike[key] = self.references[key].n_parameters / (2.0 * n_samples)
        out: dict = {}
        for key, (values, influence, reference) in terms.items():
            estimate = combine(values, influence, self.layout, reference_variance(reference))
            out[f"h_{key}"] = _corrected(
                estimate, akaike[key] - critic[key], akaike[key] + critic[key]
            )
        if "xy" in terms:
            joint = self._joint_key(terms, out)
            out["joint_key"] = joint
            signs = {"x": 1.0, "y": 1.0, joint: -1.0}
            values = sum(signs[k] * terms[k][0] for k in signs)
            influence = sum(signs[k] * terms[k][1] for k in signs)
            reference = [signs[k] * terms[k][2] for k in signs if terms[k][2] is not None]
            estimate = combine(values, influence, self.layout, reference_variance(sum(reference)))
            reference_shift = sum(signs[k] * akaike[k] for k in signs)
            critic_shift = -sum(signs[k] * critic[k] for k in signs)
            out["mutual_info"] = _corrected(
                estimate,
                reference_shift + critic_shift,
                abs(reference_shift) + abs(critic_shift),
            )
        out["divergences"] = divergences
        out["log_partition"] = partitions
        out["reference_ess"] = float(ess)
        return out

    def _joint_key(self, terms: dict, entropies: dict) -> str:
        """``"xy_product"`` when its joint entropy is clearly the lower, else ``"xy"``.

        The entropies compared are the reported ones (``entropies``, corrected when final:
        a joint reference of many parameters fits the samples it is read out on better
        than the product of two smaller ones, by its Akaike term); the standard error is
        that of their held-out difference, paired on the same samples.
        """
        if PRODUCT not in terms:
            return "xy"
        (joint, joint_influence, joint_reference) = terms["xy"]
        (product, product_influence, product_reference) = terms[PRODUCT]
        difference = combine(
            joint - product,
            joint_influence - product_influence,
            self.layout,
            reference_variance(joint_reference) + reference_variance(product_reference),
        )
        lead = entropies["h_xy"].value - entropies[f"h_{PRODUCT}"].value
        return PRODUCT if lead > PRODUCT_SELECTION_Z * difference.std else "xy"

    def _criterion(self, out: dict) -> Influence:
        """The checkpoint's criterion: the sum of the critics' held-out divergence bounds.

        With two critics of ``(x, y)`` both bounds count, so one checkpoint serves the two;
        which of them the MI uses is decided afterwards (:meth:`_joint_key`). Returned per
        critic, with every held-out sample's and reference draw's influence on it (the
        critics share the draws), for the stopping rule's paired comparisons.
        """
        divergences = list(out["divergences"].values())
        return Influence(
            values=sum(d[0] for d in divergences),
            influence=sum(d[1] for d in divergences),
            layout=self.layout,
            reference=sum(d[2] for d in divergences),
        )

    def score(self) -> float:
        """The checkpoint's criterion (:meth:`_criterion`) on the held-out samples."""
        return pooled_mean(self._criterion(self.estimates()).values, self.layout)

    def evaluate(self) -> dict:
        """Held-out metrics; ``"estimate"`` is the checkpoint's criterion and
        ``"estimate_influence"`` its :class:`~skmine._engine.readout.Influence`."""
        out = self.estimates()
        divergences = out["divergences"]
        criterion = self._criterion(out)
        metrics = {
            "estimate": pooled_mean(criterion.values, self.layout),
            "estimate_influence": criterion,
        }
        for key in self.columns:
            d = divergences.get(key)
            metrics[f"d_{key}"] = 0.0 if d is None else pooled_mean(d[0], self.layout)
        for key, value in out.items():
            if isinstance(value, Estimate):
                metrics[key] = value.value
        metrics["reference_ess"] = out["reference_ess"]
        metrics["eligible"] = float(out["reference_ess"] >= MIN_EFFECTIVE_REFERENCE_SAMPLES)
        return metrics


def pointwise_mutual_info(
    critics: nn.Module,
    references: dict,
    rows: Tensor,
    dim_x: int,
    log_partitions: dict,
    joint_key: str = "xy",
) -> Tensor:
    """Each sample's estimated ``log p(x, y) / (p(x) p(y))``, averaged over the critics.

    Each critic estimates its variable's log density as ``log p_ref + T - log Z`` (``Z``
    its partition term against the reference, ``log_partitions[key]`` per critic); the
    pointwise MI is ``log p(x, y) - log p(x) - log p(y)``. A variable without a critic has
    the reference's density. ``rows`` are ``(n, width)`` preprocessed ``[x, y]`` rows; the
    scaling's Jacobians cancel, so the result is in the data's terms. ``joint_key`` names
    the critic of ``(x, y)`` whose estimate is used (``"xy"`` or ``"xy_product"``).
    """
    k = next(iter(log_partitions.values())).shape[0] if log_partitions else 1
    values = critics(rows.expand(k, -1, -1))
    columns = {joint_key: slice(0, None), "x": slice(0, dim_x), "y": slice(dim_x, None)}
    signs = {joint_key: 1.0, "x": -1.0, "y": -1.0}
    total = torch.zeros(rows.shape[0], dtype=rows.dtype, device=rows.device)
    for key, sign in signs.items():
        log_density = references[key].log_prob(rows[:, columns[key]]).to(rows.dtype)
        if key in values:
            partition = log_partitions[key].to(rows)[:, None]
            log_density = log_density + (values[key] - partition).mean(dim=0)
        total = total + sign * log_density
    return total


def _corrected(estimate: Estimate, shift: float, widening: float) -> Estimate:
    """``estimate`` moved by an optimism correction ``shift``, its interval widened by
    ``widening``; ``raw`` stays the held-out value."""
    if not (shift or widening):
        return estimate
    return replace(
        estimate,
        value=estimate.value + shift,
        folds=tuple(v + shift for v in estimate.folds),
        optimism=widening,
    )
