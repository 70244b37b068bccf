"""Training problem of MI-NEE: critics between the data and known reference distributions.

For each variable ``Z`` in ``(X, Y)``, ``X`` and ``Y`` a critic maximises the DV bound on
``D(p_Z || p_ref)`` against fresh reference samples at every step; then
``H(Z) = E[-log p_ref(Z)] - D(p_Z || p_ref)`` and ``I(X; Y) = H(X) + H(Y) - H(X, Y)``.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .objectives import donsker_varadhan

EVAL_REFERENCE_SAMPLES = 65_536
MIN_EFFECTIVE_REFERENCE_SAMPLES = 100.0


def effective_sample_size(log_weights: Tensor) -> Tensor:
    """Kish's effective sample size of importance weights ``exp(log_weights)``."""
    return torch.exp(2 * torch.logsumexp(log_weights, 0) - torch.logsumexp(2 * log_weights, 0))


class EntropicProblem:
    """Critics for ``xy``, ``x`` and ``y`` (those present), their references and data splits.

    Parameters
    ----------
    critics : nn.ModuleDict
        Keys among ``"xy"``, ``"x"``, ``"y"``; each ``critic(z, empty) -> (n,)``.
    references : dict
        Reference distribution per key in ``("xy", "x", "y")``; ``"y"`` may be a label
        reference without a critic (its divergence is then taken as 0).
    x_train, y_train, x_val, y_val : Tensor
        Preprocessed data; ``y`` has 0 columns when there is no ``y``.
    batch_size : int
        Data samples per minibatch.
    reference_size : int
        Reference samples per data sample in each minibatch.
    generator : torch.Generator
        All randomness.
    """

    def __init__(
        self,
        critics: nn.ModuleDict,
        references: dict,
        x_train: Tensor,
        y_train: Tensor,
        x_val: Tensor,
        y_val: Tensor,
        *,
        batch_size: int,
        reference_size: int,
        generator: torch.Generator,
    ) -> None:
        self.module = critics
        self.references = references
        self.train_parts = self._parts(x_train, y_train)
        self.val_parts = self._parts(x_val, y_val)
        self.n_train = x_train.shape[0]
        self.batch_size = min(batch_size, self.n_train)
        self.reference_size = reference_size
        self.generator = generator
        self._empty = x_train.new_zeros((0,))
        self.eval_reference = {
            key: references[key].sample(EVAL_REFERENCE_SAMPLES, generator) for key in critics
        }

    def _parts(self, x: Tensor, y: Tensor) -> dict[str, Tensor]:
        parts = {"x": x}
        if "y" in self.references:
            parts["y"] = y
            parts["xy"] = torch.cat([x, y], dim=1)
        return parts

    def _critic(self, key: str, z: Tensor) -> Tensor:
        return self.module[key](z, z.new_zeros((z.shape[0], 0)))

    def _terms(self, parts: dict[str, Tensor], reference_samples) -> dict[str, Tensor]:
        """Divergence bounds, cross-entropies and entropies (scaled units) for each variable.

        Also the smallest effective number of reference samples behind a partition term
        (``"reference_ess"``): when the critic's ``exp(T)`` is carried by a handful of
        reference samples, ``log E_ref[exp T]`` is underestimated and the divergence runs away.
        """
        terms = {}
        ess = []
        for key, z in parts.items():
            if key in self.module:
                t_data = self._critic(key, z)
                t_reference = self._critic(key, reference_samples(key))
                divergence = donsker_varadhan(t_data, t_reference)
                ess.append(effective_sample_size(t_reference.detach()))
            else:
                divergence = z.new_zeros(())
            cross_entropy = -self.references[key].log_prob(z).mean()
            terms[f"d_{key}"] = divergence
            terms[f"h_{key}"] = cross_entropy - divergence
        if "xy" in parts:
            terms["mutual_info"] = terms["h_x"] + terms["h_y"] - terms["h_xy"]
        terms["reference_ess"] = torch.stack(ess).min()
        return terms

    def _objective(self, terms: dict[str, Tensor]) -> Tensor:
        return sum(terms[f"d_{key}"] for key in self.module)

    def training_loss(self) -> tuple[Tensor, Tensor]:
        index = torch.randint(
            self.n_train, (self.batch_size,), generator=self.generator, device=self._empty.device
        )
        parts = {key: z[index] for key, z in self.train_parts.items()}
        n_reference = self.batch_size * self.reference_size
        terms = self._terms(
            parts, lambda key: self.references[key].sample(n_reference, self.generator)
        )
        objective = self._objective(terms)
        return -objective, terms.get("mutual_info", terms["h_x"]).detach()

    def evaluate(self) -> dict[str, float]:
        terms = self._terms(self.val_parts, self.eval_reference.__getitem__)
        metrics = {"estimate": float(self._objective(terms))}
        metrics.update({key: float(value) for key, value in terms.items()})
        metrics["eligible"] = float(metrics["reference_ess"] >= MIN_EFFECTIVE_REFERENCE_SAMPLES)
        return metrics
