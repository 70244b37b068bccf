"""Accuracy suite: every skmine estimator against k-NN on the ground-truth catalogue.

For each task of :data:`skmine.datasets.TASKS` and each seed, draws ``--n-samples`` samples,
estimates MI with k-NN (scikit-learn's ``mutual_info_regression`` when X and y are both 1-D,
the multivariate KSG of :mod:`skmine.baselines` otherwise) and with every estimator of the
registry, and reports the mean estimate, the mean relative error ``|estimate - truth| / truth``
and the mean wall time. Prints markdown and saves a PNG of the relative errors; the markdown
ends with the run's commit, package versions, machine and torch threads, which the PNG (its
description field) and the ``--records`` JSON (``{"environment": ..., "rows": [...]}``) also
carry.

Full run (N=5,000, 3 seeds, every task)::

    python benchmarks/accuracy.py

Reduced run (a few tasks, one seed, fewer samples and iterations)::

    python benchmarks/accuracy.py --quick
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from _common import (
    PREVIOUS_CRITIC,
    environment,
    environment_line,
    finish,
    png_metadata,
    read_record,
)
from joblib import Parallel, delayed, parallel_config
from sklearn.feature_selection import mutual_info_regression

from skmine.baselines import ksg_mutual_info
from skmine.cli.registry import ESTIMATORS
from skmine.datasets import TASKS

KNN = "k-NN (k=3)"
DATA_LIMITED = "limited by the amount of data"  # the estimators' data-limited warning
BELOW_KNN = "below the k-NN (KSG) estimate"  # their k-NN cross-check's warning
CLIP_PERCENT = 60  # the plot's scale; larger errors are written on their bars
# Every registered estimator with its defaults, and documented alternatives worth measuring.
METHODS = {cls.__name__: (cls, {}) for cls in ESTIMATORS.values()}
DEFAULT_METHODS = [KNN, *METHODS]  # what a run measures unless --methods says otherwise
METHODS["MINEE standard scaling"] = (ESTIMATORS["minee"], {"scaling": "standard"})
# MINEE with a second critic of (X, y), against the product of the marginal references.
METHODS["MINEE both joint references"] = (ESTIMATORS["minee"], {"joint_reference": "auto"})
# The estimate policy without the optimism correction.
METHODS["MINE uncorrected"] = (ESTIMATORS["mine"], {"bias_correction": None})
METHODS["DeepInfoMaxJSD uncorrected"] = (ESTIMATORS["dim"], {"bias_correction": None})
METHODS["MINE previous critic"] = (ESTIMATORS["mine"], PREVIOUS_CRITIC)
METHODS["DeepInfoMaxJSD previous critic"] = (ESTIMATORS["dim"], PREVIOUS_CRITIC)
METHODS["MINE without weight decay"] = (ESTIMATORS["mine"], {"weight_decay": 0.0})
# The critic before the radial-feature search (the plain variant alone).
METHODS["MINE without radial features"] = (ESTIMATORS["mine"], {"radial_features": False})
METHODS["DeepInfoMaxJSD without radial features"] = (ESTIMATORS["dim"], {"radial_features": False})
QUICK_TASKS = [
    "HG(0.9, 1)",
    "dense-gauss 5x5",
    "sparse-gauss 25x25",
    "asinh 3x3",
    "student-t 2x2 df=3",
]


def knn_estimate(X: np.ndarray, y: np.ndarray, seed: int) -> float:
    """scikit-learn's KSG for a scalar pair, the multivariate KSG otherwise."""
    if X.shape[1] == 1 and y.ndim == 1:
        return float(mutual_info_regression(X, y, n_neighbors=3, random_state=seed)[0])
    return ksg_mutual_info(X, y, n_neighbors=3, random_state=seed)


def run_one(task_name: str, seed: int, method: str, n_samples: int, params, device) -> dict:
    """One fit: estimate, truth, relative error and seconds of ``method`` on one sample."""
    task = TASKS[task_name]
    X, y, truth = task.sample(n_samples, seed)
    start = time.perf_counter()
    interval = (np.nan, np.nan)
    caught = []
    if method == KNN:
        estimate = raw = knn_estimate(X, y, seed)
    else:
        cls, settings = METHODS[method]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            est = cls(random_state=seed, device=device, **settings, **params).fit(X, y)
        estimate = float(est.mutual_info_)
        raw = float(getattr(est, "mutual_info_raw_", estimate))
        interval = tuple(float(v) for v in getattr(est, "mutual_info_ci_", interval))
    seconds = time.perf_counter() - start
    print(
        f"  {task_name:<20} seed {seed} {method:<14} {estimate:7.3f} "
        f"(truth {truth:.3f}, {seconds:.1f} s)",
        flush=True,
    )
    return dict(
        task=task_name,
        family=task.family,
        seed=seed,
        method=method,
        truth=truth,
        estimate=estimate,
        rel_error=abs(estimate - truth) / truth,
        signed_error=(estimate - truth) / truth,
        raw_signed_error=(raw - truth) / truth,
        covered=bool(interval[0] <= truth <= interval[1]),
        data_limited=any(DATA_LIMITED in str(w.message) for w in caught),
        below_knn=any(BELOW_KNN in str(w.message) for w in caught),
        half_width=(interval[1] - interval[0]) / 2 / truth,
        seconds=seconds,
    )


