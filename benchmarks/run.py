"""One command for the numbers the README and the docs quote.

``headline`` fits k-NN and every estimator with its defaults on six public tasks of
:data:`skmine.datasets.TASKS` (a 1-D mixture, a 1-D and a 5x5 Gaussian, a transformed 3x3
Gaussian, a sparse 25x25 Gaussian and a spiral of the hard family; N=5,000, seed 0), one fit
at a time, each in a fresh Python process with the same torch thread count and timed on the
``fit`` call alone. k-NN is scikit-learn's ``mutual_info_regression`` when X and y are both
1-D and the multivariate KSG of :mod:`skmine.baselines` otherwise (k=3). It writes
``benchmarks/results/headline.{json,md}`` (with the commit, package versions, machine, torch
threads and load) and then rewrites, from that file, the README's table between
``<!-- headline:start -->`` and ``<!-- headline:end -->`` and the same block of
``docs/benchmarks.md``::

    python benchmarks/run.py headline             # about 3-4 minutes on 2 idle cores
    python benchmarks/run.py headline --quick     # smoke test: 2 tasks, N=500, 100 iterations,
                                                  # one torch thread
    python benchmarks/run.py render               # rewrite README and docs from headline.json

``--quick`` writes ``headline_quick.{json,md}`` and leaves the README and the docs alone
(unless ``--write-docs`` is given). Run the full command on an otherwise idle machine: a busy
core makes a 2-thread fit many times slower.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import RESULTS, ROOT, environment, environment_line

TASKS = [
    "MG(0.9)",
    "HG(0.9, 1)",
    "dense-gauss 5x5",
    "asinh 3x3",
    "sparse-gauss 25x25",
    "spiral sparse-gauss 5x5",
]
QUICK_TASKS = ["MG(0.9)", "dense-gauss 5x5"]
ESTIMATORS = {"mine": "MINE", "dim": "DeepInfoMaxJSD", "minee": "MINEE"}
METHODS = {"k-NN": "k-NN", **ESTIMATORS}
START, END = "<!-- headline:start -->", "<!-- headline:end -->"
README = ROOT / "README.md"
DOCS_PAGE = ROOT / "docs" / "benchmarks.md"

WORKER = """
import json, sys, time, warnings
import torch
warnings.simplefilter("ignore")
threads, name, task = int(sys.argv[1]), sys.argv[2], sys.argv[3]
n, seed, params = int(sys.argv[4]), int(sys.argv[5]), json.loads(sys.argv[6])
if threads:
    torch.set_num_threads(threads)
import skmine
from skmine.datasets import TASKS
X, y, truth = TASKS[task].sample(n, seed)
cls = getattr(skmine, name)
start = time.perf_counter()
est = cls(random_state=seed, **params).fit(X, y)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "estimate": float(est.mutual_info_), "truth": truth,
                  "ci": [float(v) for v in est.mutual_info_ci_], "n_iter": int(est.n_iter_),
                  "threads": torch.get_num_threads()}))
"""


def fit_in_process(threads: int, name: str, task: str, n: int, seed: int, params: dict) -> dict:
    """One estimator fit in a fresh process that imports skmine from this tree."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            WORKER,
            str(threads),
            name,
            task,
            str(n),
            str(seed),
            json.dumps(params),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=tempfile.gettempdir(),
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def knn_fit(task: str, n: int, seed: int) -> dict:
    """k-NN (k=3): scikit-learn's estimator for two scalars, the multivariate KSG otherwise."""
    from sklearn.feature_selection import mutual_info_regression

    from skmine.baselines import ksg_mutual_info
    from skmine.datasets import TASKS as ALL

    X, y, truth = ALL[task].sample(n, seed)
    start = time.perf_counter()
    if X.shape[1] == 1 and np.ndim(y) == 1:
        estimate = mutual_info_regression(X, y, n_neighbors=3, random_state=seed)[0]
    else:
        estimate = ksg_mutual_info(X, y, n_neighbors=3, random_state=seed)
    return {"seconds": time.perf_counter() - start, "estimate": float(estimate), "truth": truth}


def relative_error(row: dict) -> float:
    return (row["estimate"] - row["truth"]) / row["truth"]


def cell(rows: list[dict]) -> str:
    """Median signed error and median seconds of a method's fits on one task."""
    if not rows:
        return "—"
    error = 100 * float(np.median([relative_error(r) for r in rows]))
    seconds = float(np.median([r["seconds"] for r in rows]))
    return f"{error:+.1f}% · {seconds_text(seconds)}"


