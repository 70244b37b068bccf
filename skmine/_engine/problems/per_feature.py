"""Training problem of many per-feature critics at once, and its held-out readouts.

Critic ``j`` of a :class:`~skmine.critics.BatchedConcatCritic` sees ``(x_j, y)``. The
critics are trained together, but their losses are independent terms of one sum, so each
critic's gradient is that of training it alone. Each critic is checkpointed on its own
(``TrainingConfig(checkpoint="per_critic")``), because features converge at different times.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ... import objectives
from ...critics import BatchedConcatCritic
from ..pairs import marginal_pairs

# Elements of a (critics, rows, width) activation evaluated at once in readouts.
READOUT_ELEMENTS = 1 << 23

_batched_jsd = torch.vmap(objectives.jsd)
_batched_dv = torch.vmap(objectives.donsker_varadhan)


def _chunk(critic: BatchedConcatCritic, width: int) -> int:
    return max(256, READOUT_ELEMENTS // max(1, critic.n_critics * width))


def batched_scores(critic: BatchedConcatCritic, x: Tensor, y: Tensor, width: int) -> Tensor:
    """``critic(x_j[i], y[i])`` for every critic ``j`` and row ``i``: shape (critics, n)."""
    step = _chunk(critic, width)
    xt = x.T.unsqueeze(-1).contiguous()
    return torch.cat(
        [critic(xt[:, s : s + step], y[s : s + step]) for s in range(0, x.shape[0], step)], dim=1
    )


def batched_dv(
    critic: BatchedConcatCritic, x: Tensor, y: Tensor, rows: Tensor, cols: Tensor, width: int
) -> tuple[Tensor, Tensor, Tensor]:
    """Per-critic DV bound on held-out data, and the critic values on joint and marginal pairs.

    The product of marginals is represented by the pairs ``(x[rows], y[cols])``.
    """
    t_joint = batched_scores(critic, x, y, width)
    step = _chunk(critic, width)
    t_marginal = torch.cat(
        [
            critic(x[rows[s : s + step]].T.unsqueeze(-1).contiguous(), y[cols[s : s + step]])
            for s in range(0, rows.shape[0], step)
        ],
        dim=1,
    )
    return _batched_dv(t_joint, t_marginal), t_joint, t_marginal


class PerFeatureProblem:
    """Per-feature critics trained with the JSD objective, evaluated one by one.

    Parameters
    ----------
    critic : BatchedConcatCritic
        One critic per column of ``x_train``, on the device.
    x_train, x_select : Tensor of shape (n, n_critics)
        Feature columns (each critic's ``x_j`` is one column).
    y_train, y_select : Tensor of shape (n, dim_y)
        The target, shared by all critics.
    batch_size : int
        Joint pairs per minibatch (as many marginal pairs).
    generator : torch.Generator
        All randomness of minibatches and marginal pairs.
    max_eval_pairs : int
        Product-of-marginal pairs of each selection evaluation.

    Notes
    -----
    ``evaluate`` reports each critic's selection DV bound as ``"critic_values"``, for the
    loop's per-critic checkpoint, and their sum as ``"estimate"``.
    """

    def __init__(
        self,
        critic: BatchedConcatCritic,
        x_train: Tensor,
        y_train: Tensor,
        x_select: Tensor,
        y_select: Tensor,
        *,
        batch_size: int,
        generator: torch.Generator,
        max_eval_pairs: int,
        width: int,
    ) -> None:
        self.module = critic
        self.x_train, self.y_train = x_train, y_train
        self.x_select, self.y_select = x_select, y_select
        self.batch_size = min(batch_size, x_train.shape[0])
        self.generator = generator
        self.width = width
        self._rows, self._cols = marginal_pairs(x_select.shape[0], max_eval_pairs, generator)

    def training_loss(self) -> tuple[Tensor, Tensor]:
        n, b = self.x_train.shape[0], self.batch_size
        device = self.x_train.device
        joint = torch.randint(n, (b,), generator=self.generator, device=device)
        other = torch.randint(n, (b,), generator=self.generator, device=device)
        x = self.x_train[joint].T.unsqueeze(-1).contiguous()
        y = torch.cat([self.y_train[joint], self.y_train[other]])
        t = self.module(torch.cat([x, x], dim=1), y)
        t_joint, t_marginal = t[:, :b], t[:, b:]
        loss = -_batched_jsd(t_joint, t_marginal).sum()
        return loss, _batched_dv(t_joint, t_marginal).detach().sum()

    def evaluate(self) -> dict:
        dv, _, _ = batched_dv(
            self.module, self.x_select, self.y_select, self._rows, self._cols, self.width
        )
        # A critic that diverged must not stop the others: it keeps its last finite
        # checkpoint, and the sum counts only the finite values.
        finite = torch.where(torch.isfinite(dv), dv, torch.zeros_like(dv))
        return {"estimate": float(finite.sum()), "critic_values": dv}
