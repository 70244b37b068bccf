"""Size and power of ``skmine.independence.ci_test`` against KCI, CMIknn and partial correlation.

Null models (X and Y independent given Z; only Z's first coordinate matters, the others are
distractors) and their dependent versions, for the given n, dimensions of Z and data sets
per cell, two tests at a time with one torch thread each:

- ``confounded``: X = 2 tanh(Z1) + 0.5 e, Y = sin(2 Z1) + Z1 + 0.5 e' (+ 0.3 X when dependent);
- ``post-nonlinear``: X = tanh(Z1 + 0.5 e), Y = (Z1 + 0.5 e')^3 / 3 (+ 0.5 X inside the cube);
- ``linear``: X = Z1 + e, Y = Z1 + e' (+ 0.3 X).

``--effect`` scales the dependent versions' coefficients of X (weaker dependence, for power);
``--null-only`` runs the null models alone (many data sets per cell, for the size).

Prints the rejection rate at alpha = 0.05 per cell (size under the null, power otherwise) of
``ci_test`` (defaults), KCI (causal-learn's defaults; with ``--kci``, which needs the
``causal`` extra), CMIknn (tigramite's shuffle test with 200 shuffles, its other settings
its defaults, one worker; with ``--cmiknn``, which needs the ``causal`` extra and numba) and
partial correlation (Fisher z), the mean p-value of ``ci_test`` under the null and the
median seconds per test, and writes
``benchmarks/results/ci_test_size.{json,md,png}`` (p-value histograms under the null) with
the commit, versions, machine and threads::

    python benchmarks/ci_test_size.py --datasets 40 --dims 1 5 --n 1000 --kci
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from _common import (
    RESULTS,
    command_line,
    environment,
    environment_line,
    finish,
    png_metadata,
    write_result,
)
from joblib import Parallel, delayed, parallel_config

JOBS = 2
ALPHA = 0.05
MODELS = ["confounded", "post-nonlinear", "linear"]


def sample(model: str, n: int, dim_z: int, seed: int, dependent: bool, effect: float = 1.0):
    """One data set; ``effect`` scales the dependence of the dependent versions."""
    rng = np.random.default_rng(seed)
    strength = effect if dependent else 0.0
    z = rng.normal(size=(n, dim_z))
    e1, e2 = rng.normal(size=n), rng.normal(size=n)
    if model == "confounded":
        x = 2 * np.tanh(z[:, 0]) + 0.5 * e1
        y = np.sin(2 * z[:, 0]) + z[:, 0] + 0.5 * e2 + 0.3 * strength * x
    elif model == "post-nonlinear":
        x = np.tanh(z[:, 0] + 0.5 * e1)
        y = (z[:, 0] + 0.5 * e2 + 0.5 * strength * x) ** 3 / 3
    else:
        x = z[:, 0] + e1
        y = z[:, 0] + e2 + 0.3 * strength * x
    return x, y, z


def fisher_z(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> float:
    """Partial correlation of x and y given z (linear regression residuals), two-sided."""
    from scipy import stats

    design = np.column_stack([np.ones(len(x)), z])
    rx = x - design @ np.linalg.lstsq(design, x, rcond=None)[0]
    ry = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    r = np.clip(np.corrcoef(rx, ry)[0, 1], -0.999999, 0.999999)
    statistic = np.sqrt(len(x) - z.shape[1] - 3) * np.arctanh(r)
    return float(2 * stats.norm.sf(abs(statistic)))


def kci(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> tuple[float, float]:
    """causal-learn's KCI p-value with its defaults, and its seconds."""
    from causallearn.utils.cit import CIT

    data = np.column_stack([x, y, z])
    start = time.perf_counter()
    pvalue = CIT(data, "kci")(0, 1, list(range(2, data.shape[1])))
    return float(pvalue), time.perf_counter() - start


def cmiknn(x: np.ndarray, y: np.ndarray, z: np.ndarray, seed: int) -> tuple[float, float]:
    """tigramite's CMIknn p-value (a shuffle test of 200 shuffles), and its seconds."""
    from tigramite.independence_tests.cmiknn import CMIknn

    # i.i.d. samples: shuffle single samples (block length 1); one worker, as two tests run
    # at a time.
    test = CMIknn(
        significance="shuffle_test", sig_samples=200, sig_blocklength=1, seed=seed, workers=1
    )
    start = time.perf_counter()
    _, pvalue = test.run_test_raw(x.reshape(-1, 1), y.reshape(-1, 1), z)
    return float(pvalue), time.perf_counter() - start


