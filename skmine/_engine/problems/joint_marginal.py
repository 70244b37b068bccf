"""Training problem for critics between the joint distribution and the product of marginals.

MINE and Deep InfoMax differ only in the bound they maximise; both train a stack of critics
(one per fold and training size, see :mod:`skmine._crossfit`) on minibatches of joint pairs
``(x_i, y_i)`` against pairs with ``y`` drawn independently, and both report the DV bound of
the trained critics on their held-out samples (see :mod:`skmine._readout`).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ... import objectives
from ..folds import CriticLayout
from ..pairs import EVAL_CHUNK, held_out_pairs
from ..readout import Estimate, combine, dv_statistics, mean_statistics, pooled_mean

TRAINING_BOUNDS = ("mine", "dv", "nwj", "jsd", "smile")
_BATCHED = {name: torch.vmap(getattr(objectives, name)) for name in ("nwj", "jsd", "smile")}
_batched_dv = torch.vmap(objectives.donsker_varadhan)
_batched_mine = torch.vmap(objectives.mine_ema_surrogate, in_dims=(0, 0, 0, None))


class JointMarginalProblem:
    """A stack of critics, the data, who trains and reads out where, and the bound maximised.

    Parameters
    ----------
    critics : nn.Module
        ``critics(x, y)`` on ``(n_critics, n, dim)`` inputs returns ``(n_critics, n)``, on the
        device.
    x, y : Tensor
        All preprocessed samples, on the device.
    layout : CriticLayout
        Training and held-out samples of each critic.
    batch_size : int
        Joint pairs per minibatch and critic (as many marginal pairs are drawn).
    bound : {"mine", "dv", "nwj", "jsd", "smile"}
        Training objective; see :mod:`skmine.objectives`.
    generator : torch.Generator
        All randomness of the training loop.
    ema_decay : float
        Moving-average weight of MINE's bias correction.
    max_eval_pairs : int
        Product-of-marginal pairs of an evaluation during training, shared among the
        critics.
    readout_pairs : int
        The same for the final readout (:meth:`estimates` with ``final=True``), which also
        reads each critic out on its training samples (its apparent bound).
    correct_optimism : bool
        Whether the final estimate adds the optimism correction (see :mod:`skmine._readout`).
    """

    def __init__(
        self,
        critics: nn.Module,
        x: Tensor,
        y: Tensor,
        layout: CriticLayout,
        *,
        batch_size: int,
        bound: str,
        generator: torch.Generator,
        ema_decay: float = 0.01,
        max_eval_pairs: int = 16_384,
        readout_pairs: int = 65_536,
        correct_optimism: bool = False,
    ) -> None:
        self.module = critics
        self.x, self.y = x, y
        self.layout = layout
        self.batch_size = batch_size
        self.bound = bound
        self.generator = generator
        self.ema_decay = ema_decay
        self._log_ema: Tensor | None = None
        self._pairs = held_out_pairs(layout, max_eval_pairs // layout.n_critics, generator)
        self._readout_pairs = readout_pairs
        self.correct_optimism = correct_optimism
        self._generator_state = generator.get_state()

    def training_loss(self) -> tuple[Tensor, Tensor]:
        b = self.batch_size
        joint = self.layout.sample_training(b, self.generator)
        other = self.layout.sample_training(b, self.generator)
        x = self.x[joint]
        t = self.module(torch.cat([x, x], dim=1), torch.cat([self.y[joint], self.y[other]], dim=1))
        t_joint, t_marginal = t[:, :b], t[:, b:]
        dv = _batched_dv(t_joint, t_marginal)
        if self.bound == "mine":
            if self._log_ema is None:
                self._log_ema = objectives.log_mean_exp(t_marginal.detach(), dim=1)
            surrogate, self._log_ema = _batched_mine(
                t_joint, t_marginal, self._log_ema, self.ema_decay
            )
        elif self.bound == "dv":
            surrogate = dv
        else:
            surrogate = _BATCHED[self.bound](t_joint, t_marginal)
        # Critics are independent: the sum's gradient is each critic's own.
        return -surrogate.sum(), dv.detach().mean()

    def reset_state(self) -> None:
        """Forget MINE's moving average (after the training loop restored a checkpoint)."""
        self._log_ema = None

    def estimates(self, final: bool = False) -> dict[str, Estimate]:
        """The estimate policy applied to the critics as they are (under ``no_grad``).

        ``final=True`` reads out on ``readout_pairs`` marginal pairs, drawn afresh from a
        generator seeded like the training one, instead of the training evaluations' pairs,
        and also on the critics' training samples (with as many pairs again).
        """
        layout = self.layout
        pairs = self._pairs
        apparent = None
        if final:
            generator = torch.Generator(device=self.generator.device)
            generator.set_state(self._generator_state)
            budget = self._readout_pairs // layout.n_critics
            pairs = held_out_pairs(layout, budget, generator)
            if layout.has_training_sets:
                training = layout.training_view()
                apparent, *_ = self._dv_readout(
                    training, held_out_pairs(training, budget, generator)
                )
        values, influence, t_joint, t_marginal = self._dv_readout(layout, pairs)
        out = {
            "mutual_info": combine(
                values,
                influence,
                layout,
                apparent_values=apparent,
                correct_optimism=self.correct_optimism,
            )
        }
        out["criterion"] = values
        if self.bound == "jsd":
            mask = layout.held_out_mask
            joint, _ = mean_statistics(-torch.nn.functional.softplus(-t_joint), mask)
            marginal = torch.nn.functional.softplus(t_marginal).mean(dim=1)
            out["jsd"] = pooled_mean((joint - marginal) / 2.0 + math.log(2.0), layout)
        return out

    def _dv_readout(
        self, layout: CriticLayout, pairs: tuple[Tensor, Tensor]
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """DV bound of each critic on its ``held_out`` samples, their influences, and the
        critics' values on the joint and the marginal pairs."""
        rows, cols = pairs
        t_joint = self.module(self.x[layout.held_out], self.y[layout.held_out])
        x_rows = torch.gather(layout.held_out, 1, rows)
        y_cols = torch.gather(layout.held_out, 1, cols)
        t_marginal = _chunked(self.module, self.x, self.y, x_rows, y_cols)
        values, influence = dv_statistics(t_joint, layout.held_out_mask, t_marginal, rows, cols)
        return values, influence, t_joint, t_marginal

    def score(self) -> float:
        """Mean held-out DV bound of the full-size critics (the estimators' ``score``)."""
        return pooled_mean(self.estimates(final=True)["criterion"], self.layout)

    def evaluate(self) -> dict[str, float]:
        """Held-out metrics: ``"estimate"`` (the checkpoint criterion) is the cross-fitted
        DV bound, ``"mutual_info"`` the bias-corrected estimate.
        """
        out = self.estimates()
        metrics = _policy_metrics(out["mutual_info"], out["criterion"], self.layout)
        if "jsd" in out:
            metrics["jsd"] = out["jsd"]
        return metrics


def _chunked(critics: nn.Module, x: Tensor, y: Tensor, rows: Tensor, cols: Tensor) -> Tensor:
    chunk = max(1, EVAL_CHUNK // rows.shape[0])
    return torch.cat(
        [
            critics(x[rows[:, s : s + chunk]], y[cols[:, s : s + chunk]])
            for s in range(0, rows.shape[1], chunk)
        ],
        dim=1,
    )


def _policy_metrics(estimate: Estimate, criterion: Tensor, layout: CriticLayout) -> dict:
    """The history record of an evaluation: criterion, MI, raw MI and its standard error."""
    return {
        "estimate": pooled_mean(criterion, layout),
        "mutual_info": estimate.value,
        "mutual_info_raw": estimate.raw,
        "mutual_info_std": estimate.std,
    }
