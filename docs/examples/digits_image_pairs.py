"""MINE on pairs of handwritten digits of the same class.

``A`` is a digit image (8 x 8, scikit-learn's bundled ``load_digits``) of a class drawn
uniformly from a subset ``C`` of the ten classes, ``B`` another image of the same class,
drawn independently. The class is a function of either image and ``A``, ``B`` are
independent given it, so ``I(A; B) = H(class) = log |C|``. A small convolutional critic is
passed to :class:`skmine.MINE` through ``critic=``.

Run ``python docs/examples/digits_image_pairs.py --classes 4`` (and ``--classes 8``);
``--n-pairs``, ``--max-iter`` and ``--eval-interval`` set the budget, ``--device cuda`` uses a GPU.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn

from skmine import MINE

SIDE = 8


def image_pairs(
    classes: list[int], n_pairs: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, float]:
    """``n_pairs`` pairs of flattened images sharing a class drawn uniformly from ``classes``."""
    digits = load_digits()
    images = digits.data / 16.0
    rng = np.random.RandomState(seed)
    labels = rng.choice(classes, size=n_pairs)
    by_class = {c: np.flatnonzero(digits.target == c) for c in classes}
    first = np.array([rng.choice(by_class[c]) for c in labels])
    second = np.array([rng.choice(by_class[c]) for c in labels])
    return images[first], images[second], math.log(len(classes))


class ImagePairCritic(nn.Module):
    """Two small convolutional towers (one per image) and an MLP on their features."""

    def __init__(self, dim_x: int, dim_y: int) -> None:
        super().__init__()
        if dim_x != SIDE * SIDE or dim_y != SIDE * SIDE:
            raise ValueError("expects two flattened 8 x 8 images")

        def tower() -> nn.Sequential:
            return nn.Sequential(
                nn.Conv2d(1, 16, kernel_size=3, padding=1),
                nn.ReLU(),
                nn.Conv2d(16, 32, kernel_size=3, padding=1),
                nn.MaxPool2d(2),
                nn.ReLU(),
                nn.Flatten(),
                nn.Linear(32 * 4 * 4, 64),
                nn.ReLU(),
            )

        self.tower_a, self.tower_b = tower(), tower()
        self.head = nn.Sequential(nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 1))

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        a = self.tower_a(a.view(-1, 1, SIDE, SIDE))
        b = self.tower_b(b.view(-1, 1, SIDE, SIDE))
        return self.head(torch.cat([a, b], dim=1)).squeeze(-1)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--classes", type=int, default=4, help="|C|: the first |C| digits")
    parser.add_argument("--n-pairs", type=int, default=20_000)
    parser.add_argument("--max-iter", type=int, default=3000)
    parser.add_argument("--eval-interval", type=int, default=250)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    A, B, truth = image_pairs(list(range(args.classes)), args.n_pairs, args.seed)
    est = MINE(
        critic=ImagePairCritic,
        scaling=None,
        max_iter=args.max_iter,
        n_iter_no_change=20,
        eval_interval=args.eval_interval,
        device=args.device,
        random_state=args.seed,
    )
    start = time.perf_counter()
    est.fit(A, B)
    seconds = time.perf_counter() - start
    error = (est.mutual_info_ - truth) / truth
    print(
        f"|C| = {args.classes}: MINE {est.mutual_info_:.3f} nats, truth log|C| = {truth:.3f} "
        f"({100 * error:+.1f}%), {est.n_iter_} iterations ({est.stop_reason_}), {seconds:.0f} s"
    )
    return {"estimate": est.mutual_info_, "truth": truth, "seconds": seconds}


if __name__ == "__main__":
    main()
