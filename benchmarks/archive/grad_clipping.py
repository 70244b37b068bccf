"""Does gradient-norm clipping slow MINE down? Iterations to within 10% of the truth.

The numbers that chose ``MINE``'s default ``max_grad_norm=10.0`` are in
``benchmarks/archive/results/grad_clipping.md``.

Runs MINE on the MI-NEE paper's tasks (seed 003: MG(0.9) and HG(0.9, 6)) with several
``max_grad_norm`` values and reports, per setting, the median over seeds of the first
iteration from which the best-so-far bound on a large independent test sample stays within
10% of the true MI (the bound is evaluated every 50 iterations), and the final held-out
estimate. Usage: ``python benchmarks/archive/grad_clipping.py [--jobs N]``.
"""

from __future__ import annotations

import argparse
import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from _common import iterations_to_stay_within, median_or_none, running_max

CLIPS = [None, 0.1, 1.0, 10.0]
SEEDS = [0, 1, 2]
MAX_ITER = 4000


def _task(name: str, seed: int):
    from skmine.datasets import correlated_gaussians, mixed_gaussians

    if name == "MG(0.9), N=5000":
        train = mixed_gaussians(5000, rho=0.9, random_state=seed)
        test = mixed_gaussians(20000, rho=0.9, random_state=seed + 100)
    else:
        train = correlated_gaussians(5000, rho=0.9, dim=6, random_state=seed)
        test = correlated_gaussians(20000, rho=0.9, dim=6, random_state=seed + 100)
    return train, test


def _one(args):
    import torch

    torch.set_num_threads(1)
    from skmine import MINE

    name, clip, seed = args
    (X, y, truth), (X_test, y_test, _) = _task(name, seed)
    est = MINE(
        max_iter=MAX_ITER,
        eval_interval=50,
        early_stopping=False,
        max_grad_norm=clip,
        random_state=seed,
        device="cpu",
    ).fit(X, y, eval_set=(X_test, y_test))
    its = [r["iteration"] for r in est.history_]
    curve = running_max([r["eval_set"] for r in est.history_])
    return name, clip, seed, truth, iterations_to_stay_within(its, curve, truth), est.mutual_info_


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    jobs = parser.parse_args().jobs
    grid = [
        (t, c, s) for t in ("MG(0.9), N=5000", "HG(0.9, 6), N=5000") for c in CLIPS for s in SEEDS
    ]
    with ProcessPoolExecutor(jobs) as pool:
        rows = list(pool.map(_one, grid))
    print(f"MINE, max_iter={MAX_ITER}, eval_interval=50, seeds {SEEDS}; medians over seeds\n")
    print("| task | truth | max_grad_norm | iterations to within 10% | final estimate |")
    print("|---|---|---|---|---|")
    for task in dict.fromkeys(r[0] for r in rows):
        for clip in CLIPS:
            sel = [r for r in rows if r[0] == task and r[1] == clip]
            est = np.median([r[5] for r in sel])
            print(
                f"| {task} | {sel[0][3]:.3f} | {clip} | {median_or_none([r[4] for r in sel])} "
                f"({', '.join(str(r[4]) for r in sel)}) | {est:.3f} |"
            )


if __name__ == "__main__":
    main()
