"""How fast MINE's defaults converge on the seeds' tasks, beside the seeds' own numbers.

For each task and seed, MINE is fitted with its default settings while the critic's bound is
also recorded on a fresh sample of 20,000 pairs (``fit(..., eval_set=...)``, which plays no
part in training). Two iteration counts are reported, both "first iteration from which the
estimate stays within 10% of the truth until training stops":

* *critic*: the bound of the critic on the fresh sample — optimisation progress, without
  the sampling noise of a small held-out split;
* *reported*: ``mutual_info_`` had training stopped there (the best held-out value so far).

Speed is measured separately as training iterations per second with evaluation switched off.

Usage: ``python benchmarks/convergence.py [--seeds 5] [--plot benchmarks/results/convergence.png]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from _common import iterations_to_stay_within, markdown_table, median_or_none, running_max

from skmine import MINE
from skmine.datasets import correlated_gaussians, mixed_gaussians

TASKS = {
    "MG(0.9), N=400": (lambda n, s: mixed_gaussians(n, 0.9, random_state=s), 400),
    "HG(0.9, 6), N=5000": (lambda n, s: correlated_gaussians(n, 0.9, 6, random_state=s), 5000),
}
SEED_PAPER = {
    "MG(0.9), N=400": "MINE ≈ 65,600 (MI-NEE ≈ 22,800)",
    "HG(0.9, 6), N=5000": "MINE never in 25,000 at N=400 (MI-NEE ≈ 6,000)",
}
TEST_SIZE = 20_000


def run_task(name: str, seeds: int, device: str) -> tuple[list, dict]:
    make, n = TASKS[name]
    critic_iters, reported_iters, finals, times, curves = [], [], [], [], []
    truth = None
    for seed in range(seeds):
        X, y, truth = make(n, seed)
        X_test, y_test, _ = make(TEST_SIZE, 10_000 + seed)
        start = time.perf_counter()
        est = MINE(random_state=seed, device=device).fit(X, y, eval_set=(X_test, y_test))
        times.append(time.perf_counter() - start)
        its = [r["iteration"] for r in est.history_]
        critic = [r["eval_set"] for r in est.history_]
        critic_iters.append(iterations_to_stay_within(its, critic, truth))
        reported_iters.append(
            iterations_to_stay_within(
                its, running_max([r["validation"] for r in est.history_]), truth
            )
        )
        finals.append(est.mutual_info_)
        curves.append((its, critic))
    row = [
        name,
        f"{truth:.3f}",
        median_or_none(critic_iters),
        median_or_none(reported_iters),
        f"{np.median(finals):.3f} [{min(finals):.3f}, {max(finals):.3f}]",
        f"{np.median(times):.1f}",
        SEED_PAPER[name],
    ]
    return row, {"truth": truth, "curves": curves}


def iterations_per_second(device: str, n_iter: int = 2000) -> float:
    X, y, _ = correlated_gaussians(5000, 0.9, 6, random_state=0)
    est = MINE(
        max_iter=n_iter, eval_interval=n_iter, early_stopping=False, random_state=0, device=device
    )
    start = time.perf_counter()
    est.fit(X, y)
    return n_iter / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--plot", default="benchmarks/results/convergence.png")
    args = parser.parse_args()

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {args.device}")
    rows, curves = [], {}
    for name in TASKS:
        row, curves[name] = run_task(name, args.seeds, args.device)
        rows.append(row)
    header = [
        "task",
        "truth (nats)",
        "iterations: critic",
        "iterations: reported",
        "mutual_info_ median [min, max]",
        "fit s",
        "seed 003 (iterations)",
    ]
    print(f"\nMINE defaults, {args.seeds} seeds; iterations until within 10% of truth and staying")
    print(markdown_table(header, rows))
    print(
        f"\nTraining speed (HG(0.9, 6), default critic and batch, no evaluation): "
        f"{iterations_per_second(args.device):,.0f} iterations/s"
    )
    if args.plot:
        plot(curves, args.plot)
        print(f"plot saved to {args.plot}")


def plot(curves: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(curves), figsize=(5 * len(curves), 3.6))
    for ax, (name, data) in zip(np.atleast_1d(axes), curves.items(), strict=True):
        for its, values in data["curves"]:
            ax.plot(its, values, alpha=0.7)
        truth = data["truth"]
        ax.axhline(truth, color="k", lw=1)
        ax.axhspan(0.9 * truth, 1.1 * truth, color="grey", alpha=0.2)
        ax.set(title=f"MINE: {name}", xlabel="iteration", ylabel="bound on fresh sample (nats)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    main()
