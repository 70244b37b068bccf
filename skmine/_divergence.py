"""Training problem for a critic between the joint distribution and the product of marginals.

MINE and Deep InfoMax differ only in the bound they maximise; both train one critic on
minibatches of joint pairs ``(x_i, y_i)`` against pairs with ``y`` drawn independently, and
both report the DV bound of the trained critic on held-out pairs.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from . import objectives
from ._evaluation import dv_readout, marginal_pairs

TRAINING_BOUNDS = ("mine", "dv", "nwj", "jsd", "smile")


class JointMarginalProblem:
    """A critic, its training split, its validation split and the bound it maximises.

    Parameters
    ----------
    critic : nn.Module
        ``critic(x, y) -> (n,)``, already on the device.
    x_train, y_train, x_val, y_val : Tensor
        Preprocessed data on the device.
    batch_size : int
        Joint pairs per minibatch (as many marginal pairs are drawn).
    bound : {"mine", "dv", "nwj", "jsd", "smile"}
        Training objective; see :mod:`skmine.objectives`.
    generator : torch.Generator
        All randomness of the training loop.
    ema_decay : float
        Moving-average weight of MINE's bias correction.
    max_eval_pairs : int
        Product-of-marginal pairs used for every held-out evaluation.
    """

    def __init__(
        self,
        critic: nn.Module,
        x_train: Tensor,
        y_train: Tensor,
        x_val: Tensor,
        y_val: Tensor,
        *,
        batch_size: int,
        bound: str,
        generator: torch.Generator,
        ema_decay: float = 0.01,
        max_eval_pairs: int = 65_536,
    ) -> None:
        self.module = critic
        self.x_train, self.y_train = x_train, y_train
        self.x_val, self.y_val = x_val, y_val
        self.batch_size = min(batch_size, x_train.shape[0])
        self.bound = bound
        self.generator = generator
        self.ema_decay = ema_decay
        self._log_ema: Tensor | None = None
        self._val_rows, self._val_cols = marginal_pairs(x_val.shape[0], max_eval_pairs, generator)

    def training_loss(self) -> tuple[Tensor, Tensor]:
        n, b = self.x_train.shape[0], self.batch_size
        device = self.x_train.device
        joint = torch.randint(n, (b,), generator=self.generator, device=device)
        other = torch.randint(n, (b,), generator=self.generator, device=device)
        x = self.x_train[joint]
        t = self.module(torch.cat([x, x]), torch.cat([self.y_train[joint], self.y_train[other]]))
        t_joint, t_marginal = t[:b], t[b:]
        dv = objectives.donsker_varadhan(t_joint, t_marginal)
        if self.bound == "mine":
            surrogate, self._log_ema = objectives.mine_ema_surrogate(
                t_joint, t_marginal, self._log_ema, self.ema_decay
            )
        elif self.bound == "dv":
            surrogate = dv
        else:
            surrogate = getattr(objectives, self.bound)(t_joint, t_marginal)
        return -surrogate, dv.detach()

    def reset_state(self) -> None:
        """Forget MINE's moving average (after the training loop restored a checkpoint)."""
        self._log_ema = None

    def evaluate(self) -> dict[str, float]:
        return self.readout(self.x_val, self.y_val, self._val_rows, self._val_cols)

    def readout(self, x: Tensor, y: Tensor, rows: Tensor, cols: Tensor) -> dict[str, float]:
        """The critic's DV bound on ``(x, y)``, and its JSD if trained on it.

        ``"estimate"`` (the checkpointing criterion) and ``"mutual_info"`` are both the DV
        bound: the reported MI is the quantity the checkpoints are chosen by.
        """
        values = dv_readout(self.module, x, y, rows, cols)
        dv = float(values["dv"])
        metrics = {"estimate": dv, "mutual_info": dv}
        if self.bound == "jsd":
            gan_value = float(objectives.jsd(values["t_joint"], values["t_marginal"]))
            metrics["jsd"] = gan_value / 2.0 + math.log(2.0)
        return metrics
