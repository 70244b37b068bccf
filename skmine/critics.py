"""Critic networks ``T(x, y) -> R`` and the factory the estimators use to build them.

A critic is any :class:`torch.nn.Module` whose ``forward(x, y)`` takes two batches of shape
``(n, dim_x)`` and ``(n, dim_y)`` and returns ``n`` scores. Users pass their own (for
images or sequences) as a callable ``critic(dim_x, dim_y) -> nn.Module``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn
from torch.func import functional_call, stack_module_state

__all__ = [
    "ACTIVATIONS",
    "BatchedConcatCritic",
    "BlockCritics",
    "ConcatCritic",
    "StackedCritics",
    "make_block_critics",
    "make_critic",
    "make_critics",
]

ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
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
        """Score each pair: ``T(x_i, y_i)``.

        Parameters
        ----------
        x : Tensor of shape (n, dim_x)
            First variable.
        y : Tensor of shape (n, dim_y) or None, default=None
            Second variable; ``None`` (or zero columns) scores ``x`` alone.

        Returns
        -------
        Tensor of shape (n,)
            The critic's value for each row.
        """
        z = x if y is None or y.shape[1] == 0 else torch.cat([x, y], dim=1)
        return self.net(z).squeeze(-1)


class BatchedConcatCritic(nn.Module):
    """Many independent concat critics in one module: critic ``j`` scores ``(x_j, y)``.

    The weights of all critics are stacked along a leading critic axis and applied with
    batched matrix products, so that training ``n_critics`` small MLPs costs one forward and
    one backward pass. Critics share no parameters: critic ``j``'s gradient depends only on
    its own loss.

    Parameters
    ----------
    n_critics : int
        Number of critics (e.g. one per feature of ``X``).
    dim_x : int
        Width of each critic's own input ``x_j``.
    dim_y : int
        Width of the input ``y`` all critics share.
    hidden_layer_sizes : sequence of int
        Hidden widths (the same for every critic).
    activation : str
        One of :data:`ACTIVATIONS`.
    generator : torch.Generator, optional
        Source of the initial weights (PyTorch's default uniform initialisation of
        :class:`torch.nn.Linear`); the global generator when omitted.
    radial_features : bool, default=False
        Also feed each critic, for each side, its radius ``u``: the mean square of its
        ``x`` (of ``y``) minus 1, 0 in expectation for standardised coordinates; and the
        coordinates gated by it, ``tanh(u) * x`` (``tanh(u) * y``). An MLP on a few
        thousand samples learns poorly a radius that many coordinates carry (a
        dependence through a shared scale), and worse its products with the coordinates,
        which a rotation or a rescaling that grows with the radius needs to first order
        (a spiral). ``tanh`` keeps the gated inputs no larger than the coordinates on heavy
        tails.

    Notes
    -----
    ``forward(x, y)`` takes ``x`` of shape ``(n_critics, n, dim_x)`` and ``y`` of shape
    ``(n, dim_y)`` (the same ``y`` rows for every critic) or ``(n_critics, n, dim_y)``, and
    returns scores of shape ``(n_critics, n)``.

    :func:`stack_variants` puts critics without and with radial features in one module (the
    former with their radial inputs masked out), so that both variants train in one loop;
    :meth:`select` takes some of the critics out again.
    """

    def __init__(
        self,
        n_critics: int,
        dim_x: int,
        dim_y: int,
        hidden_layer_sizes: Sequence[int] = (32,),
        activation: str = "relu",
        generator: torch.Generator | None = None,
        radial_features: bool = False,
    ) -> None:
        super().__init__()
        self.dim_x = dim_x
        self.dim_y = dim_y
        self.radial_features = radial_features
        n_radial = (1 + dim_x + (1 + dim_y if dim_y else 0)) if radial_features else 0
        widths = [dim_x + dim_y + n_radial, *hidden_layer_sizes, 1]
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for fan_in, fan_out in itertools.pairwise(widths):
            bound = 1.0 / math.sqrt(fan_in)
            w = torch.empty(n_critics, fan_in, fan_out).uniform_(-bound, bound, generator=generator)
            b = torch.empty(n_critics, 1, fan_out).uniform_(-bound, bound, generator=generator)
            self.weights.append(nn.Parameter(w))
            self.biases.append(nn.Parameter(b))
        self.act = _in_place(ACTIVATIONS[activation])
        self.activation = activation
        # Per-critic switch of the radial inputs (None: all on); see stack_variants.
        self.register_buffer("radial_mask", None)

    @property
    def n_critics(self) -> int:
        """Number of critics (the training loop may drop some while training)."""
        return self.weights[0].shape[0]

    def select(self, critics: slice, radial_features: bool) -> BatchedConcatCritic:
        """A module of ``critics`` only; without the radial inputs when they are off.

        Parameters
        ----------
        critics : slice
            The critics to keep, along the critic axis.
        radial_features : bool
            Whether the kept critics use their radial inputs.

        Returns
        -------
        BatchedConcatCritic
            A new module holding copies of the kept critics' weights.
        """
        widths = [w.shape[-1] for w in self.weights[:-1]]
        out = BatchedConcatCritic(
            len(range(*critics.indices(self.n_critics))),
            self.dim_x,
            self.dim_y,
            widths,
            self.activation,
            # The initial values are overwritten: draw them without touching torch's RNG.
            generator=torch.Generator().manual_seed(0),
            radial_features=radial_features,
        )
        with torch.no_grad():
            for mine, theirs in zip(self.weights, out.weights, strict=True):
                theirs.copy_(mine[critics, : theirs.shape[1]])
            for mine, theirs in zip(self.biases, out.biases, strict=True):
                theirs.copy_(mine[critics])
        return out.to(self.weights[0].device)

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        """Score each critic's pairs: critic ``j`` scores ``(x[j, i], y[j, i])``.

        Parameters
        ----------
        x : Tensor of shape (n_critics, n, dim_x)
            First variable, per critic.
        y : Tensor of shape (n_critics, n, dim_y)
            Second variable, per critic (``dim_y`` may be 0).

        Returns
        -------
        Tensor of shape (n_critics, n)
            Each critic's value for each row.
        """
        # Iterated once: slicing a ParameterList builds a new module on every call.
        (w0, b0), *hidden = zip(self.weights, self.biases, strict=True)
        if y.ndim == 3:
            # Inputs per critic: the first layer is one batched product of all of them.
            h = torch.baddbmm(b0, self._first_layer_inputs(x, y), w0)
        else:
            h = self._first_layer_shared_y(x, y, w0, b0)
        for w, b in hidden:
            h = torch.baddbmm(b, self.act(h), w)
        return h.squeeze(-1)

    def _first_layer_inputs(self, x: Tensor, y: Tensor) -> Tensor:
        """Each critic's first-layer inputs, ``(n_critics, n, fan_in)``: x, y, and the radial
        features when on (zeroed for the critics whose ``radial_mask`` is 0)."""
        parts = [x, y] if y.shape[-1] else [x]
        if self.radial_features:
            radial = _radial_inputs(x)
            if y.shape[-1]:
                radial = torch.cat([radial, _radial_inputs(y)], dim=-1)
            if self.radial_mask is not None:
                radial = radial * self.radial_mask[:, None, None]
            parts.append(radial)
        return torch.cat(parts, dim=-1)

    def _first_layer_shared_y(self, x: Tensor, y: Tensor, w0: Tensor, b0: Tensor) -> Tensor:
        """The first layer for a ``y`` of shape ``(n, dim_y)`` that every critic shares: an
        x part and a y part, so that y is not copied once per critic before the product."""
        dim_xy = self.dim_x + self.dim_y
        h = _affine(b0, x, w0[:, : self.dim_x])
        if y.shape[-1]:
            h = h + _affine(None, y, w0[:, self.dim_x : dim_xy])
        if self.radial_features:
            radial = _radial_affine(x, w0[:, dim_xy : dim_xy + 1 + self.dim_x])
            if y.shape[-1]:
                radial = radial + _radial_affine(y, w0[:, dim_xy + 1 + self.dim_x :])
            if self.radial_mask is not None:
                radial = radial * self.radial_mask[:, None, None]
            h = h + radial
        return h


def _in_place(activation: Callable[[], nn.Module]) -> nn.Module:
    """The activation overwriting its input where it can (the hidden pre-activations are
    needed by nothing else): saves an allocation and a pass over memory per layer."""
    module = activation()
    if hasattr(module, "inplace"):
        module.inplace = True
    return module


def _affine(bias: Tensor | None, inputs: Tensor, weight: Tensor) -> Tensor:
    """``bias + inputs @ weight`` over the critic axis; a broadcast product for one input."""
    if inputs.shape[-1] == 1:
        product = inputs * weight
        return product if bias is None else product + bias
    product = torch.matmul(inputs, weight)
    return product if bias is None else product + bias


def _radius(values: Tensor) -> Tensor:
    """Mean square of each row, minus 1, as a column: ``(..., n, 1)``."""
    return values.square().mean(dim=-1, keepdim=True) - 1.0


def stack_variants(plain: BatchedConcatCritic, radial: BatchedConcatCritic) -> BatchedConcatCritic:
    """The critics of ``plain`` then those of ``radial``, as one module with radial inputs.

    The plain critics' radial inputs are masked out (their weights for them are zero and get
    no gradient), so each plain critic computes exactly what it computed in ``plain``.
    """
    widths = [w.shape[-1] for w in plain.weights[:-1]]
    out = BatchedConcatCritic(
        plain.n_critics + radial.n_critics,
        plain.dim_x,
        plain.dim_y,
        widths,
        plain.activation,
        radial_features=True,
    )
    with torch.no_grad():
        first = torch.zeros_like(radial.weights[0][:1]).expand(plain.n_critics, -1, -1).clone()
        first[:, : plain.weights[0].shape[1]] = plain.weights[0]
        out.weights[0].copy_(torch.cat([first, radial.weights[0]]))
        for k in range(1, len(out.weights)):
            out.weights[k].copy_(torch.cat([plain.weights[k], radial.weights[k]]))
        for k in range(len(out.biases)):
            out.biases[k].copy_(torch.cat([plain.biases[k], radial.biases[k]]))
    mask = torch.cat([torch.zeros(plain.n_critics), torch.ones(radial.n_critics)])
    out.radial_mask = mask.to(radial.weights[0].device)
    return out.to(radial.weights[0].device)


def _radial_inputs(values: Tensor) -> Tensor:
    """One side's radial features: its radius ``u`` and gated coordinates ``tanh(u) * values``."""
    radius = _radius(values)
    return torch.cat([radius, torch.tanh(radius) * values], dim=-1)


