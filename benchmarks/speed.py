"""Fit time and accuracy of today's defaults against a git revision's, side by side.

For six public tasks of :data:`skmine.datasets.TASKS` (1-D to 25x25, one of the hard family),
fits every chosen estimator with its defaults twice, once from the working tree and once from
``--baseline`` (checked out into a temporary git worktree), one fit at a time and alternating
between the two so that a change in the machine's load hits both, and times k-NN (KSG, k=3)
beside them. Each fit runs in a fresh Python process with the same torch thread count; the
time is the ``fit`` call alone (no import or start-up). Prints a markdown table and writes
``benchmarks/results/speed.{md,json,png}`` with the commit, versions, machine and threads::

    python benchmarks/speed.py                       # against the revision before the speed work
    python benchmarks/speed.py --baseline HEAD~3 --seeds 0 1 --estimators mine

Run it on an otherwise idle machine: a busy core makes a 2-thread fit many times slower.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import RESULTS, ROOT, environment, git

# The last revision before the engine and speed work (sequential variants, patience 10).
DEFAULT_BASELINE = "1b1d817"
TASKS = [
    "MG(0.9)",
    "HG(0.9, 1)",
    "dense-gauss 5x5",
    "asinh 3x3",
    "sparse-gauss 25x25",
    "spiral sparse-gauss 5x5",
]
ESTIMATORS = {"mine": "MINE", "dim": "DeepInfoMaxJSD", "minee": "MINEE"}

WORKER = """
import json, sys, time, warnings
import torch
warnings.simplefilter("ignore")
threads, name, task = int(sys.argv[1]), sys.argv[2], sys.argv[3]
n, seed = int(sys.argv[4]), int(sys.argv[5])
if threads:
    torch.set_num_threads(threads)
import skmine
from skmine.datasets import TASKS
X, y, truth = TASKS[task].sample(n, seed)
cls = getattr(skmine, name)
start = time.perf_counter()
est = cls(random_state=seed).fit(X, y)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "estimate": float(est.mutual_info_), "truth": truth,
                  "ci": [float(v) for v in est.mutual_info_ci_], "n_iter": int(est.n_iter_),
                  "threads": torch.get_num_threads(), "source": skmine.__file__}))
