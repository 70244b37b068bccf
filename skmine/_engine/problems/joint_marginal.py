"""Training problem for critics between the joint distribution and the product of marginals.

MINE and Deep InfoMax differ only in the bound they maximise; both train a stack of critics
(one per fold, see :mod:`skmine._engine.folds`) on minibatches of joint pairs ``(x_i, y_i)``
against pairs with ``y`` drawn independently, and both report the DV bound of the trained
critics on their held-out samples (see :mod:`skmine._engine.readout`). Several *units* of
fold critics (critic variants) can train side by side in one stack: they see the same
minibatches and are read out on the same pairs, so that their values differ by the critics
alone.
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
        Training and held-out samples of each critic of one unit (one per fold).
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
        Whether the final estimate adds the optimism correction (see
        :mod:`skmine._engine.readout`).
    n_units : int
        Units of fold critics in ``critics``: critic ``u * n_folds + k`` is fold ``k`` of
        unit ``u``. The training loop may drop units (:meth:`keep_units`); the others keep
        their numbers.
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
        n_units: int = 1,
    ) -> None:
        self.module = critics
        self.x, self.y = x, y
        self.layout = layout
        self.total_units = n_units
        self.unit_ids = list(range(n_units))
        self.batch_size = batch_size
        self.bound = bound
        self.generator = generator
        self.ema_decay = ema_decay
        self._log_ema: Tensor | None = None
        self._pairs = held_out_pairs(layout, max_eval_pairs // layout.n_critics, generator)
        self._readout_pairs = readout_pairs
        self.correct_optimism = correct_optimism
        self._generator_state = generator.get_state()

    @property
    def n_units(self) -> int:
        """Units whose critics are in the module."""
        return len(self.unit_ids)

    @property
    def critic_units(self) -> Tensor:
        """The unit of each critic in the module."""
        return torch.tensor(self.unit_ids).repeat_interleave(self.layout.n_critics)

    def keep_units(self, kept: list[int]) -> None:
        """Forget the units outside ``kept``, whose critics the loop took out of the module."""
        keep = torch.tensor([u in kept for u in self.unit_ids])
        if self._log_ema is not None:
            critics = keep.repeat_interleave(self.layout.n_critics).to(self._log_ema.device)
            self._log_ema = self._log_ema[critics]
        self.unit_ids = [u for u in self.unit_ids if u in kept]

    def training_loss(self) -> tuple[Tensor, Tensor]:
        b = self.batch_size
        joint = self.layout.sample_training(b, self.generator).repeat(self.n_units, 1)
        other = self.layout.sample_training(b, self.generator).repeat(self.n_units, 1)
        x = self.x[joint]
        t = self.module(torch.cat([x, x], dim=1), torch.cat([self.y[joint], self.y[other]], dim=1))
        t_joint, t_marginal = t[:, :b], t[:, b:]
        dv = objectives.donsker_varadhan(t_joint, t_marginal)
        if self.bound == "mine":
            if self._log_ema is None:
                self._log_ema = objectives.log_mean_exp(t_marginal.detach(), dim=1)
            surrogate, self._log_ema = objectives.mine_ema_surrogate(
                t_joint, t_marginal, self._log_ema, self.ema_decay
            )
        elif self.bound == "dv":
            surrogate = dv
        else:
            surrogate = getattr(objectives, self.bound)(t_joint, t_marginal)
        # Critics are independent: the sum's gradient is each critic's own.
        return -surrogate.sum(), dv.detach().reshape(self.n_units, -1).mean(dim=1)

    def reset_state(self) -> None:
        """Forget MINE's moving average (after the training loop restored a checkpoint)."""
        self._log_ema = None

    def estimates(self, final: bool = False) -> dict[str, Estimate]:
        """The estimate policy applied to the critics of a single unit (under ``no_grad``)."""
        (out,) = self.unit_estimates(final)
        return out

    def unit_estimates(self, final: bool = False) -> list[dict[str, Estimate]]:
        """The estimate policy applied to each unit's critics as they are (``no_grad``), in
        the order of ``unit_ids``.

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
        k = layout.n_critics
        return [
            self._unit_policy(
                slice(u * k, (u + 1) * k), values, influence, apparent, t_joint, t_marginal
            )
            for u in range(self.n_units)
        ]

    def _unit_policy(self, critics, values, influence, apparent, t_joint, t_marginal) -> dict:
        layout = self.layout
        out = {
            "mutual_info": combine(
                values[critics],
                influence[critics],
                layout,
                apparent_values=None if apparent is None else apparent[critics],
                correct_optimism=self.correct_optimism,
            ),
            "criterion": values[critics],
            "log_partition": {"xy": objectives.log_mean_exp(t_marginal[critics], dim=1)},
        }
        if self.bound == "jsd":
            joint, _ = mean_statistics(
                -torch.nn.functional.softplus(-t_joint[critics]), layout.held_out_mask
            )
            marginal = torch.nn.functional.softplus(t_marginal[critics]).mean(dim=1)
            out["jsd"] = pooled_mean((joint - marginal) / 2.0 + math.log(2.0), layout)
        return out

    def _dv_readout(
        self, layout: CriticLayout, pairs: tuple[Tensor, Tensor]
    ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """DV bound of every critic on its unit-fold's ``held_out`` samples, their
        influences, and the critics' values on the joint and the marginal pairs.

        ``layout`` and ``pairs`` are those of one unit; every unit is read out on them.
        """
        stack = layout.tiled(self.n_units)
        rows, cols = (p.repeat(self.n_units, 1) for p in pairs)
        t_joint = self.module(self.x[stack.held_out], self.y[stack.held_out])
        x_rows = torch.gather(stack.held_out, 1, rows)
        y_cols = torch.gather(stack.held_out, 1, cols)
        t_marginal = _chunked(self.module, self.x, self.y, x_rows, y_cols)
        values, influence = dv_statistics(t_joint, stack.held_out_mask, t_marginal, rows, cols)
        return values, influence, t_joint, t_marginal

    def score(self) -> float:
        """Mean held-out DV bound of the critics (the estimators' ``score``)."""
        return pooled_mean(self.estimates(final=True)["criterion"], self.layout)

    def evaluate(self) -> dict:
        """Held-out metrics: ``"estimate"`` (the checkpoint criterion) is the cross-fitted
        DV bound, ``"mutual_info"`` the bias-corrected estimate; with several units, each
        unit's metrics carry the suffix ``/u`` and ``"unit_values"`` / ``"unit_std"`` hold
        their criteria and standard errors (NaN for a dropped unit).
        """
        units = self.unit_estimates()
        per_unit = dict(
            zip(self.unit_ids, (_policy_metrics(out, self.layout) for out in units), strict=True)
        )
        if self.total_units == 1:
            return per_unit[0]
        metrics = {f"{k}/{u}": v for u, m in per_unit.items() for k, v in m.items()}
        metrics["estimate"] = max(m["estimate"] for m in per_unit.values())
        nan = {"estimate": math.nan, "estimate_std": math.nan}
        of_all = [per_unit.get(u, nan) for u in range(self.total_units)]
        metrics["unit_values"] = torch.tensor([m["estimate"] for m in of_all])
        metrics["unit_std"] = torch.tensor([m["estimate_std"] for m in of_all])
        return metrics


def pointwise_log_ratio(critics: nn.Module, x: Tensor, y: Tensor, log_partition: Tensor) -> Tensor:
    """Each sample's estimated ``log p(x, y) / (p(x) p(y))``, averaged over the critics.

    A critic ``T`` at its DV optimum is the log density ratio up to the constant
    ``log E_Q[exp T]``, its partition term (``log_partition``, one per critic, as read out on
    its held-out fold); ``x`` and ``y`` are ``(n, dim)`` preprocessed samples.
    """
    k = log_partition.shape[0]
    t = critics(x.expand(k, -1, -1), y.expand(k, -1, -1))
    return (t - log_partition.to(t)[:, None]).mean(dim=0)


def _chunked(critics: nn.Module, x: Tensor, y: Tensor, rows: Tensor, cols: Tensor) -> Tensor:
    chunk = max(1, EVAL_CHUNK // rows.shape[0])
    return torch.cat(
        [
            critics(x[rows[:, s : s + chunk]], y[cols[:, s : s + chunk]])
            for s in range(0, rows.shape[1], chunk)
        ],
        dim=1,
    )


def _policy_metrics(out: dict, layout: CriticLayout) -> dict:
    """The history record of one unit's evaluation: criterion, MI, raw MI, standard error."""
    estimate = out["mutual_info"]
    metrics = {
        "estimate": pooled_mean(out["criterion"], layout),
        "estimate_std": estimate.std,
        "mutual_info": estimate.value,
        "mutual_info_raw": estimate.raw,
        "mutual_info_std": estimate.std,
    }
    if "jsd" in out:
        metrics["jsd"] = out["jsd"]
    return metrics