def _radial_affine(values: Tensor, weight: Tensor) -> Tensor:
    """First-layer term of one side's radius ``u`` and gated coordinates ``tanh(u) * values``.

    ``weight`` holds the radius's row first, then one row per coordinate.
    """
    radius = _radius(values)
    return _affine(None, radius, weight[:, :1]) + _affine(
        None, torch.tanh(radius) * values, weight[:, 1:]
    )


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
        ``forward(x, y)`` on ``(n, dim)`` inputs returns ``(n,)`` scores.
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


class StackedCritics(nn.Module):
    """Independent copies of any critic module, applied together with :func:`torch.vmap`.

    The copies' parameters are stacked along a leading critic axis (as in
    :class:`BatchedConcatCritic`), so one optimiser step trains them all and each copy's
    gradient depends only on its own loss.

    Parameters
    ----------
    modules : sequence of nn.Module
        Identically structured critics, each ``forward(x, y) -> (n,)``, independently
        initialised.

    Notes
    -----
    ``forward(x, y)`` takes ``(n_critics, n, dim_x)`` and ``(n_critics, n, dim_y)`` and returns
    ``(n_critics, n)``. The modules must be :func:`torch.vmap`-compatible (no data-dependent
    Python control flow, no in-place updates of buffers).
    """

    def __init__(self, modules: Sequence[nn.Module]) -> None:
        super().__init__()
        modules = list(modules)
        self.n_critics = len(modules)
        params, buffers = stack_module_state(modules)
        self.names = list(params)
        self.buffer_names = list(buffers)
        self.stacked = nn.ParameterList([nn.Parameter(params[k]) for k in self.names])
        for i, k in enumerate(self.buffer_names):
            self.register_buffer(f"buffer_{i}", buffers[k])
        # Kept out of the module tree: only its structure is used, never its tensors.
        self._template = [modules[0]]

    def train(self, mode: bool = True) -> StackedCritics:
        """Set training mode, on the stacked critics and on the template they run through.

        Parameters
        ----------
        mode : bool, default=True
            ``True`` for training, ``False`` for evaluation.

        Returns
        -------
        StackedCritics
            This module.
        """
        super().train(mode)
        self._template[0].train(mode)
        return self

    def _call_one(self, params: tuple, buffers: tuple, x: Tensor, y: Tensor) -> Tensor:
        state = dict(zip(self.names, params, strict=True))
        state.update(zip(self.buffer_names, buffers, strict=True))
        return functional_call(self._template[0], state, (x, y))

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        """Apply critic ``j`` to ``(x[j], y[j])`` for every ``j``, in one vectorised call.

        Parameters
        ----------
        x : Tensor of shape (n_critics, n, dim_x)
            First variable, per critic; critic ``j`` sees the slice ``x[j]``, of shape
            ``(n, dim_x)``, as a lone module would.
        y : Tensor of shape (n_critics, n, dim_y)
            Second variable, per critic, sliced alike.

        Returns
        -------
        Tensor of shape (n_critics, n)
            Each critic's value for each row.
        """
        buffers = tuple(getattr(self, f"buffer_{i}") for i in range(len(self.buffer_names)))
        return torch.vmap(self._call_one)(tuple(self.stacked), buffers, x, y)