"""


def fit_in(source: Path, threads: int, name: str, task: str, n: int, seed: int) -> dict:
    """One fit in a fresh process that imports skmine from ``source``."""
    env = {**os.environ, "PYTHONPATH": str(source)}
    out = subprocess.run(
        [sys.executable, "-c", WORKER, str(threads), name, task, str(n), str(seed)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=tempfile.gettempdir(),
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def knn_fit(task: str, n: int, seed: int) -> dict:
    from skmine.baselines import ksg_mutual_info
    from skmine.datasets import TASKS as ALL

    X, y, truth = ALL[task].sample(n, seed)
    start = time.perf_counter()
    estimate = ksg_mutual_info(X, y, n_neighbors=3, random_state=seed)
    return {"seconds": time.perf_counter() - start, "estimate": float(estimate), "truth": truth}


def relative_error(row: dict) -> float:
    return (row["estimate"] - row["truth"]) / row["truth"]


def table(rows: list[dict], estimators: list[str]) -> str:
    lines = [
        "| task | k-NN s (err) | "
        + " | ".join(
            f"{ESTIMATORS[e]} baseline s (err) | {ESTIMATORS[e]} now s (err) | ratio"
            for e in estimators
        )
        + " |",
        "|---|---:|" + "---:|---:|---:|" * len(estimators),
    ]
    for task in dict.fromkeys(r["task"] for r in rows):
        of = [r for r in rows if r["task"] == task]
        knn = [r for r in of if r["method"] == "k-NN"]
        knn_error = 100 * np.median([relative_error(r) for r in knn])
        cells = [f"{np.median([r['seconds'] for r in knn]):.2f} ({knn_error:+.1f}%)"]
        for e in estimators:
            old = [r for r in of if r["method"] == e and r["version"] == "baseline"]
            new = [r for r in of if r["method"] == e and r["version"] == "now"]
            t_old = np.median([r["seconds"] for r in old])
            t_new = np.median([r["seconds"] for r in new])
            e_old = 100 * np.median([relative_error(r) for r in old])
            e_new = 100 * np.median([relative_error(r) for r in new])
            cells += [
                f"{t_old:.1f} ({e_old:+.1f}%)",
                f"{t_new:.1f} ({e_new:+.1f}%)",
                f"{t_old / t_new:.1f}x",
            ]
        lines.append(f"| {task} | " + " | ".join(cells) + " |")
    for e in estimators:
        old = [r for r in rows if r["method"] == e and r["version"] == "baseline"]
        new = [r for r in rows if r["method"] == e and r["version"] == "now"]
        t_old = np.median([r["seconds"] for r in old])
        t_new = np.median([r["seconds"] for r in new])
        lines.append(
            f"\n{ESTIMATORS[e]}: median fit {t_old:.1f} s -> {t_new:.1f} s ({t_old / t_new:.1f}x); "
            f"mean |error| {100 * np.mean([abs(relative_error(r)) for r in old]):.2f}% -> "
            f"{100 * np.mean([abs(relative_error(r)) for r in new]):.2f}%; intervals covering "
            f"{sum(r['ci'][0] <= r['truth'] <= r['ci'][1] for r in old)}/{len(old)} -> "
            f"{sum(r['ci'][0] <= r['truth'] <= r['ci'][1] for r in new)}/{len(new)}"
        )
    return "\n".join(lines)


def plot(rows: list[dict], estimators: list[str], path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    tasks = list(dict.fromkeys(r["task"] for r in rows))
    fig, ax = plt.subplots(figsize=(9, 4))
    width = 0.8 / (2 * len(estimators))
    for i, (e, version) in enumerate((e, v) for e in estimators for v in ("baseline", "now")):
        seconds = [
            np.median(
                [
                    r["seconds"]
                    for r in rows
                    if r["task"] == t and r["method"] == e and r["version"] == version
                ]
            )
            for t in tasks
        ]
        ax.bar(
            np.arange(len(tasks)) + i * width, seconds, width, label=f"{ESTIMATORS[e]} ({version})"
        )
    ax.set_xticks(
        np.arange(len(tasks)) + width * (2 * len(estimators) - 1) / 2,
        tasks,
        rotation=20,
        fontsize=8,
    )
    ax.set_ylabel("fit seconds (N=5,000)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="git revision to compare with")
    parser.add_argument(
        "--estimators", nargs="+", default=["mine", "dim"], choices=list(ESTIMATORS)
    )
    parser.add_argument("--tasks", nargs="+", default=TASKS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--output", default="speed", help="name of the result files")
    args = parser.parse_args(argv)

    env = environment(args.threads)
    env["baseline"] = git("rev-parse", "--short", args.baseline)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "baseline"
        git("worktree", "add", "--detach", "-f", str(old), args.baseline)
        try:
            for task in args.tasks:
                for seed in args.seeds:
                    rows.append(
                        {
                            "task": task,
                            "seed": seed,
                            "method": "k-NN",
                            "version": "now",
                            **knn_fit(task, args.n, seed),
                        }
                    )
                    for e in args.estimators:
                        for version, source in (("baseline", old), ("now", ROOT)):
                            result = fit_in(source, args.threads, ESTIMATORS[e], task, args.n, seed)
                            rows.append(
                                {
                                    "task": task,
                                    "seed": seed,
                                    "method": e,
                                    "version": version,
                                    **result,
                                }
                            )
                            print(
                                f"{task:<26} {ESTIMATORS[e]:<15} {version:<8} "
                                f"{result['seconds']:6.2f} s  "
                                f"{100 * relative_error(result):+6.1f}%  {result['n_iter']} it",
                                flush=True,
                            )
        finally:
            git("worktree", "remove", "--force", str(old))
    env["load_average_at_end"] = os.getloadavg()[0]
    text = table(rows, args.estimators)
    header = (
        f"Commit {env['commit']} against {env['baseline']}, {env['date']}; {env['machine']}; "
        f"Python {env['python']}, torch {env['torch']}, scikit-learn {env['scikit-learn']}; "
        f"{env['torch_threads']} torch threads; one fit at a time, N={args.n}, seeds "
        f"{args.seeds}; load average {env['load_average_at_start']:.2f} at the start, "
        f"{env['load_average_at_end']:.2f} at the end.\n\n"
    )
    print("\n" + header + text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.output}.md").write_text(header + text + "\n")
    (RESULTS / f"{args.output}.json").write_text(
        json.dumps({"environment": env, "rows": rows}, indent=1)
    )
    plot(rows, args.estimators, RESULTS / f"{args.output}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
