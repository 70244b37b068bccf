"""How fast each estimator's defaults converge on the seeds' tasks, beside the seeds' numbers.

For each task, estimator and seed, the estimator is fitted with its default settings while
its MI estimate is also recorded on a fresh sample of 20,000 pairs (``fit(...,
eval_set=...)``, which plays no part in training). Two iteration counts are reported, both
"first evaluation from which the estimate stays within 10% of the truth until training
stops" (median over seeds; a seed that never gets there counts as larger than any other):

* *critic*: the estimate on the fresh sample — optimisation progress, without the sampling
  noise of a small held-out split;
* *reported*: ``mutual_info_`` had training stopped there (the held-out MI of the best
  checkpoint so far).

Speed is measured separately, as training iterations per second with evaluation switched
off, on HG(0.9, 6) with the estimator's default critic and batch, in the main process (all
of its torch threads). The output ends with the run's commit, package versions, machine and
torch threads, which the plot's PNG also carries.

Usage: ``python benchmarks/convergence.py [--seeds 5] [--jobs 2] [--tasks ...]``
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from _common import (
    environment,
    environment_line,
    finish,
    iterations_to_stay_within,
    markdown_table,
    median_or_none,
    png_metadata,
)
from joblib import Parallel, delayed, parallel_config

from skmine import MINE, MINEE, DeepInfoMaxJSD
from skmine.datasets import correlated_gaussians, mixed_gaussians

TASKS = {
    "MG(0.9), N=400": (lambda n, s: mixed_gaussians(n, 0.9, random_state=s), 400),
    "HG(0.9, 6), N=5000": (lambda n, s: correlated_gaussians(n, 0.9, 6, random_state=s), 5000),
    "HG(0.9, 3), N=5000": (lambda n, s: correlated_gaussians(n, 0.9, 3, random_state=s), 5000),
}
ESTIMATORS = {"MINE": MINE, "MINEE": MINEE, "DeepInfoMaxJSD": DeepInfoMaxJSD}
SEED_PAPER = {  # seed 003, Figures 1 and 2 (N=400, batch 100)
    "MG(0.9), N=400": {"MINE": "≈ 65,600", "MINEE": "≈ 22,800"},
    "HG(0.9, 6), N=5000": {"MINE": "never in 25,000 (N=400)", "MINEE": "≈ 6,000 (N=400)"},
}
TEST_SIZE = 20_000


def reported_series(history: list[dict], tol: float) -> list[float]:
    """``mutual_info_`` had training stopped at each evaluation (best eligible checkpoint)."""
    best, current, series = -np.inf, np.nan, []
    for record in history:
        if record.get("eligible", 1.0) and record["validation"] > best + tol:
            best, current = record["validation"], record["mutual_info"]
        series.append(current)
    return series


def fit_one(task: str, name: str, seed: int, device: str) -> dict:
    """One fit with the fresh-sample monitor; its convergence measures."""
    make, n = TASKS[task]
    X, y, truth = make(n, seed)
    X_test, y_test, _ = make(TEST_SIZE, 10_000 + seed)
    est = ESTIMATORS[name](random_state=seed, device=device)
    start = time.perf_counter()
    est.fit(X, y, eval_set=(X_test, y_test))
    seconds = time.perf_counter() - start
    its = [r["iteration"] for r in est.history_]
    critic = [r["eval_set"] for r in est.history_]
    return {
        "task": task,
        "estimator": name,
        "seed": seed,
        "truth": truth,
        "critic": iterations_to_stay_within(its, critic, truth),
        "reported": iterations_to_stay_within(its, reported_series(est.history_, est.tol), truth),
        "final": est.mutual_info_,
        "n_iter": est.n_iter_,
        "seconds": seconds,
        "curve": (its, critic),
    }


def iterations_per_second(name: str, device: str, n_iter: int = 1000) -> float:
    X, y, _ = correlated_gaussians(5000, 0.9, 6, random_state=0)
    est = ESTIMATORS[name](
        max_iter=n_iter, eval_interval=n_iter, early_stopping=False, random_state=0, device=device
    )
    est.set_params(max_iter=50).fit(X, y)  # warm-up
    est.set_params(max_iter=n_iter)
    start = time.perf_counter()
    est.fit(X, y)
    return n_iter / (time.perf_counter() - start)


def table(records: list[dict]) -> str:
    rows = []
    for task in dict.fromkeys(r["task"] for r in records):
        for name in dict.fromkeys(r["estimator"] for r in records):
            runs = [r for r in records if r["task"] == task and r["estimator"] == name]
            finals = [r["final"] for r in runs]
            rows.append(
                [
                    task,
                    f"{runs[0]['truth']:.3f}",
                    name,
                    median_or_none([r["critic"] for r in runs]),
                    median_or_none([r["reported"] for r in runs]),
                    f"{np.median(finals):.3f} [{min(finals):.3f}, {max(finals):.3f}]",
                    f"{int(np.median([r['n_iter'] for r in runs])):,}",
                    f"{np.median([r['seconds'] for r in runs]):.1f}",
                    SEED_PAPER.get(task, {}).get(name, ""),
                ]
            )
    header = [
        "task",
        "truth (nats)",
        "estimator",
        "iterations: critic",
        "iterations: reported",
        "mutual_info_ median [min, max]",
        "iterations run",
        "fit s",
        "seed 003 (iterations)",
    ]
    return markdown_table(header, rows)


def plot(records: list[dict], path: Path, metadata: dict | None = None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = list(dict.fromkeys(r["task"] for r in records))
    names = list(dict.fromkeys(r["estimator"] for r in records))
    fig, axes = plt.subplots(
        len(tasks), len(names), figsize=(4.2 * len(names), 3.2 * len(tasks)), squeeze=False
    )
    for i, task in enumerate(tasks):
        for j, name in enumerate(names):
            ax = axes[i, j]
            runs = [r for r in records if r["task"] == task and r["estimator"] == name]
            for r in runs:
                ax.plot(*r["curve"], alpha=0.7)
            truth = runs[0]["truth"]
            ax.axhline(truth, color="k", lw=1)
            ax.axhspan(0.9 * truth, 1.1 * truth, color="grey", alpha=0.2)
            ax.set_ylim(min(0.0, ax.get_ylim()[0]) if truth < 1 else 0.0, 1.3 * truth)
            ax.set(title=f"{name}: {task}", xlabel="iteration", ylabel="MI on fresh sample")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, metadata=metadata)
    plt.close(fig)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=1, help="fits in parallel, one thread each")
    parser.add_argument("--tasks", default="all", help="task names separated by ';', or 'all'")
    parser.add_argument("--estimators", default="all", help="names separated by ',', or 'all'")
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--plot", type=Path, default=Path(__file__).parent / "results" / "convergence.png"
    )
    args = parser.parse_args(argv)
    tasks = list(TASKS) if args.tasks == "all" else [t.strip() for t in args.tasks.split(";")]
    names = list(ESTIMATORS) if args.estimators == "all" else args.estimators.split(",")

    # Parallel fits get one torch thread each; a single job runs in this process (default).
    env = environment(1 if args.jobs != 1 else 0, jobs=args.jobs)
    env["device"] = args.device
    env["speed_torch_threads"] = torch.get_num_threads()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {args.device}")
    units = [(t, n, s) for t in tasks for n in names for s in range(args.seeds)]
    with parallel_config(backend="loky", inner_max_num_threads=1):
        records = Parallel(n_jobs=args.jobs)(
            delayed(fit_one)(t, n, s, args.device) for t, n, s in units
        )
    print(f"\nDefaults, {args.seeds} seeds; iterations until within 10% of truth and staying")
    print(table(records))
    print(
        "\nTraining speed (HG(0.9, 6), default critic and batch, no evaluation, "
        f"{env['speed_torch_threads']} torch threads):"
    )
    for name in names:
        print(f"  {name}: {iterations_per_second(name, args.device):,.0f} iterations/s")
    finish(env)
    print(f"\n{environment_line(env)} Device: {args.device}.")
    if args.plot:
        plot(records, args.plot, png_metadata(env))
        print(f"plot saved to {args.plot}")


if __name__ == "__main__":
    main()