def make_critics(
    critic: Callable[[int, int], nn.Module] | None,
    n_critics: int,
    dim_x: int,
    dim_y: int,
    hidden_layer_sizes: Sequence[int],
    activation: str,
    radial_features: bool = False,
) -> nn.Module:
    """``n_critics`` independent critics as one batched module (forward over a critic axis).

    The default critic becomes a :class:`BatchedConcatCritic` (batched matrix products,
    with ``radial_features`` if asked); a user's ``critic(dim_x, dim_y)`` is built
    ``n_critics`` times and wrapped in :class:`StackedCritics`. Initialisation draws from
    torch's global generator, which the estimators seed.

    Parameters
    ----------
    critic : callable or None
        ``critic(dim_x, dim_y)`` returning an ``nn.Module``; ``None`` for the default critic.
    n_critics : int
        Number of independent critics.
    dim_x : int
        Width of the first variable.
    dim_y : int
        Width of the second variable.
    hidden_layer_sizes : sequence of int
        Hidden widths of the default critic.
    activation : str
        Activation of the default critic.
    radial_features : bool, default=False
        Whether the default critic also sees each side's radius and its gated coordinates.

    Returns
    -------
    nn.Module
        ``forward(x, y)`` on ``(n_critics, n, dim)`` inputs returns ``(n_critics, n)``; it
        has an ``n_critics`` attribute.
    """
    if critic is None:
        return BatchedConcatCritic(
            n_critics, dim_x, dim_y, hidden_layer_sizes, activation, radial_features=radial_features
        )
    if radial_features:
        raise ValueError(
            "radial_features=True adds inputs to the default critic and cannot be combined "
            "with a user critic (critic=...); use radial_features=False or 'auto'"
        )
    return StackedCritics(
        [
            make_critic(critic, dim_x, dim_y, hidden_layer_sizes, activation)
            for _ in range(n_critics)
        ]
    )


