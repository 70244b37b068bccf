"""Adam for stacks of critics: one learning-rate factor per critic, rows that can be dropped.

Every parameter the training loop optimises is stacked along a leading critic axis (see
:class:`skmine._engine.training.Problem`). :class:`StackedAdam` is Adam (Kingma & Ba, 2015)
or AdamW (decoupled weight decay) on such parameters, written with PyTorch's multi-tensor
(``_foreach``) kernels, with what the loop needs beyond :mod:`torch.optim`: a learning-rate
factor per critic (units halve their rate or freeze on their own), dropping critics
(:meth:`StackedAdam.keep_critics`), and per-critic gradient clipping (:func:`clip_per_critic`).
While every critic has the same factor, a step is PyTorch's fused AdamW kernel (one pass over
each parameter instead of seven) where the device has one. It also keeps :mod:`torch.optim`
and the compiler stack it imports on first use (about a second per process) out of a fit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache

import torch
from torch import Tensor


class StackedAdam:
    """Adam over parameters whose leading axis indexes independent critics.

    Parameters
    ----------
    params : sequence of Tensor
        Leaf tensors with ``requires_grad``, each of shape ``(n_critics, ...)``.
    learning_rate : float
        The base step size.
    betas : tuple of float, default=(0.9, 0.999)
        Moving-average weights of the gradient and of its square.
    eps : float, default=1e-8
        Added to the denominator.
    weight_decay : float, default=0.0
        Decoupled weight decay (AdamW): each step multiplies a critic's parameters by
        ``1 - step_size * weight_decay``.

    Notes
    -----
    The update of critic ``c`` is ``learning_rate * critic_scales[c]`` times Adam's
    normalised step, and its moments are updated whatever its factor (a frozen critic, factor
    0, still accumulates them, as if its steps were taken and then undone).
    """

    def __init__(
        self,
        params: Sequence[Tensor],
        learning_rate: float,
        *,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        self.params = list(params)
        self.learning_rate = learning_rate
        self.betas = betas
        self.eps = eps
        self.weight_decay = weight_decay
        self.steps = 0
        self.exp_avg = [torch.zeros_like(p) for p in self.params]
        self.exp_avg_sq = [torch.zeros_like(p) for p in self.params]
        self.critic_scales: Tensor | None = None
        # The factor every critic shares (a float), or None while they differ.
        self._common_scale: float | None = 1.0
        device = self.params[0].device if self.params else torch.device("cpu")
        dtype = self.params[0].dtype if self.params else torch.float32
        self._fused = _has_fused_adamw(device.type, dtype)
        self._step_count = torch.zeros((), dtype=torch.float32, device=device)

    def zero_grad(self) -> None:
        """Forget the gradients (set them to ``None``)."""
        for p in self.params:
            p.grad = None

    def set_critic_scales(self, scales: Tensor | None) -> None:
        """Per-critic factors of the learning rate, shape ``(n_critics,)``; ``None``: all 1."""
        if scales is not None and bool((scales == 1).all()):
            scales = None
        self.critic_scales = scales
        self._common_scale = _common_value(scales)

    @torch.no_grad()
    def step(self) -> None:
        """One Adam step of every parameter that has a gradient."""
        live = [i for i, p in enumerate(self.params) if p.grad is not None]
        if not live:
            return
        params = [self.params[i] for i in live]
        grads = [p.grad for p in params]
        exp_avg = [self.exp_avg[i] for i in live]
        exp_avg_sq = [self.exp_avg_sq[i] for i in live]
        beta1, beta2 = self.betas
        self.steps += 1
        if self._fused and self._common_scale is not None:
            self._step_count.fill_(self.steps)
            torch._fused_adamw_(
                params,
                grads,
                exp_avg,
                exp_avg_sq,
                [],
                [self._step_count] * len(params),
                lr=self.learning_rate * self._common_scale,
                beta1=beta1,
                beta2=beta2,
                weight_decay=self.weight_decay,
                eps=self.eps,
                amsgrad=False,
                maximize=False,
            )
            return
        step_size = self.learning_rate / (1.0 - beta1**self.steps)
        scales = None
        if self.critic_scales is not None:
            scales = [_along_critics(self.critic_scales, p) for p in params]
        if self.weight_decay:
            decay = self.learning_rate * self.weight_decay
            if scales is None:
                torch._foreach_mul_(params, 1.0 - decay)
            else:
                torch._foreach_mul_(params, [1.0 - decay * s for s in scales])
        torch._foreach_lerp_(exp_avg, grads, 1.0 - beta1)
        torch._foreach_mul_(exp_avg_sq, beta2)
        torch._foreach_addcmul_(exp_avg_sq, grads, grads, 1.0 - beta2)
        denominator = torch._foreach_sqrt(exp_avg_sq)
        torch._foreach_div_(denominator, math.sqrt(1.0 - beta2**self.steps))
        torch._foreach_add_(denominator, self.eps)
        if scales is None:
            torch._foreach_addcdiv_(params, exp_avg, denominator, -step_size)
            return
        update = torch._foreach_div(exp_avg, denominator)
        torch._foreach_mul_(update, scales)
        torch._foreach_add_(params, update, alpha=-step_size)

    def keep_critics(self, rows: Tensor) -> None:
        """Keep the moments of the critics ``rows`` only (after the loop dropped the others
        from every parameter)."""
        self.exp_avg = [m.index_select(0, rows) for m in self.exp_avg]
        self.exp_avg_sq = [v.index_select(0, rows) for v in self.exp_avg_sq]
        if self.critic_scales is not None:
            self.critic_scales = self.critic_scales.index_select(0, rows)
            self._common_scale = _common_value(self.critic_scales)


def clip_per_critic(params: Sequence[Tensor], max_norm: float) -> None:
    """Scale each critic's gradient down to a norm of at most ``max_norm``.

    Parameters are stacked on a leading critic axis; a global norm would couple critics that
    are meant to train independently (the folds).
    """
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return
    norms = torch.stack([torch.linalg.vector_norm(g.reshape(g.shape[0], -1), dim=1) for g in grads])
    factor = torch.clamp(max_norm / (norms.square().sum(dim=0).sqrt() + 1e-6), max=1.0)
    # One broadcastable view of the factors per kind of parameter, not one per tensor.
    shaped: dict[tuple[int, torch.dtype], Tensor] = {}
    for g in grads:
        if (g.ndim, g.dtype) not in shaped:
            shaped[g.ndim, g.dtype] = _along_critics(factor, g)
    torch._foreach_mul_(grads, [shaped[g.ndim, g.dtype] for g in grads])


def _common_value(scales: Tensor | None) -> float | None:
    """The value all ``scales`` share (1 for ``None``); ``None`` when they differ."""
    if scales is None:
        return 1.0
    first = scales[:1]
    return float(first) if bool((scales == first).all()) else None


@cache
def _has_fused_adamw(device_type: str, dtype: torch.dtype) -> bool:
    """Whether this torch has a fused AdamW kernel for parameters of ``dtype`` on
    ``device_type`` (recent torch on the CPU; CUDA for longer), tried on a one-value
    parameter."""
    if not hasattr(torch, "_fused_adamw_"):
        return False
    try:
        values = [torch.zeros(1, dtype=dtype, device=device_type) for _ in range(4)]
        step = torch.ones((), dtype=torch.float32, device=device_type)
        torch._fused_adamw_(
            *([v] for v in values),
            [],
            [step],
            lr=1e-3,
            beta1=0.9,
            beta2=0.999,
            weight_decay=0.0,
            eps=1e-8,
            amsgrad=False,
            maximize=False,
        )
    except (RuntimeError, TypeError):  # no kernel for this device, dtype or torch
        return False
    return True


def _along_critics(values: Tensor, like: Tensor) -> Tensor:
    """``values`` of shape ``(n_critics,)`` shaped to broadcast over ``like``'s other axes."""
    return values.to(like.dtype).reshape(-1, *([1] * (like.ndim - 1)))
