"""Training problem of MI-NEE: critics between the data and known reference distributions.

For each variable ``Z`` in ``(X, Y)``, ``X`` and ``Y`` a stack of critics (one per fold, see
:mod:`skmine._crossfit`) maximises the DV bound on ``D(p_Z || p_ref)`` against fresh reference
samples at every step; then ``H(Z) = E[-log p_ref(Z)] - D(p_Z || p_ref)`` and
``I(X; Y) = H(X) + H(Y) - H(X, Y)``, each read out on the critics' held-out samples.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from . import objectives
from ._crossfit import CriticLayout
from ._readout import Estimate, combine, group_mean, mean_statistics

EVAL_REFERENCE_SAMPLES = 65_536
MIN_EFFECTIVE_REFERENCE_SAMPLES = 100.0

_batched_dv = torch.vmap(objectives.donsker_varadhan)


def effective_sample_size(log_weights: Tensor) -> Tensor:
    """Kish's effective sample size of importance weights ``exp(log_weights)`` (last axis)."""
    return torch.exp(2 * torch.logsumexp(log_weights, -1) - torch.logsumexp(2 * log_weights, -1))


class EntropicProblem:
    """Critic stacks for ``xy``, ``x`` and ``y`` (those present), their references and data.

    Parameters
    ----------
    critics : nn.ModuleDict
        Keys among ``"xy"``, ``"x"``, ``"y"``; each a stack ``critic(z, empty)`` on
        ``(n_critics, n, dim)`` inputs.
    references : dict
        Reference distribution per key in ``("xy", "x", "y")``; ``"y"`` may be a label
        reference without a critic (its divergence is then taken as 0).
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
    """

    def __init__(
        self,
        critics: nn.ModuleDict,
        references: dict,
        x: Tensor,
        y: Tensor,
        layout: CriticLayout,
        *,
        batch_size: int,
        reference_size: int,
        generator: torch.Generator,
    ) -> None:
        self.module = critics
        self.references = references
        self.layout = layout
        self.parts = {"x": x}
        if "y" in references:
            self.parts["y"] = y
            self.parts["xy"] = torch.cat([x, y], dim=1)
        self.batch_size = batch_size
        self.reference_size = reference_size
        self.generator = generator
        per_critic = max(1, EVAL_REFERENCE_SAMPLES // layout.n_critics)
        self.eval_reference = {key: self._reference_sample(key, per_critic) for key in critics}
        # The cross-entropy of every sample under each reference: fixed, so computed once.
        self.cross_entropy = {key: -references[key].log_prob(z) for key, z in self.parts.items()}

    def _reference_sample(self, key: str, per_critic: int) -> Tensor:
        flat = self.references[key].sample(self.layout.n_critics * per_critic, self.generator)
        return flat.reshape(self.layout.n_critics, per_critic, -1)

    def _critic(self, key: str, z: Tensor) -> Tensor:
        return self.module[key](z, z.new_zeros((*z.shape[:-1], 0)))

    def training_loss(self) -> tuple[Tensor, Tensor]:
        index = self.layout.sample_training(self.batch_size, self.generator)
        n_reference = self.batch_size * self.reference_size
        objective = 0.0
        entropies = {}
        for key, z in self.parts.items():
            cross_entropy = self.cross_entropy[key][index].mean(dim=1)
            if key in self.module:
                t_data = self._critic(key, z[index])
                t_reference = self._critic(key, self._reference_sample(key, n_reference))
                divergence = _batched_dv(t_data, t_reference)
                objective = objective + divergence.sum()
                entropies[key] = cross_entropy - divergence.detach()
            else:
                entropies[key] = cross_entropy
        if "xy" in entropies:
            shown = entropies["x"] + entropies["y"] - entropies["xy"]
        else:
            shown = entropies["x"]
        return -objective, shown.mean()

    def _held_out_terms(self) -> tuple[dict, dict[str, Tensor], Tensor]:
        """Per key: per-critic entropy and influences, per-critic divergence; smallest ESS."""
        layout = self.layout
        mask = layout.held_out_mask
        terms = {}
        divergences = {}
        ess = []
        for key, z in self.parts.items():
            per_sample = self.cross_entropy[key][layout.held_out]
            if key in self.module:
                t_data = self._critic(key, z[layout.held_out])
                t_reference = self._critic(key, self.eval_reference[key])
                per_sample = per_sample - t_data
                log_partition = objectives.log_mean_exp(t_reference, dim=1)
                values, influence = mean_statistics(per_sample, mask)
                values = values + log_partition
                mean_t = (t_data * mask).sum(dim=1) / mask.sum(dim=1)
                divergences[key] = mean_t - log_partition
                ess.append(effective_sample_size(t_reference).min())
            else:
                values, influence = mean_statistics(per_sample, mask)
            terms[key] = (values, influence)
        smallest = torch.stack(ess).min() if ess else torch.tensor(float("inf"))
        return terms, divergences, smallest

    def estimates(self, final: bool = False) -> dict:
        """Estimates of the entropies (scaled units) and the MI; ``final`` changes nothing."""
        terms, divergences, ess = self._held_out_terms()
        out: dict = {
            f"h_{key}": combine(values, influence, self.layout)
            for key, (values, influence) in terms.items()
        }
        if "xy" in terms:
            values = terms["x"][0] + terms["y"][0] - terms["xy"][0]
            influence = terms["x"][1] + terms["y"][1] - terms["xy"][1]
            out["mutual_info"] = combine(values, influence, self.layout)
        out["divergences"] = divergences
        out["reference_ess"] = float(ess)
        return out

    def score(self) -> float:
        """Sum of the held-out divergence bounds of the full-size critics."""
        divergences = self.estimates()["divergences"].values()
        return sum(group_mean(d, self.layout, "full") for d in divergences)

    def evaluate(self) -> dict[str, float]:
        """Held-out metrics; ``"estimate"`` sums every critic group's divergence bounds."""
        out = self.estimates()
        divergences = out["divergences"]
        groups = self.layout.groups
        metrics = {
            "estimate": sum(
                group_mean(d, self.layout, g) for d in divergences.values() for g in groups
            )
        }
        for key in self.parts:
            d = divergences.get(key)
            metrics[f"d_{key}"] = 0.0 if d is None else group_mean(d, self.layout, "full")
        for key, value in out.items():
            if isinstance(value, Estimate):
                metrics[key] = value.value
        metrics["reference_ess"] = out["reference_ess"]
        metrics["eligible"] = float(out["reference_ess"] >= MIN_EFFECTIVE_REFERENCE_SAMPLES)
        return metrics