class BlockCritics(nn.Module):
    """Critics of several column blocks of the same rows, fused into one batched critic.

    Block ``b``'s critics see the rows with every column outside the block set to zero, so
    the weights of those columns receive no gradient and stay unused: each block's critic is
    exactly a critic of its own columns. The blocks' critics then cost one batched forward
    and backward pass instead of one per block (MINEE's critics of ``(X, Y)``, ``X`` and
    ``Y``).

    Parameters
    ----------
    blocks : dict of str to slice
        Columns of each block, in the rows' ``width`` columns.
    n_critics : int
        Critics per block (one per fold).
    width : int
        Columns of the rows.
    hidden_layer_sizes : sequence of int
        Hidden widths.
    activation : str
        One of :data:`ACTIVATIONS`.
    radial_features : bool, default=False
        Also feed every critic the radial features of :class:`BatchedConcatCritic` of the
        first ``dim_x`` columns and of the others, each side on its own (a block without
        a side sees that side's features as constants).
    dim_x : int, optional
        Columns of the first side, for ``radial_features`` (default: all).

    Notes
    -----
    ``forward(rows)`` takes ``(n_critics, n, width)`` and returns a dict of ``(n_critics,
    n)`` scores per block, keyed as ``block_names``; a block ``"xy"`` scores on top of the
    blocks ``"x"`` and ``"y"`` (:func:`joint_on_marginals`). The first layer of block ``b`` is
    initialised as a layer of its own fan-in (PyTorch's default, as
    :class:`BatchedConcatCritic`).
    """

    def __init__(
        self,
        blocks: dict[str, slice],
        n_critics: int,
        width: int,
        hidden_layer_sizes: Sequence[int],
        activation: str,
        radial_features: bool = False,
        dim_x: int | None = None,
    ) -> None:
        super().__init__()
        self.block_names = list(blocks)
        self.n_critics = n_critics
        self.dim_x = width if dim_x is None else dim_x
        mask = torch.zeros(len(blocks), 1, 1, width)
        for b, columns in enumerate(blocks.values()):
            mask[b, ..., columns] = 1.0
        self.register_buffer("mask", mask)
        self.net = BatchedConcatCritic(
            len(blocks) * n_critics,
            self.dim_x,
            width - self.dim_x,
            hidden_layer_sizes,
            activation,
            radial_features=radial_features,
        )
        fan_in = self.net.weights[0].shape[1]
        with torch.no_grad():
            for b, columns in enumerate(blocks.values()):
                own = len(range(width)[columns])
                scale = math.sqrt(fan_in / (2 * own if radial_features else own))
                part = slice(b * n_critics, (b + 1) * n_critics)
                self.net.weights[0][part] *= scale
                self.net.biases[0][part] *= scale

    def forward(self, rows: Tensor) -> dict[str, Tensor]:
        """Score every block's critics on their block's columns of the same rows.

        Parameters
        ----------
        rows : Tensor of shape (n_critics, n, width) or (n_blocks, n_critics, n, width)
            The joint rows, per critic; with a leading axis, each block's own rows (in the
            order of ``block_names``).

        Returns
        -------
        dict of str to Tensor of shape (n_critics, n)
            Each block's scores, by block name.
        """
        if rows.dim() == 3:
            rows = rows.unsqueeze(0)
        k, n, width = rows.shape[1:]
        blocks = len(self.block_names)
        masked = (rows * self.mask).reshape(blocks * k, n, width)
        split = self.dim_x
        values = self.net(masked[..., :split], masked[..., split:]).reshape(blocks, k, n)
        return joint_on_marginals(dict(zip(self.block_names, values, strict=True)))


