"""A representation invariant to a nuisance attribute, learned with an MI bound as a penalty.

The data (made here, no downloads) have a binary label ``y`` and a binary attribute ``s``
that agrees with ``y`` 70% of the time. Of the 10 features, 4 are shifted by ``+-0.5`` with
``y`` and 3 by ``+-2`` with ``s`` (in unit Gaussian noise); 3 are pure noise. A classifier
trained on ``y`` alone (an MLP encoder ``f: X -> Z``, ``Z`` 4-D, and a linear head) uses
the ``s`` features too, since ``s`` predicts ``y``, and ``Z`` keeps much of ``s``.

The penalty is adversarial (min-max). A critic ``T(z, s)``
(:class:`skmine.critics.ConcatCritic`) maximises Deep InfoMax's Jensen-Shannon objective
:func:`skmine.objectives.jsd` on minibatches, whose optimum is the log density ratio; the
encoder and head minimise ``cross_entropy + lam * DV``, where ``DV`` is that critic's
Donsker-Varadhan bound :func:`skmine.objectives.donsker_varadhan` on ``I(Z; S)``. Marginal
pairs shuffle ``s`` within the minibatch; the two sides take alternate Adam steps. Two
details keep the game from stalling: the critic sees ``Z`` whitened over the minibatch, and
the encoder's learning rate decays to 0 (see the comments in the code).

On a held-out split the script reports the accuracy on ``y`` and an independent estimate
of ``I(Z; S)``: a fresh :class:`skmine.MINE` fitted on ``(Z, s)``, not the adversary. It
lies between 0 and ``H(S) = log 2 = 0.693`` nats. A ``Z`` from which ``y`` can be read
exactly carries at least ``I(Y; S) = 0.082`` nats (data processing inequality), so the
penalty cannot reach 0 without giving up accuracy.

Run ``python docs/examples/mi_regulariser.py``: it compares ``--lam 0`` with ``--lam 1``
(``--lam`` takes several values). ``--n-samples``, ``--max-iter`` and ``--mine-max-iter``
set the budget, ``--device cuda`` uses a GPU.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from skmine import MINE
from skmine.critics import ConcatCritic
from skmine.objectives import donsker_varadhan, jsd

N_Y_FEATURES, N_S_FEATURES, N_NOISE_FEATURES = 4, 3, 3
N_FEATURES = N_Y_FEATURES + N_S_FEATURES + N_NOISE_FEATURES
AGREEMENT = 0.7
Y_SHIFT, S_SHIFT = 0.5, 2.0


def make_data(n_samples: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features ``X`` (float32, 10 columns), label ``y`` and attribute ``s`` (both 0/1).

    Parameters
    ----------
    n_samples : int
        Number of rows.
    seed : int, default=0
        Seed of the draw.

    Returns
    -------
    X : ndarray of shape (n_samples, 10)
        Columns 0-3 are ``Y_SHIFT * (2y - 1)`` plus unit Gaussian noise, columns 4-6
        ``S_SHIFT * (2s - 1)`` plus noise, columns 7-9 noise.
    y, s : ndarray of shape (n_samples,)
        ``s`` is a fair coin; ``y = s`` with probability ``AGREEMENT``.
    """
    rng = np.random.RandomState(seed)
    s = rng.randint(0, 2, size=n_samples)
    y = np.where(rng.random_sample(n_samples) < AGREEMENT, s, 1 - s)
    X = rng.standard_normal((n_samples, N_FEATURES))
    X[:, :N_Y_FEATURES] += Y_SHIFT * (2 * y[:, None] - 1)
    X[:, N_Y_FEATURES : N_Y_FEATURES + N_S_FEATURES] += S_SHIFT * (2 * s[:, None] - 1)
    return X.astype(np.float32), y, s


def label_attribute_mi() -> float:
    """``I(Y; S)`` in nats: ``log 2`` minus the binary entropy of ``AGREEMENT``."""
    p = AGREEMENT
    return math.log(2) + p * math.log(p) + (1 - p) * math.log(1 - p)


