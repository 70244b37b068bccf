"""Why the hard tasks fail: one hypothesis per variant of MINE's defaults, with learning curves.

For each task of the ``"hard"`` family of :data:`skmine.datasets.TASKS` (Student-t with a
shared scale only, spirals of sparse Gaussians) and a few others for contrast, MINE is fitted
at N=5,000 with its defaults and with one change at a time, each testing one explanation:

* **the critic before this one**: two layers of 100 at a learning rate of 1e-3 (the
  defaults until the deeper critic, four layers of 64 at 2e-3);
* **radial features**: the defaults without the radial-feature search
  (``radial_features=False``, the critic before it);
* **optimisation**: ``max_iter=15000`` without early stopping (is the estimate still rising
  at the default stop?), and a 3x larger learning rate;
* **capacity**: a wider critic of the same depth, ``(128, 128, 128, 128)``;
* **preprocessing**: ``scaling="standard"`` instead of rank-gaussian;
* **data**: the default fit on N=20,000 (does the held-out bound rise with more data?).

Every fit records its MI on a fresh sample of 20,000 pairs at every evaluation
(``eval_set``), which plays no part in training. The table gives the reported estimate,
the best fresh-sample value and the iteration of the best checkpoint; the plot shows the
fresh-sample learning curves. One fit at a time, all torch threads (``--threads``). Both
files (``benchmarks/results/<out>.{md,png}``) record the run's commit, package versions,
machine and torch threads: the markdown under its table, the PNG in its description field.

Usage: ``python benchmarks/hard_cases.py [--tasks ...] [--variants ...] [--seed 0]``
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from _common import PREVIOUS_CRITIC, environment, environment_line, finish, png_metadata

from skmine import MINE
from skmine.datasets import TASKS

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_TASKS = [name for name, task in TASKS.items() if task.family == "hard"] + [
    "student-t 5x5 df=5",
    "spiral 3x3",
]
VARIANTS = {
    "previous defaults": (PREVIOUS_CRITIC, 5000),
    "defaults": ({}, 5000),
    "plain critic": ({"radial_features": False}, 5000),
    "15,000 iterations": ({"max_iter": 15000, "early_stopping": False}, 5000),
    "lr 6e-3": ({"learning_rate_init": 6e-3}, 5000),
    "critic 128x4": ({"hidden_layer_sizes": (128,) * 4}, 5000),
    "scaling standard": ({"scaling": "standard"}, 5000),
    "N=20,000": ({}, 20000),
}


def run(task_name: str, variant: str, seed: int) -> dict:
    params, n = VARIANTS[variant]
    X, y, truth = TASKS[task_name].sample(n, seed)
    X_eval, y_eval, _ = TASKS[task_name].sample(20000, seed + 1000)
    est = MINE(random_state=seed, **params)
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y, eval_set=(X_eval, y_eval))
    seconds = time.perf_counter() - start
    curve = [(r["iteration"], r["eval_set"]) for r in est.history_]
    return {
        "task": task_name,
        "variant": variant,
        "truth": truth,
        "estimate": est.mutual_info_,
        "ci": est.mutual_info_ci_,
        "best_fresh": max(v for _, v in curve),
        "best_iteration": est.best_iteration_,
        "n_iter": est.n_iter_,
        "seconds": seconds,
        "warned": any("rising" in str(w.message) or "plateau" in str(w.message) for w in caught),
        "curve": curve,
    }


def percent(value: float, truth: float) -> str:
    return f"{100 * (value / truth - 1):+.0f}%"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default=";".join(DEFAULT_TASKS))
    parser.add_argument("--variants", default=";".join(VARIANTS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default="hard_cases")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    env = environment(args.threads)
    tasks, variants = args.tasks.split(";"), args.variants.split(";")
    print(
        f"MINE, seed {args.seed}, {args.threads} torch threads, one fit at a time "
        f"(torch {torch.__version__})\n"
    )
    records = []
    for task in tasks:
        for variant in variants:
            r = run(task, variant, args.seed)
            records.append(r)
            print(
                f"  {task:<30} {variant:<20} {r['estimate']:.3f} "
                f"({percent(r['estimate'], r['truth'])}), fresh best {r['best_fresh']:.3f}, "
                f"checkpoint {r['best_iteration']}/{r['n_iter']}, {r['seconds']:.0f} s",
                flush=True,
            )
    header = "| task | truth | " + " | ".join(variants) + " |"
    lines = [header, "|---|---:|" + "---:|" * len(variants)]
    for task in tasks:
        row = [r for r in records if r["task"] == task]
        truth = row[0]["truth"]
        cells = [
            f"{r['estimate']:.3f} ({percent(r['estimate'], truth)}), fresh "
            f"{r['best_fresh']:.3f}, it {r['best_iteration']}/{r['n_iter']}"
            + (", warned" if r["warned"] else "")
            for r in row
        ]
        lines.append(f"| {task} | {truth:.3f} | " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    finish(env)
    print("\n" + table + "\n\n" + environment_line(env))
    RESULTS.mkdir(exist_ok=True)
    caption = (
        f"MINE, N=5,000 unless stated, seed {args.seed}, {args.threads} torch threads, one fit "
        "at a time. Each cell: reported estimate (signed error), best MI on a fresh sample "
        "of 20,000 pairs, checkpoint iteration / iterations run; `warned`: a "
        "still-rising or plateau warning was raised."
    )
    (RESULTS / f"{args.out}.md").write_text(f"{caption}\n\n{table}\n\n{environment_line(env)}\n")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, axes = plt.subplots(1, len(tasks), figsize=(4.2 * len(tasks), 3.6), squeeze=False)
    for ax, task in zip(axes[0], tasks, strict=True):
        for r in (r for r in records if r["task"] == task):
            it, value = np.array(r["curve"]).T
            ax.plot(it, value, label=r["variant"], lw=1)
        ax.axhline(records[[r["task"] for r in records].index(task)]["truth"], color="k", ls=":")
        ax.set_title(task, fontsize=9)
        ax.set_xlabel("iteration")
    axes[0][0].set_ylabel("MI on a fresh sample (nats)")
    axes[0][-1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(RESULTS / f"{args.out}.png", dpi=110, metadata=png_metadata(env))


if __name__ == "__main__":
    main()
