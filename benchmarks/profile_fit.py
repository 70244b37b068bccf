"""Where a default fit's time goes: preprocessing, training steps, evaluations, final readout.

Fits each estimator with its defaults on one task at several sample sizes, one fit at a time,
and splits the fit's wall time into preprocessing and set-up, training steps (forward,
backward, Adam, weight averaging), held-out evaluations, and the final readout (with the
variant choice), by timing the training loop's own steps. Prints a markdown table and writes
``benchmarks/results/profile_fit.{md,json}``::

    python benchmarks/profile_fit.py                        # dense-gauss 5x5, N=400/5,000/50,000
    python benchmarks/profile_fit.py --sizes 5000 --estimators mine

Run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

from _common import RESULTS, environment, environment_line

import skmine
import skmine._engine.training as training
from skmine.datasets import TASKS

ESTIMATORS = {"mine": "MINE", "dim": "DeepInfoMaxJSD", "minee": "MINEE"}


class Timer:
    """Accumulates the time of the training loop's ``step`` and ``evaluate`` calls."""

    def __init__(self) -> None:
        self.step = self.evaluate = 0.0
        self.steps = 0
        self._originals = (training._Loop.step, training._Loop.evaluate)

    def __enter__(self) -> Timer:
        step, evaluate = self._originals
        timer = self

        def timed_step(loop, iteration):
            start = time.perf_counter()
            step(loop, iteration)
            timer.step += time.perf_counter() - start
            timer.steps += 1

        def timed_evaluate(loop):
            start = time.perf_counter()
            out = evaluate(loop)
            timer.evaluate += time.perf_counter() - start
            return out

        training._Loop.step, training._Loop.evaluate = timed_step, timed_evaluate
        return self

    def __exit__(self, *exc) -> None:
        training._Loop.step, training._Loop.evaluate = self._originals


def profile(name: str, task: str, n: int, seed: int) -> dict:
    X, y, _ = TASKS[task].sample(n, seed)
    with warnings.catch_warnings(), Timer() as timer:
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        est = getattr(skmine, name)(random_state=seed).fit(X, y)
        total = time.perf_counter() - start
    other = total - timer.step - timer.evaluate
    return {
        "estimator": name,
        "n": n,
        "seconds": total,
        "steps": timer.step,
        "evaluations": timer.evaluate,
        "other": other,
        "iterations": timer.steps,
        "ms_per_step": 1000 * timer.step / max(1, timer.steps),
        "n_evaluations": len(est.history_),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="dense-gauss 5x5")
    parser.add_argument("--sizes", nargs="+", type=int, default=[400, 5000, 50000])
    parser.add_argument("--estimators", nargs="+", default=list(ESTIMATORS), choices=ESTIMATORS)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    # A process's first optimiser step pays a one-time start-up cost; pay it before timing.
    skmine.MINE(max_iter=5, random_state=0).fit(*TASKS[args.task].sample(200, 0)[:2])
    rows = [
        profile(ESTIMATORS[e], args.task, n, args.seed) for e in args.estimators for n in args.sizes
    ]
    env = environment()
    header = (
        f"{environment_line(env)} Task {args.task}, seed {args.seed}. 'other' is "
        "preprocessing, set-up and the final readout (with the variant choice).\n\n"
    )
    lines = [
        "| estimator | N | fit s | training steps s | evaluations s | other s | iterations "
        "| ms / step | evaluations |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['estimator']} | {r['n']:,} | {r['seconds']:.2f} | {r['steps']:.2f} | "
            f"{r['evaluations']:.2f} | {r['other']:.2f} | {r['iterations']} | "
            f"{r['ms_per_step']:.2f} | {r['n_evaluations']} |"
        )
    text = header + "\n".join(lines)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "profile_fit.md").write_text(text + "\n")
    (RESULTS / "profile_fit.json").write_text(
        json.dumps({"environment": env, "rows": rows}, indent=1)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
