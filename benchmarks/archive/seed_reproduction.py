"""Reproduce seed 003's Figures 1 and 2: MINE vs MI-NEE, estimate against iteration.

Tasks (as in the paper, N=400 samples): MG(0.9) (truth 0.408 nats) and HG(0.9, 6) (truth
4.982 nats). Two settings:

* ``paper``: batch 100; Adam with lr 1e-4 (MG) and 5e-5 (HG); MINE's moving average 0.01;
  MI-NEE with the uniform reference and 10x (MG) / 300x (HG) reference samples per data
  sample; no early stopping.
* ``defaults``: skmine's defaults for ``MINE`` and ``MINEE``.

The curve is the estimator's MI estimate on a fresh sample of 20,000 pairs
(``fit(..., eval_set=...)``), which measures the critics, not the noise of a small held-out
split. Printed: iterations until the curve stays within 10% of the truth (median over seeds)
and the final reported ``mutual_info_``. Plots go to ``benchmarks/archive/results/``.

Usage::

    python benchmarks/archive/seed_reproduction.py --settings defaults --seeds 5
    python benchmarks/archive/seed_reproduction.py --settings paper --max-iter 25000 --device cuda
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import iterations_to_stay_within, markdown_table, median_or_none

from skmine import MINE, MINEE
from skmine.datasets import correlated_gaussians, mixed_gaussians

TASKS = {
    "MG(0.9)": lambda n, s: mixed_gaussians(n, 0.9, random_state=s),
    "HG(0.9, 6)": lambda n, s: correlated_gaussians(n, 0.9, 6, random_state=s),
}
PAPER = {  # seed 003, section 4
    "MG(0.9)": {"lr": 1e-4, "reference_size": 10, "minee": "≈ 2·10^4", "mine": "≈ 7·10^4"},
    "HG(0.9, 6)": {
        "lr": 5e-5,
        "reference_size": 300,
        "minee": "≈ 6·10^3",
        "mine": "not in 2.5·10^4",
    },
}


def estimators(task: str, settings: str, seed: int, max_iter: int, device: str) -> dict:
    if settings == "defaults":
        common = {"random_state": seed, "device": device}
        if max_iter:
            common["max_iter"] = max_iter
        return {"MINE": MINE(**common), "MINEE": MINEE(**common)}
    paper = PAPER[task]
    common = dict(
        batch_size=100,
        learning_rate_init=paper["lr"],
        max_iter=max_iter,
        early_stopping=False,
        eval_interval=max(100, max_iter // 100),
        random_state=seed,
        device=device,
    )
    return {
        "MINE": MINE(bound="mine", ema_decay=0.01, **common),
        "MINEE": MINEE(reference="uniform", reference_size=paper["reference_size"], **common),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", choices=["paper", "defaults"], default="defaults")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--n-samples", type=int, default=400)
    parser.add_argument(
        "--max-iter",
        type=int,
        default=0,
        help="iterations (paper settings: default 25000; defaults: the estimators' own max_iter)",
    )
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--tasks", nargs="+", choices=list(TASKS), default=list(TASKS))
    parser.add_argument(
        "--plot", default="benchmarks/archive/results/seed_reproduction_{settings}.png"
    )
    args = parser.parse_args()
    max_iter = args.max_iter or (25_000 if args.settings == "paper" else 0)

    rows, curves = [], {}
    for task in args.tasks:
        make = TASKS[task]
        results = {}
        for seed in range(args.seeds):
            X, y, truth = make(args.n_samples, seed)
            X_test, y_test, _ = make(20_000, 10_000 + seed)
            for name, est in estimators(task, args.settings, seed, max_iter, args.device).items():
                start = time.perf_counter()
                est.fit(X, y, eval_set=(X_test, y_test))
                elapsed = time.perf_counter() - start
                its = [r["iteration"] for r in est.history_]
                curve = [r["eval_set"] for r in est.history_]
                entry = results.setdefault(name, {"iters": [], "final": [], "s": [], "curves": []})
                entry["iters"].append(iterations_to_stay_within(its, curve, truth))
                entry["final"].append(est.mutual_info_)
                entry["s"].append(elapsed)
                entry["curves"].append((its, curve))
        curves[task] = (truth, results)
        for name, entry in results.items():
            rows.append(
                [
                    task,
                    f"{truth:.3f}",
                    name,
                    median_or_none(entry["iters"]),
                    f"{np.median(entry['final']):.3f}",
                    f"{np.median(entry['s']):.1f}",
                    PAPER[task][name.lower()],
                ]
            )
    print(f"settings={args.settings}, N={args.n_samples}, {args.seeds} seeds, device {args.device}")
    print(
        markdown_table(
            [
                "task",
                "truth",
                "estimator",
                "iterations to stay within 10%",
                "mutual_info_ (median)",
                "fit s",
                "paper (iterations)",
            ],
            rows,
        )
    )
    if args.plot:
        suffix = (
            ""
            if len(args.tasks) == len(TASKS)
            else "_" + "_".join(t.split("(")[0] for t in args.tasks)
        )
        path = args.plot.format(settings=args.settings + suffix)
        plot(curves, path, args.settings)
        print(f"plot saved to {path}")


def plot(curves: dict, path: str, settings: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(curves), figsize=(5.5 * len(curves), 3.8))
    colours = {"MINE": "tab:red", "MINEE": "tab:blue"}
    for ax, (task, (truth, results)) in zip(np.atleast_1d(axes), curves.items(), strict=True):
        for name, entry in results.items():
            for k, (its, curve) in enumerate(entry["curves"]):
                ax.plot(its, curve, color=colours[name], alpha=0.6, label=name if k == 0 else None)
        ax.axhline(truth, color="k", lw=1)
        ax.axhspan(0.9 * truth, 1.1 * truth, color="grey", alpha=0.2)
        ax.set_ylim(-0.2 * truth, 1.3 * truth)  # a collapsing critic runs far below: clip
        ax.set(
            title=f"{task}, {settings} settings",
            xlabel="iteration",
            ylabel="MI estimate on a fresh sample (nats)",
        )
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    main()