def run(
    tasks,
    n_samples,
    seeds,
    estimator_params,
    device,
    jobs=1,
    records_path=None,
    methods=None,
    env=None,
) -> list[dict]:
    """One record per (task, seed, method); ``jobs`` fits run at once, one thread each.

    With ``records_path`` the records so far are rewritten after every fit, with the run's
    environment ``env``, so an interrupted run keeps its finished fits (tabulate them with
    ``--merge``).
    """
    methods = methods or [KNN, *METHODS]
    units = [(name, seed, method) for name in tasks for seed in range(seeds) for method in methods]
    records = []
    with parallel_config(backend="loky", inner_max_num_threads=1):
        results = Parallel(n_jobs=jobs, return_as="generator_unordered")(
            delayed(run_one)(*u, n_samples, estimator_params, device) for u in units
        )
        for record in results:
            record["n"] = n_samples
            records.append(record)
            if records_path is not None:
                write_records(records_path, env, records)
    order = {u: i for i, u in enumerate(units)}
    return sorted(records, key=lambda r: order[r["task"], r["seed"], r["method"]])


def write_records(path: Path, env: dict | None, records: list[dict]) -> None:
    path.write_text(json.dumps({"environment": env, "rows": records}, indent=1))


def markdown(records: list[dict]) -> str:
    """Per-task table and per-method summary."""
    methods = list(dict.fromkeys(r["method"] for r in records))
    tasks = list(dict.fromkeys(r["task"] for r in records))
    cell = {}
    for task in tasks:
        for method in methods:
            rows = [r for r in records if r["task"] == task and r["method"] == method]
            cell[task, method] = (
                np.mean([r["estimate"] for r in rows]),
                np.std([r["estimate"] for r in rows]),
                np.mean([r["rel_error"] for r in rows]),
                np.mean([r["seconds"] for r in rows]),
            )
    truth = {r["task"]: r["truth"] for r in records}
    lines = [
        "| task | truth (nats) | "
        + " | ".join(f"{m}: estimate (rel. err., s)" for m in methods)
        + " |",
        "|---|---:|" + "---:|" * len(methods),
    ]
    for task in tasks:
        cells = []
        for method in methods:
            mean, std, err, sec = cell[task, method]
            cells.append(f"{mean:.3f} ± {std:.3f} ({100 * err:.1f}%, {sec:.1f})")
        lines.append(f"| {task} | {truth[task]:.3f} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "| method | mean relative error | worst task | mean seconds per fit |",
        "|---|---:|---|---:|",
    ]
    for method in methods:
        errors = {task: cell[task, method][2] for task in tasks}
        worst = max(errors, key=errors.get)
        mean_sec = np.mean([cell[task, method][3] for task in tasks])
        lines.append(
            f"| {method} | {100 * np.mean(list(errors.values())):.1f}% | "
            f"{worst} ({100 * errors[worst]:.0f}%) | {mean_sec:.1f} |"
        )
    neural = [m for m in methods if m != KNN]
    if neural:
        # Per task, the skmine estimator with the lowest mean relative error.
        best = {task: min(neural, key=lambda m, t=task: cell[t, m][2]) for task in tasks}
        errors = {task: cell[task, best[task]][2] for task in tasks}
        worst = max(errors, key=errors.get)
        lines.append(
            f"| best skmine estimator per task | {100 * np.mean(list(errors.values())):.1f}% | "
            f"{worst} ({100 * errors[worst]:.0f}%) | |"
        )
        families = {r["task"]: r["family"] for r in records}
        within = [t for t in tasks if families[t] in ("gaussian", "transformed")]
        missed = [f"{t} ({100 * errors[t]:.0f}%)" for t in within if errors[t] > 0.10]
        lines += [
            "",
            f"Gaussian and transformed-Gaussian tasks with the best skmine estimator within 10%: "
            f"{len(within) - len(missed)} of {len(within)}"
            + (f"; missed: {', '.join(missed)}" if missed else ""),
        ]
    return "\n".join(lines)


