"""Screens of ``ci_test``'s excess size on the post-non-linear null (n = 1,000, dim Z = 5).

The model of ``benchmarks/ci_test_size.py`` (X = tanh(Z1 + 0.5 e), Y = (Z1 + 0.5 e')^3 / 3,
four distractor columns in Z), one variant of the blocks at a time, two tests at a time with
one torch thread each; prints the nulls rejected at alpha = 0.05 and the mean p-value:

- ``default``: the package's blocks, in (E[X | Z], E[Y | Z]);
- ``ties``: Z drawn as 200 distinct rows repeated five times and blocks of exactly equal Z,
  where the permutations are exact by construction (a check of the machinery);
- ``oracle``: blocks of consecutive samples in the true Z1, which a test cannot know;
- ``freeze``: the package's blocks, with the samples of every block wider than ``--factor``
  times the median block (standardised blocking space) left unpermuted.

::

    PYTHONPATH=benchmarks python benchmarks/archive/ci_test_null_screens.py ties --seeds 0 200
"""

from __future__ import annotations

import argparse
import warnings

import ci_test_size
import numpy as np
from joblib import Parallel, delayed, parallel_config


def sample(seed: int, ties: bool):
    """``ci_test_size.py``'s post-non-linear null; with ``ties``, Z in groups of five equal rows."""
    if not ties:
        return ci_test_size.sample("post-nonlinear", 1000, 5, seed, dependent=False)
    rng = np.random.default_rng(seed)
    z = np.repeat(rng.normal(size=(200, 5)), 5, axis=0)
    e1, e2 = rng.normal(size=1000), rng.normal(size=1000)
    return np.tanh(z[:, 0] + 0.5 * e1), (z[:, 0] + 0.5 * e2) ** 3 / 3, z


def run(variant: str, seed: int, factor: float) -> float:
    import torch

    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    import skmine.independence._conditional_permutation as module
    from skmine._engine.local_permutation import _standardised, blocks

    def exact(space, block_size, tie_break=None):
        return np.unique(tie_break[:, 0], return_inverse=True)[1]

    def oracle(space, block_size, tie_break=None):
        return blocks(tie_break[:, :1], block_size)

    def freeze(space, block_size, tie_break=None):
        labels = blocks(space, block_size, tie_break=tie_break)
        scaled = _standardised(space)
        spread = np.array(
            [np.ptp(scaled[labels == b], axis=0).max() for b in range(labels.max() + 1)]
        )
        out, next_label = labels.copy(), labels.max() + 1
        for i in np.flatnonzero((spread > factor * np.median(spread))[labels]):
            out[i], next_label = next_label, next_label + 1
        return out

    module.blocks = {"default": blocks, "ties": exact, "oracle": oracle, "freeze": freeze}[variant]
    x, y, z = sample(seed, ties=variant == "ties")
    return module.ci_test(x, y, z, random_state=seed).pvalue


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variant", choices=["default", "ties", "oracle", "freeze"])
    parser.add_argument("--seeds", nargs=2, type=int, default=[0, 200], metavar=("FIRST", "END"))
    parser.add_argument("--factor", type=float, default=2.0)
    args = parser.parse_args()
    seeds = range(*args.seeds)
    with parallel_config(backend="loky", inner_max_num_threads=1):
        p = np.array(Parallel(n_jobs=2)(delayed(run)(args.variant, s, args.factor) for s in seeds))
    print(
        f"{args.variant}: {(p <= 0.05).sum()} of {len(seeds)} nulls rejected at 0.05, "
        f"mean p {p.mean():.3f}, seeds {args.seeds[0]}-{args.seeds[1] - 1}"
    )


if __name__ == "__main__":
    main()