class Classifier(nn.Module):
    """An MLP encoder ``X -> Z`` and a linear head ``Z -> logits of y``."""

    def __init__(self, n_features: int = N_FEATURES, dim_z: int = 4, hidden: int = 64) -> None:
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Linear(n_features, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, dim_z),
        )
        self.head = nn.Linear(dim_z, 2)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        z = self.encoder(x)
        return z, self.head(z)


def whiten(z: torch.Tensor, eps: float = 1e-4) -> torch.Tensor:
    """Decorrelate the columns of a minibatch and scale them to unit variance (differentiable)."""
    z = z - z.mean(0)
    cov = z.T @ z / (len(z) - 1) + eps * torch.eye(z.shape[1], device=z.device)
    return torch.linalg.solve_triangular(torch.linalg.cholesky(cov), z.T, upper=False).T


def _critic_values(
    critic: nn.Module, z: torch.Tensor, s: torch.Tensor, perm: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """``T`` on the joint pairs ``(z_i, s_i)`` and on the marginal pairs ``(z_i, s_perm[i])``."""
    # An invertible linear map leaves I(Z; S) unchanged, but without it the encoder can hide
    # s along a direction of small variance, which a critic on raw z learns only slowly.
    z = whiten(z)
    return critic(z, s), critic(z, s[perm])


def train_representation(
    X: np.ndarray,
    y: np.ndarray,
    s: np.ndarray,
    lam: float,
    n_iter: int = 1000,
    seed: int = 0,
    device: str = "cpu",
    batch_size: int = 256,
    learning_rate: float = 1e-3,
    critic_learning_rate: float = 3e-3,
) -> Classifier:
    """Train encoder and head on ``y`` with the penalty ``lam * DV(Z; S)`` against a critic.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Features.
    y, s : ndarray of shape (n_samples,)
        Labels (0/1) and the binary attribute to be invariant to.
    lam : float
        Weight of the penalty; 0 trains a plain classifier (the critic still trains, unused).
    n_iter : int, default=1000
        Alternating steps: one critic step, then one encoder-and-head step, each on a fresh
        minibatch.
    seed : int, default=0
        Seeds the initial weights and the minibatches: a CPU run is reproducible.
    device : str, default="cpu"
        Where to train.
    batch_size : int, default=256
        Minibatch size.
    learning_rate : float, default=1e-3
        Adam's learning rate for the encoder and head.
    critic_learning_rate : float, default=3e-3
        Adam's learning rate for the critic, higher so that it keeps up with the encoder.

    Returns
    -------
    Classifier
        The trained model, on ``device``, in eval mode.
    """
    device = torch.device(device)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = Classifier(X.shape[1]).to(device)
        critic = ConcatCritic(model.head.in_features, 1, hidden_layer_sizes=(64, 64)).to(device)
    x_all = torch.as_tensor(X, dtype=torch.float32, device=device)
    y_all = torch.as_tensor(y, dtype=torch.long, device=device)
    # The critic sees s as one column in {-1, 1}.
    s_all = torch.as_tensor(2.0 * s - 1.0, dtype=torch.float32, device=device).unsqueeze(1)
    model_opt = torch.optim.Adam(model.parameters(), lr=learning_rate)
    critic_opt = torch.optim.Adam(critic.parameters(), lr=critic_learning_rate)
    # The encoder's learning rate decays linearly to 0: the game settles with the critic
    # ahead, instead of stopping wherever the encoder last outran it.
    schedule = torch.optim.lr_scheduler.LambdaLR(model_opt, lambda step: 1 - step / n_iter)
    generator = torch.Generator().manual_seed(seed)
    n, batch_size = len(X), min(batch_size, len(X))

    def minibatch() -> tuple[torch.Tensor, ...]:
        rows = torch.randint(n, (batch_size,), generator=generator).to(device)
        perm = torch.randperm(batch_size, generator=generator).to(device)
        return x_all[rows], y_all[rows], s_all[rows], perm

    model.train()
    for _ in range(n_iter):
        x, _, s_batch, perm = minibatch()
        with torch.no_grad():
            z = model.encoder(x)
        critic_loss = -jsd(*_critic_values(critic, z, s_batch, perm))
        critic_opt.zero_grad()
        critic_loss.backward()
        critic_opt.step()

        x, y_batch, s_batch, perm = minibatch()
        z, logits = model(x)
        loss = F.cross_entropy(logits, y_batch)
        if lam:
            # This also leaves gradients on the critic; critic_opt.zero_grad() clears them.
            loss = loss + lam * donsker_varadhan(*_critic_values(critic, z, s_batch, perm))
        model_opt.zero_grad()
        loss.backward()
        model_opt.step()
        schedule.step()
    return model.eval()


def evaluate(
    model: Classifier,
    X: np.ndarray,
    y: np.ndarray,
    s: np.ndarray,
    device: str = "cpu",
    mine_max_iter: int = 5000,
) -> dict[str, float]:
    """Accuracy on ``y`` and an independent MINE estimate of ``I(Z; S)`` on held-out data.

    Parameters
    ----------
    model : Classifier
        A trained model.
    X : ndarray of shape (n_samples, n_features)
        Held-out features.
    y, s : ndarray of shape (n_samples,)
        Held-out labels and attribute.
    device : str, default="cpu"
        Where to run the model and to train MINE's critic.
    mine_max_iter : int, default=5000
        Iteration budget of :class:`skmine.MINE` (which also stops early).

    Returns
    -------
    dict
        ``accuracy`` on ``y`` and ``mi_zs``, the estimate of ``I(Z; S)`` in nats.
    """
    with torch.no_grad():
        z, logits = model(torch.as_tensor(X, dtype=torch.float32, device=device))
    accuracy = float((logits.argmax(1).cpu().numpy() == y).mean())
    mine = MINE(max_iter=mine_max_iter, device=device, random_state=0)
    mine.fit(z.cpu().numpy(), s)
    return {"accuracy": accuracy, "mi_zs": mine.mutual_info_}


def main(argv: list[str] | None = None) -> list[dict]:
    """Run the comparison from the command line.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments; ``sys.argv[1:]`` when omitted.

    Returns
    -------
    list of dict
        One row per ``--lam`` value: ``lam``, ``accuracy`` and ``mi_zs`` (nats).
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-samples", type=int, default=10_000, help="70%% train, 30%% test")
    parser.add_argument("--max-iter", type=int, default=1000, help="alternating steps")
    parser.add_argument("--mine-max-iter", type=int, default=5000, help="MINE's max_iter")
    parser.add_argument("--lam", type=float, nargs="+", default=[0.0, 1.0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--threads", type=int, default=1, help="CPU threads (small networks run best on one)"
    )
    args = parser.parse_args(argv)
    threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        return _compare(args)
    finally:
        torch.set_num_threads(threads)


def _compare(args: argparse.Namespace) -> list[dict]:
    """Train and evaluate once per ``--lam`` value; print and return the table."""
    X, y, s = make_data(args.n_samples, args.seed)
    n_train = int(0.7 * args.n_samples)
    train, test = slice(None, n_train), slice(n_train, None)
    print(
        f"I(Y; S) = {label_attribute_mi():.3f} nats, H(S) = {math.log(2):.3f} nats; "
        f"{n_train} training and {args.n_samples - n_train} test samples"
    )
    print("   lam  test accuracy  I(Z; S) (MINE, nats)")
    start = time.perf_counter()
    rows = []
    for lam in args.lam:
        model = train_representation(
            X[train], y[train], s[train], lam, args.max_iter, args.seed, args.device
        )
        result = evaluate(model, X[test], y[test], s[test], args.device, args.mine_max_iter)
        rows.append({"lam": lam, **result})
        print(f"{lam:6.2f}  {result['accuracy']:13.3f}  {result['mi_zs']:20.3f}")
    print(f"{time.perf_counter() - start:.0f} s")
    return rows


if __name__ == "__main__":
    main()