def run(
    model: str,
    n: int,
    dim_z: int,
    seed: int,
    dependent: bool,
    effect: float,
    with_kci: bool,
    with_cmiknn: bool = False,
) -> dict:
    import torch

    torch.set_num_threads(1)
    from skmine.independence import ci_test

    warnings.simplefilter("ignore")
    x, y, z = sample(model, n, dim_z, seed, dependent, effect)
    start = time.perf_counter()
    result = ci_test(x, y, z, random_state=seed)
    seconds = time.perf_counter() - start
    row = {
        "model": model,
        "n": n,
        "dim_z": dim_z,
        "seed": seed,
        "dependent": dependent,
        "effect": effect,
        "pvalue": result.pvalue,
        "statistic": result.statistic,
        "ci": list(result.confidence_interval),
        "seconds": seconds,
        "fisher_z": fisher_z(x, y, z),
    }
    if with_kci:
        row["kci"], row["kci_seconds"] = kci(x, y, z)
    if with_cmiknn:
        row["cmiknn"], row["cmiknn_seconds"] = cmiknn(x, y, z, seed)
    return row


def summarise(rows: list[dict]) -> list[str]:
    lines = [
        "| model | n | dim Z | data sets | size: ci_test | size: KCI | size: CMIknn "
        "| size: Fisher z | mean p (null) | power: ci_test | power: KCI | power: CMIknn "
        "| power: Fisher z | median s / test | median s / KCI test | median s / CMIknn test |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    cells = sorted({(r["model"], r["n"], r["dim_z"]) for r in rows}, key=str)
    for model, n, dim_z in cells:
        cell = [r for r in rows if (r["model"], r["n"], r["dim_z"]) == (model, n, dim_z)]
        null = [r for r in cell if not r["dependent"]]
        dep = [r for r in cell if r["dependent"]]

        def rate(group, key):
            values = [r[key] <= ALPHA for r in group if key in r]
            return f"{np.mean(values):.3f}" if values else "-"

        def median_seconds(group, key):
            values = [r[key] for r in group if key in r]
            return f"{np.median(values):.1f}" if values else "-"

        lines.append(
            f"| {model} | {n:,} | {dim_z} | {len(null)} | {rate(null, 'pvalue')} | "
            f"{rate(null, 'kci')} | {rate(null, 'cmiknn')} | {rate(null, 'fisher_z')} | "
            f"{np.mean([r['pvalue'] for r in null]):.2f} | {rate(dep, 'pvalue')} | "
            f"{rate(dep, 'kci')} | {rate(dep, 'cmiknn')} | {rate(dep, 'fisher_z')} | "
            f"{median_seconds(cell, 'seconds')} | {median_seconds(cell, 'kci_seconds')} | "
            f"{median_seconds(cell, 'cmiknn_seconds')} |"
        )
    return lines


def plot(rows: list[dict], env: dict, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cells = sorted({(r["model"], r["n"], r["dim_z"]) for r in rows}, key=str)
    fig, axes = plt.subplots(1, len(cells), figsize=(3 * len(cells), 2.8), squeeze=False)
    for ax, (model, n, dim_z) in zip(axes[0], cells, strict=True):
        p = [
            r["pvalue"]
            for r in rows
            if (r["model"], r["n"], r["dim_z"]) == (model, n, dim_z) and not r["dependent"]
        ]
        ax.hist(p, bins=10, range=(0, 1), color="tab:blue")
        ax.set_title(f"{model}\nn={n}, dim Z={dim_z}", fontsize=8)
        ax.set_xlabel("p-value under the null", fontsize=8)
    fig.suptitle(environment_line(env), fontsize=6)
    fig.tight_layout()
    fig.savefig(path, metadata=png_metadata(env))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=40)
    parser.add_argument("--dims", nargs="+", type=int, default=[1, 5])
    parser.add_argument("--n", nargs="+", type=int, default=[1000])
    parser.add_argument("--models", nargs="+", default=MODELS, choices=MODELS)
    parser.add_argument("--effect", type=float, default=1.0, help="scales the dependence")
    parser.add_argument("--kci", action="store_true", help="also run causal-learn's KCI")
    parser.add_argument("--cmiknn", action="store_true", help="also run tigramite's CMIknn")
    parser.add_argument(
        "--null-only", action="store_true", help="only the null models (size, not power)"
    )
    parser.add_argument("--output", default="ci_test_size")
    args = parser.parse_args(argv)
    env = environment(1, jobs=JOBS)
    units = [
        (model, n, dim_z, seed, dependent, args.effect, args.kci, args.cmiknn)
        for model in args.models
        for n in args.n
        for dim_z in args.dims
        for seed in range(args.datasets)
        for dependent in ((False,) if args.null_only else (False, True))
    ]
    with parallel_config(backend="loky", inner_max_num_threads=1):
        rows = Parallel(n_jobs=JOBS, verbose=0)(delayed(run)(*unit) for unit in units)
    finish(env)
    lines = summarise(rows)
    print("\n".join(lines))
    header = (
        f"`{command_line('ci_test_size.py', argv)}`; "
        f"{environment_line(env)}. Two tests at a time, one torch thread each. alpha = {ALPHA}."
    )
    write_result(args.output, header + "\n\n" + "\n".join(lines), env, rows)
    plot(rows, env, RESULTS / f"{args.output}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