class SeparateBlockCritics(nn.ModuleDict):
    """A user's critics, one stack per column block: :class:`BlockCritics`' interface."""

    def __init__(self, stacks: dict[str, nn.Module], blocks: dict[str, slice]) -> None:
        super().__init__(stacks)
        self.blocks = dict(blocks)

    @property
    def block_names(self) -> list[str]:
        return list(self.keys())

    def forward(self, rows: Tensor) -> dict[str, Tensor]:
        per_block = rows.unbind(0) if rows.dim() == 4 else [rows] * len(self)
        return joint_on_marginals(
            {
                key: critic(block_rows[..., self.blocks[key]], block_rows[..., :0])
                for (key, critic), block_rows in zip(self.items(), per_block, strict=True)
            }
        )


# Blocks of all the columns, scored on top of the marginal blocks (joint_on_marginals).
JOINT_BLOCKS = ("xy", "xy_product")


def joint_on_marginals(scores: dict[str, Tensor]) -> dict[str, Tensor]:
    """The joint block's score as an interaction on top of the marginal blocks' scores.

    ``T_xy(x, y) = R(x, y) + T_x(x) + T_y(y)``, the marginal critics' scores taken as
    constants (no gradient from the joint's bound reaches them). The joint critic's best
    ``log p_xy / q_xy`` is ``log p_x / q_x + log p_y / q_y`` plus an interaction whose size
    is that of the MI, so ``R`` only learns the interaction, and the structure within each
    block (a shared scale within ``x``) is learnt once, by the block's own critic. Without
    it the joint critic of 10 coordinates fell behind the 5-coordinate critics of the
    shared-scale Student-t, and the MI, their difference, fell with training.

    Parameters
    ----------
    scores : dict of str to Tensor
        Each block's raw scores, keyed ``"xy"``, ``"xy_product"``, ``"x"``, ``"y"`` (those
        present; ``"xy_product"`` is a second critic of ``(x, y)``, against another
        reference).

    Returns
    -------
    dict of str to Tensor
        The same scores, with each joint block's (when present) plus the marginal blocks'.
    """
    joints = [key for key in JOINT_BLOCKS if key in scores]
    if joints:
        marginals = sum(scores[key].detach() for key in ("x", "y") if key in scores)
        scores = {**scores, **{key: scores[key] + marginals for key in joints}}
    return scores


