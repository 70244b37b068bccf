"""Variational bounds on divergences and mutual information, as pure tensor functions.

Every function takes critic values and returns a tensor in nats, differentiable with respect
to those values: a scalar for one critic's values of shape ``(n,)``, and one bound per critic
for a stack of shape ``(..., n)`` (the bounds reduce over the last axis). ``t_joint`` holds
the critic on samples of the joint distribution P (pairs ``(x_i, y_i)``), ``t_marginal`` on
samples of the reference Q (for mutual information, the product of marginals: ``(x_i, y_j)``
with ``y`` shuffled).
Estimators maximise the bound; their training loss is its negative.

These are the single definitions used by every estimator in skmine, and they are public so
that a bound can be used as a term in one's own PyTorch model.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor
from torch.nn import functional as F

__all__ = [
    "donsker_varadhan",
    "infonce",
    "jsd",
    "log_mean_exp",
    "mine_ema_surrogate",
    "nwj",
    "smile",
]


def log_mean_exp(values: Tensor, dim: int | None = None) -> Tensor:
    """Numerically stable ``log(mean(exp(values)))``.

    Parameters
    ----------
    values : Tensor
        Any shape.
    dim : int, optional
        Dimension to reduce; all elements when omitted.

    Returns
    -------
    Tensor
        The reduced tensor.
    """
    if dim is None:
        values = values.reshape(-1)
        dim = 0
    return torch.logsumexp(values, dim=dim) - math.log(values.shape[dim])


def donsker_varadhan(t_joint: Tensor, t_marginal: Tensor) -> Tensor:
    r"""Donsker–Varadhan lower bound :math:`E_P[T] - \log E_Q[e^T]`.

    The tightest of the KL bounds here: for every critic it is at least :func:`nwj`, and it
    equals :math:`D_{KL}(P \| Q)` at :math:`T = \log dP/dQ + c` for any constant ``c``.

    Parameters
    ----------
    t_joint : Tensor of shape (..., n)
        Critic values on samples of P.
    t_marginal : Tensor of shape (..., m)
        Critic values on samples of Q.

    Returns
    -------
    Tensor
        Bound in nats (one per critic of a stack).

    Notes
    -----
    A lower bound in expectation over the critic, but the minibatch value is biased upwards
    (Jensen's inequality on the log of a sample mean) and its gradient is biased; the variance
    of the second term grows like :math:`e^{I}` (McAllester & Stratos, 2020), so estimates of
    large MI need many samples of Q. :func:`mine_ema_surrogate` corrects the gradient's bias.
    """
    return t_joint.mean(dim=-1) - log_mean_exp(t_marginal, dim=-1)


def mine_ema_surrogate(
    t_joint: Tensor,
    t_marginal: Tensor,
    log_ema: Tensor | None,
    decay: float = 0.01,
) -> tuple[Tensor, Tensor]:
    r"""MINE's bias-corrected surrogate of the Donsker–Varadhan bound (Belghazi et al., 2018).

    The gradient of :math:`\log E_Q[e^T]` is :math:`E_Q[\nabla T e^T] / E_Q[e^T]`; the
    minibatch estimate of the denominator makes it biased. MINE replaces the denominator by an
    exponential moving average over steps. The surrogate returned here has exactly that
    gradient, while its value is not meaningful: report :func:`donsker_varadhan` instead.

    Parameters
    ----------
    t_joint, t_marginal : Tensor
        Critic values on samples of P and Q.
    log_ema : Tensor or None
        Logarithm of the running average of :math:`E_Q[e^T]` (one per critic: the shape of
        the bound), or ``None`` on the first step.
    decay : float, default=0.01
        Weight of the newest minibatch in the moving average (MINE's ``alpha``).

    Returns
    -------
    surrogate : Tensor
        To maximise (one per critic of a stack).
    log_ema : Tensor
        Updated running average (detached), to pass back on the next step.
    """
    batch_log_mean = log_mean_exp(t_marginal, dim=-1)
    detached = batch_log_mean.detach()
    if log_ema is None:
        log_ema = detached
    else:
        log_ema = torch.logaddexp(log_ema + math.log1p(-decay), detached + math.log(decay))
    partition = torch.exp(batch_log_mean - log_ema)
    return t_joint.mean(dim=-1) - partition, log_ema


def nwj(t_joint: Tensor, t_marginal: Tensor) -> Tensor:
    r"""NWJ / MINE-f lower bound :math:`E_P[T] - E_Q[e^{T-1}]` (Nguyen, Wainwright & Jordan).

    The f-divergence (Fenchel dual) form of the KL divergence. Minibatch estimates and their
    gradients are unbiased, at the price of a higher variance than :func:`donsker_varadhan`
    (the exponential enters linearly, not through a log). The optimal critic is
    :math:`1 + \log dP/dQ`.

    Parameters
    ----------
    t_joint, t_marginal : Tensor
        Critic values on samples of P and Q.

    Returns
    -------
    Tensor
        Bound in nats (one per critic of a stack).
    """
    return t_joint.mean(dim=-1) - torch.exp(t_marginal - 1.0).mean(dim=-1)


def jsd(t_joint: Tensor, t_marginal: Tensor) -> Tensor:
    r"""Jensen–Shannon objective of Deep InfoMax: :math:`E_P[-sp(-T)] - E_Q[sp(T)]`.

    ``sp`` is the softplus. This is the f-GAN lower bound on :math:`2 D_{JS}(P \| Q) - 2\log 2`
    (so it is at most 0, and ``value / 2 + log 2`` bounds the Jensen–Shannon divergence,
    itself at most :math:`\log 2`): it is not a KL divergence and not a mutual information.
    Its optimal critic is the log density ratio :math:`\log dP/dQ`, so a KL estimate can be
    read out of the trained critic with :func:`donsker_varadhan`. Gradients are bounded,
    which makes training smoother than with DV or NWJ.

    Parameters
    ----------
    t_joint, t_marginal : Tensor
        Critic values on samples of P and Q: the logits of a classifier that tells P's
        samples (label 1) from Q's (label 0).

    Returns
    -------
    Tensor
        Objective in nats, at most 0 (one per critic of a stack).
    """
    return (-F.softplus(-t_joint)).mean(dim=-1) - F.softplus(t_marginal).mean(dim=-1)


def infonce(scores: Tensor) -> Tensor:
    r"""InfoNCE lower bound (van den Oord et al., 2018) from a matrix of critic scores.

    ``scores[i, j]`` is the critic on ``(x_i, y_j)``; the diagonal holds the joint pairs. The
    bound is :math:`\frac{1}{n}\sum_i \log \frac{e^{s_{ii}}}{\frac{1}{n}\sum_j e^{s_{ij}}}`.

    Low variance, but it can never exceed :math:`\log n` (``n`` the batch size): it
    underestimates any MI larger than that, however good the critic.

    Parameters
    ----------
    scores : Tensor of shape (n, n)
        Critic values on all pairs of a batch.

    Returns
    -------
    Tensor
        Scalar bound in nats, at most ``log(n)``.
    """
    if scores.ndim != 2 or scores.shape[0] != scores.shape[1]:
        raise ValueError(f"scores must be a square matrix, got shape {tuple(scores.shape)}")
    return (scores.diagonal() - log_mean_exp(scores, dim=1)).mean()


def smile(t_joint: Tensor, t_marginal: Tensor, clip: float = 5.0) -> Tensor:
    r"""SMILE (Song & Ermon, 2020): the DV bound with the partition term's critic clipped.

    The value is :math:`E_P[T] - \log E_Q[e^{\mathrm{clip}(T, -\tau, \tau)}]`; the gradient
    is that of :func:`jsd`, as in the authors' estimator. Clipping bounds the variance of the
    partition term, trading it for a bias that vanishes as ``clip`` grows; the value is not a
    strict lower bound. The gradient matters: ascending the clipped value itself lets the
    critic grow without limit on samples of Q above ``tau``, where the clipped term no longer
    pushes it down, and the critic diverges; the JSD gradient drives it towards the log density
    ratio instead (see :func:`jsd`).

    Parameters
    ----------
    t_joint, t_marginal : Tensor
        Critic values on samples of P and Q.
    clip : float, default=5.0
        Clipping threshold ``tau``.

    Returns
    -------
    Tensor
        Estimate in nats (one per critic of a stack), with the gradient of :func:`jsd`.
    """
    value = t_joint.mean(dim=-1) - log_mean_exp(torch.clamp(t_marginal, -clip, clip), dim=-1)
    objective = jsd(t_joint, t_marginal)
    return objective + (value - objective).detach()