def policy_markdown(records: list[dict]) -> str:
    """Signed and absolute error, interval coverage and width, and seconds, per task and method.

    The summary rows pool the Gaussian and transformed-Gaussian tasks (every seed).
    """
    methods = [m for m in dict.fromkeys(r["method"] for r in records) if m != KNN]
    tasks = list(dict.fromkeys(r["task"] for r in records))
    if not methods:
        return ""

    def stats(rows):
        signed = np.array([_signed_error(r) for r in rows])
        return (
            100 * np.median(signed),
            100 * np.mean(np.abs(signed)),
            np.mean([r.get("covered", False) for r in rows]),
            100 * np.median([r.get("half_width", np.nan) for r in rows]),
            np.mean([r["seconds"] for r in rows]),
        )

    lines = [
        "Per task: median signed error, mean absolute error, share of 95% intervals covering "
        "the truth, median interval half-width (all relative to the truth), mean seconds.",
        "",
        "| task | " + " | ".join(methods) + " |",
        "|---|" + "---:|" * len(methods),
    ]
    for task in tasks:
        cells = []
        for method in methods:
            rows = [r for r in records if r["task"] == task and r["method"] == method]
            if not rows:
                cells.append("")
                continue
            signed, absolute, cover, half, sec = stats(rows)
            cells.append(
                f"{signed:+.1f}% / {absolute:.1f}% / {cover:.0%} / ±{half:.1f}% / {sec:.1f}s"
            )
        lines.append(f"| {task} | " + " | ".join(cells) + " |")
    families = {r["task"]: r["family"] for r in records}
    pooled = [r for r in records if families[r["task"]] in ("gaussian", "transformed")]
    if pooled:
        lines += [
            "",
            "Gaussian and transformed-Gaussian tasks, every seed:",
            "",
            "| method | median signed error | mean absolute error | coverage | median half-width "
            "| mean seconds |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for method in methods:
            rows = [r for r in pooled if r["method"] == method]
            if rows:
                signed, absolute, cover, half, sec = stats(rows)
                lines.append(
                    f"| {method} | {signed:+.1f}% | {absolute:.1f}% | {cover:.0%} | ±{half:.1f}% "
                    f"| {sec:.1f} |"
                )
    lines += ["", family_markdown(records, methods)]
    flags = {
        "data_limited": "Fits that warned they are data-limited",
        "below_knn": "Fits whose estimator warned that it is below the k-NN estimate",
        "silent_failure": (
            "Fits below half the truth with an interval excluding it and neither warning"
        ),
    }
    for flag, title in flags.items():
        warned = {}
        for method in methods:
            for task in tasks:
                rows = [r for r in records if r["task"] == task and r["method"] == method]
                hits = sum(_flagged(r, flag) for r in rows)
                if hits:
                    warned.setdefault(method, []).append(f"{task} ({hits} of {len(rows)})")
        if warned:
            lines += ["", f"{title}:", ""]
            lines += [f"- {method}: {', '.join(tasks_)}" for method, tasks_ in warned.items()]
    return "\n".join(lines)


def family_markdown(records: list[dict], methods: list[str]) -> str:
    """Per family of ``skmine.datasets`` (every task and seed): fits within 10% of the truth,
    mean absolute error, interval coverage and mean seconds, one column per method."""
    families = list(dict.fromkeys(r["family"] for r in records))
    lines = [
        "By family, every task and seed: fits within 10% of the truth, mean absolute error, "
        "95% intervals covering the truth, mean seconds per fit.",
        "",
        "| family | " + " | ".join(methods) + " |",
        "|---|" + "---:|" * len(methods),
    ]
    for family in [*families, "all"]:
        cells = []
        for method in methods:
            rows = [r for r in records if r["method"] == method and family in ("all", r["family"])]
            errors = np.abs([_signed_error(r) for r in rows])
            within = int((errors <= 0.1).sum())
            cover = sum(bool(r.get("covered", False)) for r in rows)
            seconds = np.mean([r["seconds"] for r in rows])
            cells.append(
                f"{within}/{len(rows)} · {100 * errors.mean():.1f}% · {cover}/{len(rows)} · "
                f"{seconds:.1f} s"
            )
        lines.append(f"| {family} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _signed_error(record: dict) -> float:
    # Records older than the signed error (the stored accuracy.json) carry its parts.
    return record.get("signed_error", (record["estimate"] - record["truth"]) / record["truth"])


def _flagged(record: dict, flag: str) -> bool:
    if flag != "silent_failure":
        return bool(record.get(flag, False))
    failed = _signed_error(record) < -0.5 and not record.get("covered", True)
    warned = record.get("data_limited", False) or record.get("below_knn", False)
    return record["method"] != KNN and failed and not warned


def plot(records: list[dict], path: Path, metadata: dict | None = None) -> None:
    """Grouped bars of the mean relative error per task and method."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    methods = list(dict.fromkeys(r["method"] for r in records))
    tasks = list(dict.fromkeys(r["task"] for r in records))
    width = 0.8 / len(methods)
    fig, ax = plt.subplots(figsize=(max(6, 0.6 * len(tasks) + 2), 4))
    for k, method in enumerate(methods):
        errs = [
            100
            * np.mean([r["rel_error"] for r in records if r["task"] == t and r["method"] == method])
            for t in tasks
        ]
        positions = np.arange(len(tasks)) + k * width
        ax.bar(positions, np.minimum(errs, CLIP_PERCENT), width, label=method)
        for x, err in zip(positions, errs, strict=True):
            if err > CLIP_PERCENT:  # off the scale: print the value on the clipped bar
                ax.text(x, CLIP_PERCENT, f"{err:.0f}%", rotation=90, ha="center", va="top")
    ax.axhline(10, color="grey", linestyle="--", linewidth=1, label="10%")
    ax.set_ylim(0, CLIP_PERCENT)
    ax.set_xticks(np.arange(len(tasks)) + 0.4 - width / 2, tasks, rotation=45, ha="right")
    ax.set_ylabel("relative error (%)")
    ax.set_title(f"MI estimates against the closed form, N={records[0]['n']}")
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, metadata=metadata)
    plt.close(fig)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-samples", type=int, default=5000)
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0 .. SEEDS-1")
    parser.add_argument("--tasks", default="all", help="task names separated by ';', or 'all'")
    parser.add_argument(
        "--families",
        default="all",
        help="task families separated by ';' (e.g. gaussian;transformed)",
    )
    parser.add_argument("--max-iter", type=int, default=None, help="override max_iter")
    parser.add_argument("--device", default="auto")
    parser.add_argument(
        "--jobs", type=int, default=1, help="fits run in parallel (one thread each)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="reduced run: 5 tasks, 1 seed, N=2,000, max_iter=2,000 (unless given)",
    )
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "accuracy.png"
    )
    parser.add_argument(
        "--methods",
        default="defaults",
        help=(
            "methods separated by ';', 'defaults' (k-NN and every estimator with its "
            f"defaults) or 'all': {KNN}; {'; '.join(METHODS)}"
        ),
    )
    parser.add_argument("--records", type=Path, help="also write the raw records as JSON here")
    parser.add_argument(
        "--merge",
        type=Path,
        nargs="+",
        help="no estimation: tabulate and plot records saved by earlier runs (e.g. shards)",
    )
    args = parser.parse_args(argv)
    if args.merge:
        # Records of earlier runs, new ({"environment", "rows"}) or old (a bare list) shape.
        records, runs = [], []
        for path in args.merge:
            env, rows = read_record(path)
            records += rows
            runs.append(
                f"{path.name}: "
                + (environment_line(env) if env else "no environment recorded (older record).")
            )
        print(markdown(records))
        print()
        print(policy_markdown(records))
        print("\nMerged records:\n\n" + "\n".join(f"- {run}" for run in runs))
        plot(records, args.out, {"Description": " ".join(runs)})
        print(f"\nplot: {args.out}")
        return
    tasks = list(TASKS) if args.tasks == "all" else [t.strip() for t in args.tasks.split(";")]
    if args.families != "all":
        wanted = {f.strip() for f in args.families.split(";")}
        tasks = [t for t in tasks if t in TASKS and TASKS[t].family in wanted]
    if args.quick:
        tasks = QUICK_TASKS if args.tasks == "all" else tasks
        args.seeds, args.n_samples = 1, min(args.n_samples, 2000)
        args.max_iter = args.max_iter or 2000
    unknown = sorted(set(tasks) - set(TASKS))
    if unknown:
        parser.error(f"unknown task(s) {unknown}; choose from {list(TASKS)}")
    params = {} if args.max_iter is None else {"max_iter": args.max_iter}
    print(f"N={args.n_samples}, seeds={args.seeds}, estimator parameters {params or 'default'}")
    methods = {"all": None, "defaults": DEFAULT_METHODS}.get(args.methods)
    if args.methods not in ("all", "defaults"):
        methods = [m.strip() for m in args.methods.split(";")]
    unknown = sorted(set(methods or []) - {KNN, *METHODS})
    if unknown:
        parser.error(f"unknown method(s) {unknown}")
    # Parallel fits get one torch thread each; a single job runs in this process (default).
    env = environment(1 if args.jobs != 1 else 0, jobs=args.jobs)
    env["device"] = args.device
    records = run(
        tasks,
        args.n_samples,
        args.seeds,
        params,
        args.device,
        args.jobs,
        args.records,
        methods,
        env,
    )
    finish(env)
    if args.records is not None:
        write_records(args.records, env, records)
    print()
    print(markdown(records))
    print()
    print(policy_markdown(records))
    print(f"\n{environment_line(env)} Device: {args.device}.")
    plot(records, args.out, png_metadata(env))
    print(f"\nplot: {args.out}")


if __name__ == "__main__":
    main()