def make_block_critics(
    critic: Callable[[int, int], nn.Module] | None,
    n_critics: int,
    blocks: dict[str, slice],
    width: int,
    hidden_layer_sizes: Sequence[int],
    activation: str,
    radial_features: bool = False,
    dim_x: int | None = None,
) -> nn.Module:
    """Critics ``T(z_block)`` of column blocks of the same rows, ``n_critics`` per block.

    The default critics are fused into one :class:`BlockCritics`; a user's
    ``critic(dim_block, 0)`` is built per block and critic (:func:`make_critics`).

    Parameters
    ----------
    critic : callable or None
        ``critic(dim_block, 0)`` returning an ``nn.Module``; ``None`` for the default critics.
    n_critics : int
        Critics per block.
    blocks : dict of str to slice
        The columns of each block, by block name.
    width : int
        Number of columns of the rows.
    hidden_layer_sizes : sequence of int
        Hidden widths of the default critics.
    activation : str
        Activation of the default critics.
    radial_features : bool, default=False
        Radial inputs for the default critics (see :class:`BlockCritics`).
    dim_x : int, optional
        Columns of the first side, for ``radial_features``.

    Returns
    -------
    nn.Module
        ``forward(rows)`` on ``(n_critics, n, width)`` rows returns a dict of
        ``(n_critics, n)`` scores per block.
    """
    if critic is None:
        return BlockCritics(
            blocks, n_critics, width, hidden_layer_sizes, activation, radial_features, dim_x
        )
    if radial_features:
        raise ValueError(
            "radial_features=True adds inputs to the default critics and cannot be combined "
            "with a user critic (critic=...); use radial_features=False"
        )
    stacks = {
        key: make_critics(
            critic, n_critics, len(range(width)[columns]), 0, hidden_layer_sizes, activation
        )
        for key, columns in blocks.items()
    }
    return SeparateBlockCritics(stacks, blocks)
