"""Fit time of the estimate policies side by side: one held-out split against cross-fitting.

Fits every registered estimator with its defaults (3-fold cross-fitting, the deeper critic),
without the optimism correction (``bias_correction=None``, the held-out bound as it is), with
the previous critic (two layers of 100 at a learning rate of 1e-3) and with that critic
and ``cv=None`` (one split holding out 20%: the defaults before cross-fitting) on the same
samples, one fit at a time, taking turns so that a change in the machine's load hits all of
them. Prints a markdown table of seconds and iterations per fit and each policy's ratio to
the first::

    python benchmarks/policy_time.py                # N=5,000, 2 seeds, 4 tasks
    python benchmarks/policy_time.py --estimators mine --seeds 3

Run it on an otherwise idle machine: a busy core makes a 2-thread fit many times slower.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np
import torch
from _common import PREVIOUS_CRITIC
from sklearn.exceptions import ConvergenceWarning

from skmine.cli.registry import ESTIMATORS
from skmine.datasets import TASKS

DEFAULT_TASKS = ["dense-gauss 5x5", "sparse-gauss 5x5", "HG(0.9, 1)", "HG(0.9, 6)"]
POLICIES = {
    "one split, previous critic": {"cv": None, **PREVIOUS_CRITIC},
    "cross-fitted, previous critic": PREVIOUS_CRITIC,
    "cross-fitted, uncorrected": {"bias_correction": None},
    "cross-fitted (defaults)": {},
}


def time_fit(cls, params: dict, X, y, seed: int) -> tuple[float, int, float]:
    """Seconds, iterations and estimate of one fit."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        est = cls(random_state=seed, device="cpu", **params).fit(X, y)
        return time.perf_counter() - start, est.n_iter_, float(est.mutual_info_)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-samples", type=int, default=5000)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--tasks", default=";".join(DEFAULT_TASKS))
    parser.add_argument("--estimators", default="mine;dim", help="registry names, ';'-separated")
    args = parser.parse_args(argv)
    tasks = [t.strip() for t in args.tasks.split(";")]
    names = [n.strip() for n in args.estimators.split(";")]
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} torch threads, "
        f"load average at start {os.getloadavg()[0]:.2f}, N={args.n_samples}, "
        f"seeds 0..{args.seeds - 1}\n"
    )
    rows = {}
    for task in tasks:
        for seed in range(args.seeds):
            X, y, _ = TASKS[task].sample(args.n_samples, seed)
            for name in names:
                for policy, params in POLICIES.items():
                    seconds, n_iter, _ = time_fit(ESTIMATORS[name], params, X, y, seed)
                    rows.setdefault((ESTIMATORS[name].__name__, task, policy), []).append(
                        (seconds, n_iter)
                    )
                    print(
                        f"  {task:<18} seed {seed} {name:<5} {policy:<24} {seconds:6.1f} s "
                        f"{n_iter:5d} it",
                        flush=True,
                    )
    ratios = " | ".join(f"ratio {i + 1}/1" for i in range(1, len(POLICIES)))
    columns = " | ".join(f"{p}: s (it)" for p in POLICIES)
    print(f"\n| estimator | task | {columns} | {ratios} |")
    print("|---|---|" + "---:|" * (2 * len(POLICIES) - 1))
    totals: dict = {}
    for name in dict.fromkeys(k[0] for k in rows):
        for task in tasks:
            cells, means = [], []
            for policy in POLICIES:
                values = np.array(rows[name, task, policy])
                means.append(values[:, 0].mean())
                totals.setdefault((name, policy), []).extend(values[:, 0])
                cells.append(f"{values[:, 0].mean():.1f} ({values[:, 1].mean():.0f})")
            cells += [f"{m / means[0]:.2f}" for m in means[1:]]
            print(f"| {name} | {task} | " + " | ".join(cells) + " |")
    print()
    for name in dict.fromkeys(k[0] for k in rows):
        means = [np.mean(totals[name, p]) for p in POLICIES]
        summary = ", ".join(
            f"{p} {m:.1f} s ({m / means[0]:.2f}x)" for p, m in zip(POLICIES, means, strict=True)
        )
        print(f"{name}: mean {summary}")
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