def seconds_text(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds < 1 else f"{seconds:.1f} s"


def table(record: dict) -> str:
    """The markdown table of a headline record: relative error and seconds per method."""
    rows = record["rows"]
    methods = [m for m in METHODS if any(r["method"] == m for r in rows)]
    methods += [m for m in METHODS if m not in methods and m in record.get("pending", [])]
    lines = [
        "| task | truth (nats) | " + " | ".join(METHODS[m] for m in methods) + " |",
        "|---|---:|" + "---:|" * len(methods),
    ]
    for task in dict.fromkeys(r["task"] for r in rows):
        of = [r for r in rows if r["task"] == task]
        cells = [cell([r for r in of if r["method"] == m]) for m in methods]
        lines.append(f"| {task} | {of[0]['truth']:.3f} | " + " | ".join(cells) + " |")
    summary = []
    for m in methods:
        fits = [r for r in rows if r["method"] == m]
        if not fits:
            summary.append("—")
            continue
        mean_error = 100 * float(np.mean([abs(relative_error(r)) for r in fits]))
        seconds = float(np.median([r["seconds"] for r in fits]))
        summary.append(f"{mean_error:.1f}% · {seconds_text(seconds)}")
    lines.append("| mean abs. error · median seconds | | " + " | ".join(summary) + " |")
    return "\n".join(lines)


def caption(record: dict) -> str:
    env = record["environment"]
    n = record.get("n_samples", 5000)
    seeds = record.get("seeds", [0])
    over = (
        f"seed {seeds[0]}" if len(seeds) == 1 else "median over seeds " + ", ".join(map(str, seeds))
    )
    text = (
        f"Signed relative error of the estimate and seconds per `fit` ({over}), N = {n:,}, "
        f"defaults, one fit at a time; {environment_line(env)}"
    )
    if record.get("note"):
        text += " " + record["note"]
    return text


def block(record: dict, source: str) -> str:
    """What goes between the markers: the table, the conditions and the record's name."""
    return f"{table(record)}\n\n{caption(record)} Record: `{source}`."


def replace_between(text: str, new: str) -> str:
    """``text`` with everything between the headline markers replaced by ``new``."""
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), flags=re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"no {START} ... {END} block")
    return pattern.sub(lambda _: f"{START}\n{new}\n{END}", text, count=1)


def render(record_path: Path, targets: list[Path]) -> None:
    """Rewrite the headline block of each target file from a record."""
    record = json.loads(record_path.read_text())
    try:
        source = record_path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        source = record_path.name
    new = block(record, source)
    for target in targets:
        target.write_text(replace_between(target.read_text(), new))
        print(f"rewrote the headline table of {target}")


def headline(args: argparse.Namespace) -> int:
    tasks = args.tasks or (QUICK_TASKS if args.quick else TASKS)
    n = args.n or (500 if args.quick else 5000)
    params = {"max_iter": 100} if args.quick else {}
    threads = 1 if args.quick and args.threads == 0 else args.threads
    output = args.output or ("headline_quick" if args.quick else "headline")
    env = environment(threads)
    rows = []
    for task in tasks:
        for seed in args.seeds:
            rows.append({"task": task, "seed": seed, "method": "k-NN", **knn_fit(task, n, seed)})
            for key in args.estimators:
                result = fit_in_process(threads, ESTIMATORS[key], task, n, seed, params)
                rows.append({"task": task, "seed": seed, "method": key, **result})
                print(
                    f"{task:<26} {ESTIMATORS[key]:<15} {result['seconds']:6.2f} s  "
                    f"{100 * relative_error(result):+6.1f}%  {result['n_iter']} it",
                    flush=True,
                )
    env["load_average_at_end"] = os.getloadavg()[0]
    record = {
        "environment": env,
        "n_samples": n,
        "seeds": args.seeds,
        "params": params,
        "note": "Smoke test: 100 iterations." if args.quick else "",
        "rows": rows,
    }
    results = Path(args.results)
    results.mkdir(parents=True, exist_ok=True)
    json_path = results / f"{output}.json"
    json_path.write_text(json.dumps(record, indent=1) + "\n")
    text = block(record, json_path.name)
    (results / f"{output}.md").write_text(text + "\n")
    print("\n" + text)
    if args.write_docs or not args.quick:
        render(json_path, [Path(p) for p in args.targets])
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("headline", help="fit the headline tasks and write the table")
    run.add_argument(
        "--quick", action="store_true", help="2 tasks, N=500, 100 iterations, 1 thread"
    )
    run.add_argument("--tasks", nargs="+", default=None)
    run.add_argument("--estimators", nargs="+", default=list(ESTIMATORS), choices=ESTIMATORS)
    run.add_argument("--seeds", nargs="+", type=int, default=[0])
    run.add_argument("--n", type=int, default=None, help="samples per task (default 5,000)")
    run.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    run.add_argument("--output", default=None, help="name of the result files")
    run.add_argument("--results", default=str(RESULTS), help="folder of the result files")
    run.add_argument(
        "--write-docs", action="store_true", help="with --quick: rewrite README and docs too"
    )
    run.add_argument("--targets", nargs="+", default=[str(README), str(DOCS_PAGE)])
    again = commands.add_parser("render", help="rewrite README and docs from a record")
    again.add_argument("--record", default=str(RESULTS / "headline.json"))
    again.add_argument("--targets", nargs="+", default=[str(README), str(DOCS_PAGE)])
    args = parser.parse_args(argv)
    if args.command == "render":
        render(Path(args.record), [Path(p) for p in args.targets])
        return 0
    return headline(args)


if __name__ == "__main__":
    raise SystemExit(main())
