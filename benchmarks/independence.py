"""Conditional mutual information against closed forms: ``ConditionalMINE``'s defaults.

Fits ``ConditionalMINE(random_state=seed)`` on CCMI models I and II (``I(X; Y | Z) =
ln(101) / 2 = 2.3076`` nats for any dimension of Z) and the Gaussian chain X -> Y -> Z of
:func:`skmine.datasets.gaussian_chain`, for dim Z in {1, 5, 20}, N in {1,000, 5,000} and the
given seeds, two fits at a time with one torch thread each. Prints each fit, a table per
task and N (median relative error, intervals covering, median seconds), and writes the
records to ``benchmarks/results/independence_cmi.json`` and a plot of relative errors to
``independence_cmi.png`` with the commit, versions, machine and threads::

    python benchmarks/independence.py --seeds 0 1 2

Seconds are those of two fits sharing two cores (for comparing settings, not fit times).
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np
from _common import RESULTS, environment, environment_line, finish, png_metadata
from joblib import Parallel, delayed, parallel_config

JOBS = 2
TASKS = ["CCMI model I", "CCMI model II", "Gaussian chain"]
DIMS_Z = [1, 5, 20]
SIZES = [1000, 5000]


def sample(task: str, n: int, dim_z: int, seed: int):
    from skmine.datasets import ccmi_model, gaussian_chain

    if task == "Gaussian chain":
        return gaussian_chain(n, dim_z=dim_z, random_state=seed)
    return ccmi_model(n, task.split()[-1], dim_z=dim_z, random_state=seed)


def fit(task: str, n: int, dim_z: int, seed: int) -> dict:
    import torch

    torch.set_num_threads(1)
    from skmine import ConditionalMINE

    warnings.simplefilter("ignore")
    X, y, Z, truth = sample(task, n, dim_z, seed)
    start = time.perf_counter()
    est = ConditionalMINE(random_state=seed, n_threads=1).fit(X, y, Z=Z)
    return {
        "task": task,
        "n": n,
        "dim_z": dim_z,
        "seed": seed,
        "truth": truth,
        "cmi": est.mutual_info_,
        "ci": list(est.mutual_info_ci_),
        "joint": est.joint_estimator_.mutual_info_,
        "conditioning": est.conditioning_estimator_.mutual_info_,
        "n_iter": est.n_iter_,
        "seconds": time.perf_counter() - start,
    }


def summarise(rows: list[dict]) -> list[str]:
    lines = [
        "| task | N | dim Z | truth (nats) | median error | max \\|error\\| | covering "
        "| median s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for task in TASKS:
        for n in SIZES:
            for dim_z in DIMS_Z:
                cell = [r for r in rows if (r["task"], r["n"], r["dim_z"]) == (task, n, dim_z)]
                if not cell:
                    continue
                errors = [(r["cmi"] - r["truth"]) / r["truth"] for r in cell]
                covers = sum(r["ci"][0] <= r["truth"] <= r["ci"][1] for r in cell)
                lines.append(
                    f"| {task} | {n:,} | {dim_z} | {cell[0]['truth']:.3f} | "
                    f"{100 * np.median(errors):+.1f}% | {100 * max(map(abs, errors)):.1f}% | "
                    f"{covers}/{len(cell)} | {np.median([r['seconds'] for r in cell]):.1f} |"
                )
    errors = [abs(r["cmi"] - r["truth"]) / r["truth"] for r in rows]
    covers = [r["ci"][0] <= r["truth"] <= r["ci"][1] for r in rows]
    lines.append("")
    lines.append(
        f"All: mean |error| {100 * np.mean(errors):.1f}%, within 10%: "
        f"{sum(e <= 0.1 for e in errors)}/{len(rows)}, covering: {sum(covers)}/{len(rows)}"
    )
    return lines


def plot(rows: list[dict], env: dict, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(TASKS), figsize=(4 * len(TASKS), 3.4), sharey=True)
    for ax, task in zip(axes, TASKS, strict=True):
        for n, marker in zip(SIZES, "os", strict=True):
            cell = [r for r in rows if r["task"] == task and r["n"] == n]
            ax.scatter(
                [r["dim_z"] * (1.08 if n == SIZES[1] else 0.93) for r in cell],
                [100 * (r["cmi"] - r["truth"]) / r["truth"] for r in cell],
                marker=marker,
                label=f"N = {n:,}",
            )
        ax.axhline(0, color="black", lw=0.8)
        ax.axhspan(-10, 10, color="green", alpha=0.08)
        ax.set_xscale("log")
        ax.set_xticks(DIMS_Z, [str(d) for d in DIMS_Z])
        ax.set_title(task)
        ax.set_xlabel("dim Z")
    axes[0].set_ylabel("relative error of I(X; Y | Z), %")
    axes[0].legend()
    fig.suptitle("ConditionalMINE defaults against closed forms", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120, metadata=png_metadata(env))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--output", default="independence_cmi")
    args = parser.parse_args(argv)
    env = environment(1, jobs=JOBS)
    units = [(t, n, d, s) for t in TASKS for n in SIZES for d in DIMS_Z for s in args.seeds]
    with parallel_config(backend="loky", inner_max_num_threads=1):
        rows = Parallel(n_jobs=JOBS)(delayed(fit)(*unit) for unit in units)
    for r in rows:
        error = (r["cmi"] - r["truth"]) / r["truth"]
        print(
            f"{r['task']:<14} N={r['n']:<5} dimZ={r['dim_z']:<3} s{r['seed']} truth "
            f"{r['truth']:.3f} estimate {r['cmi']:.3f} ({100 * error:+5.1f}%) "
            f"[{r['ci'][0]:.3f}, {r['ci'][1]:.3f}] {r['seconds']:5.1f} s"
        )
    env = finish(env)
    lines = summarise(rows)
    print("\n".join(lines))
    print(environment_line(env))
    (RESULTS / f"{args.output}.json").write_text(
        json.dumps({"environment": env, "rows": rows}, indent=1)
    )
    (RESULTS / f"{args.output}.md").write_text(
        "# ConditionalMINE against closed forms\n\n`python benchmarks/independence.py`\n\n"
        + "\n".join(lines)
        + "\n\n"
        + environment_line(env)
        + "\n"
    )
    plot(rows, env, RESULTS / f"{args.output}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
