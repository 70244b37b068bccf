"""Accuracy of an estimator's defaults from two source trees on the same samples (A/B).

Fits ``MINE()`` (or ``--estimator``'s; defaults, ``random_state=seed``) on twelve tasks of
:data:`skmine.datasets.TASKS` (Gaussian, transformed, Student-t, additive-noise and the hard
family) for each seed, two fits at a time with one torch thread each, importing skmine from
``--source`` (a checkout, e.g. ``git worktree add /tmp/old <rev>``; default: this tree).
Prints each fit and a summary line (mean absolute relative error, interval coverage, median
seconds), and writes the records to ``benchmarks/results/ab_defaults_<tag>.json`` with the
commit (and ``--source``'s), package versions, machine and threads of the run::

    python benchmarks/ab_defaults.py now --seeds 0 1 2
    python benchmarks/ab_defaults.py width32 --params '{"hidden_layer_sizes": [32, 32, 32, 32]}'
    git worktree add /tmp/old 1b1d817 && python benchmarks/ab_defaults.py old --source /tmp/old

Seconds are those of two fits sharing two cores, for comparing iteration counts and
relative cost only; ``benchmarks/speed.py`` measures fit times one at a time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import warnings

import numpy as np
from _common import RESULTS, ROOT, environment, environment_line, finish
from joblib import Parallel, delayed, parallel_config

JOBS = 2  # fits at a time, one torch thread each
TASKS = [
    "MG(0.9)",
    "HG(0.9, 1)",
    "HG(0.9, 6)",
    "dense-gauss 5x5",
    "sparse-gauss 25x25",
    "asinh 3x3",
    "spiral 3x3",
    "student-t 2x2 df=3",
    "uniform-noise 0.1",
    "t shared-scale 5x5 df=2",
    "spiral sparse-gauss 5x5",
    "t shared-scale 2x2 df=1",
]


def fit(source: str, estimator: str, task: str, seed: int, n: int, params: dict) -> dict:
    sys.path.insert(0, source)
    import torch

    torch.set_num_threads(1)
    import skmine
    from skmine.datasets import TASKS as ALL

    warnings.simplefilter("ignore")
    X, y, truth = ALL[task].sample(n, seed)
    start = time.perf_counter()
    try:
        est = getattr(skmine, estimator)(random_state=seed, n_threads=1, **params).fit(X, y)
    except ValueError as error:  # a refusal (MINEE's negative MI) is a result too
        return {
            "task": task,
            "seed": seed,
            "truth": truth,
            "error": str(error),
            "seconds": time.perf_counter() - start,
            "params": params,
        }
    return {
        "task": task,
        "seed": seed,
        "truth": truth,
        "mi": est.mutual_info_,
        "ci": list(est.mutual_info_ci_),
        "n_iter": est.n_iter_,
        "best": est.best_iteration_,
        "radial": bool(getattr(est, "radial_features_", False)),
        "candidates": getattr(est, "candidates_", None),
        "seconds": time.perf_counter() - start,
        "params": params,
    }


def source_commit(source: str) -> str:
    """Short commit of the checkout skmine is imported from (``+dirty`` with local changes)."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", source, *args], capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        dirty = git("status", "--porcelain", "--untracked-files=no")
        return git("rev-parse", "--short", "HEAD") + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tag", help="name of the record (e.g. old, now)")
    parser.add_argument("--source", default=str(ROOT), help="directory holding skmine/")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument(
        "--params",
        type=json.loads,
        default={},
        help="MINE parameters as JSON, e.g. '{\"max_iter\": 2000}'",
    )
    parser.add_argument("--estimator", default="MINE", choices=["MINE", "DeepInfoMaxJSD", "MINEE"])
    args = parser.parse_args(argv)
    env = environment(1, jobs=JOBS)
    env["source"] = os.path.abspath(args.source)
    env["source_commit"] = source_commit(args.source)
    os.chdir("/")  # nothing on the current directory shadows --source
    units = [(task, seed) for task in TASKS for seed in args.seeds]
    with parallel_config(backend="loky", inner_max_num_threads=1):
        rows = Parallel(n_jobs=JOBS)(
            delayed(fit)(args.source, args.estimator, t, s, args.n, args.params) for t, s in units
        )
    errors, covers = [], []
    for r in rows:
        if "error" in r:  # refused: counted as a relative error of -100%, not covering
            errors.append(-1.0)
            covers.append(False)
            print(f"{r['task']:<26} s{r['seed']} refused: {r['error'][:70]}")
            continue
        error = (r["mi"] - r["truth"]) / r["truth"]
        covered = r["ci"][0] <= r["truth"] <= r["ci"][1]
        errors.append(error)
        covers.append(covered)
        print(
            f"{r['task']:<26} s{r['seed']} error {100 * error:+6.1f}%  "
            f"{'radial' if r['radial'] else 'plain '} best {r['best']}/{r['n_iter']}  "
            f"{r['seconds']:5.1f} s  covers={covered}"
        )
    print(
        f"== {args.tag} ({args.estimator}): mean |error| {100 * np.mean(np.abs(errors)):.2f}%, max "
        f"{100 * np.max(np.abs(errors)):.1f}%, coverage {np.mean(covers):.2f}, median "
        f"{np.median([r['seconds'] for r in rows]):.1f} s"
    )
    finish(env)
    print(f"skmine from {env['source']} ({env['source_commit']}); {environment_line(env)}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"ab_defaults_{args.tag}.json"
    out.write_text(json.dumps({"environment": env, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
