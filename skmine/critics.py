"""Critic networks ``T(x, y) -> R`` and the factory the estimators use to build them.

A critic is any :class:`torch.nn.Module` whose ``forward(x, y)`` takes two batches of shape
``(n, dim_x)`` and ``(n, dim_y)`` and returns ``n`` scores. Users pass their own (for
images or sequences) as a callable ``critic(dim_x, dim_y) -> nn.Module``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn

__all__ = ["ACTIVATIONS", "ConcatCritic", "make_critic"]

ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "tanh": nn.Tanh,
    "logistic": nn.Sigmoid,
    "softplus": nn.Softplus,
}


def _mlp(dim_in: int, hidden_layer_sizes: Sequence[int], activation: str) -> nn.Sequential:
    layers: list[nn.Module] = []
    width = dim_in
    for size in hidden_layer_sizes:
        layers += [nn.Linear(width, size), ACTIVATIONS[activation]()]
        width = size
    layers.append(nn.Linear(width, 1))
    return nn.Sequential(*layers)


class ConcatCritic(nn.Module):
    """Multi-layer perceptron on the concatenation ``[x, y]``.

    Parameters
    ----------
    dim_x, dim_y : int
        Input widths. ``dim_y`` may be 0 (a critic of ``x`` alone, as used for entropies).
    hidden_layer_sizes : sequence of int
        Widths of the hidden layers.
    activation : str
        One of :data:`ACTIVATIONS`.
    """

    def __init__(
        self,
        dim_x: int,
        dim_y: int,
        hidden_layer_sizes: Sequence[int] = (100, 100),
        activation: str = "relu",
    ) -> None:
        super().__init__()
        self.net = _mlp(dim_x + dim_y, hidden_layer_sizes, activation)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        z = x if y is None or y.shape[1] == 0 else torch.cat([x, y], dim=1)
        return self.net(z).squeeze(-1)


def make_critic(
    critic: Callable[[int, int], nn.Module] | None,
    dim_x: int,
    dim_y: int,
    hidden_layer_sizes: Sequence[int],
    activation: str,
) -> nn.Module:
    """Build a critic: the user's callable if given, else a :class:`ConcatCritic`.

    Parameters
    ----------
    critic : callable or None
        ``critic(dim_x, dim_y)`` returning an ``nn.Module``.
    dim_x, dim_y : int
        Input widths.
    hidden_layer_sizes : sequence of int
        Hidden widths of the default critic.
    activation : str
        Activation of the default critic.

    Returns
    -------
    nn.Module
    """
    if critic is None:
        return ConcatCritic(dim_x, dim_y, hidden_layer_sizes, activation)
    module = critic(dim_x, dim_y)
    if not isinstance(module, nn.Module):
        raise TypeError(
            "critic must be a callable critic(dim_x, dim_y) returning a torch.nn.Module, "
            f"got {type(module).__name__}"
        )
    return module
