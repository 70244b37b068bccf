"""MINEE's defaults before and after issue 15, against MINE, in one run.

Every fit runs in its own worker process with one torch thread; the *old* MINEE is imported
from a git revision of this repository (``--baseline``, default ``main``), exported to a
temporary directory, so that old and new code run side by side on the same machine in the
same run. Two tables are printed:

* **MI**: every task of :data:`skmine.datasets.TASKS` at ``--n-samples``: MINE, old MINEE and
  new MINEE with their defaults: estimate, relative error, seconds, and MINEE's seconds as a
  multiple of MINE's on the same data. A fit that refuses (``ValueError``) is reported as such.
* **Entropies**: ``MINEE().fit(X).entropy_x_`` against closed forms (Gaussian, Student-t,
  uniform box, exponential; 1-5 dimensions), old and new.

Usage: ``python benchmarks/archive/minee_defaults.py [--n-samples 5000] [--seeds 1] [--jobs 2]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from scipy.special import digamma, gammaln

REPO = Path(__file__).resolve().parents[2]


def student_t_entropy(dim: int, df: float) -> float:
    """Entropy of the standard multivariate Student-t (identity shape matrix)."""
    half = 0.5 * (df + dim)
    return float(
        gammaln(0.5 * df)
        - gammaln(half)
        + 0.5 * dim * np.log(df * np.pi)
        + half * (digamma(half) - digamma(0.5 * df))
    )


def _correlated(dim: int) -> np.ndarray:
    return np.eye(dim) + 0.5 * (np.eye(dim, k=1) + np.eye(dim, k=-1))


# name -> (sampler(n, rng) -> X, closed-form entropy in nats)
ENTROPY_TASKS = {
    "Gaussian d=1 (sd 2)": (
        lambda n, rng: 2.0 * rng.standard_normal((n, 1)),
        0.5 * np.log(2 * np.pi * np.e * 4.0),
    ),
    "Gaussian d=3 (corr.)": (
        lambda n, rng: rng.multivariate_normal(np.zeros(3), _correlated(3), n),
        0.5 * np.linalg.slogdet(2 * np.pi * np.e * _correlated(3))[1],
    ),
    "Gaussian d=5 (corr.)": (
        lambda n, rng: rng.multivariate_normal(np.zeros(5), _correlated(5), n),
        0.5 * np.linalg.slogdet(2 * np.pi * np.e * _correlated(5))[1],
    ),
    "uniform [0, 2]": (lambda n, rng: 2.0 * rng.random((n, 1)), np.log(2.0)),
    "uniform [0, 2]^2": (lambda n, rng: 2.0 * rng.random((n, 2)), 2 * np.log(2.0)),
    "uniform [0, 2]^5": (lambda n, rng: 2.0 * rng.random((n, 5)), 5 * np.log(2.0)),
    "exponential d=1": (lambda n, rng: rng.exponential(1.0, (n, 1)), 1.0),
    "exponential d=3": (lambda n, rng: rng.exponential(1.0, (n, 3)), 3.0),
    "Student-t d=1 df=1": (
        lambda n, rng: rng.standard_t(1.0, (n, 1)),
        student_t_entropy(1, 1.0),
    ),
    "Student-t d=2 df=3": (
        lambda n, rng: rng.standard_normal((n, 2)) / np.sqrt(rng.chisquare(3.0, (n, 1)) / 3.0),
        student_t_entropy(2, 3.0),
    ),
    "Student-t d=5 df=5": (
        lambda n, rng: rng.standard_normal((n, 5)) / np.sqrt(rng.chisquare(5.0, (n, 1)) / 5.0),
        student_t_entropy(5, 5.0),
    ),
}


def worker(spec: dict) -> dict:
    """One fit (runs in a worker process, with whichever skmine is on its path)."""
    import warnings

    import skmine
    from skmine import MINE, MINEE
    from skmine.datasets import TASKS

    warnings.simplefilter("ignore")
    cls = MINE if spec["method"] == "MINE" else MINEE
    est = cls(random_state=spec["seed"], n_threads=1, device="cpu")
    if spec["kind"] == "mi":
        X, y, truth = TASKS[spec["task"]].sample(spec["n"], spec["seed"])
    else:
        sample, truth = ENTROPY_TASKS[spec["task"]]
        X, y = sample(spec["n"], np.random.default_rng(spec["seed"])), None
    start = time.perf_counter()
    try:
        est.fit(X, y)
        value = float(est.mutual_info_ if spec["kind"] == "mi" else est.entropy_x_)
        error = None
    except ValueError as exc:
        value, error = float("nan"), str(exc).split(":")[0]
    return dict(
        spec,
        truth=float(truth),
        estimate=value,
        error=error,
        seconds=time.perf_counter() - start,
        n_iter=int(getattr(est, "n_iter_", 0)),
        source=str(Path(skmine.__file__).parent),
    )


def export_baseline(revision: str, directory: Path) -> Path:
    """``skmine/`` of ``revision`` (git archive), for the old MINEE."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", revision, "skmine"], check=True, capture_output=True
    ).stdout
    path = directory / "archive.tar"
    path.write_bytes(archive)
    with tarfile.open(path) as tar:
        tar.extractall(directory, filter="data")
    return directory


def run_unit(spec: dict, baseline: Path) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    path = str(baseline) if spec["code"] == "old" else str(REPO)
    env["PYTHONPATH"] = path + os.pathsep + str(Path(__file__).resolve().parent)
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, json, minee_defaults as m; "
            "print(json.dumps(m.worker(json.loads(sys.argv[1]))))",
            json.dumps(spec),
        ],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=tempfile.gettempdir(),
    )
    record = json.loads(out.stdout.strip().splitlines()[-1])
    shown = "refused" if record["error"] else f"{record['estimate']:.3f}"
    print(
        f"  {record['task']:<22} seed {record['seed']} {spec['label']:<10} {shown:>8} "
        f"(truth {record['truth']:.3f}, {record['seconds']:.1f} s)",
        flush=True,
    )
    return record


def cell(records: list[dict]) -> tuple[str, float, float]:
    """``estimate (rel. err.)`` text, mean relative error, mean seconds."""
    truth = records[0]["truth"]
    refused = sum(r["error"] is not None for r in records)
    values = [r["estimate"] for r in records if r["error"] is None]
    seconds = float(np.mean([r["seconds"] for r in records]))
    if not values:
        return f"refused ({refused}/{len(records)})", float("nan"), seconds
    mean = float(np.mean(values))
    err = float(np.mean([abs(v - truth) / abs(truth) for v in values]))
    text = f"{mean:.3f} ({100 * err:.1f}%)" + (f", {refused} refused" if refused else "")
    return text, err, seconds


def tables(records: list[dict], labels: list[str], kind: str) -> str:
    rows = [r for r in records if r["kind"] == kind]
    tasks = list(dict.fromkeys(r["task"] for r in rows))
    header = ["task", "truth"] + [f"{label}: estimate (rel. err.), s" for label in labels]
    if kind == "mi":
        header += ["old MINEE / MINE s", "new MINEE / MINE s"]
    lines = ["| " + " | ".join(header) + " |", "|---|---:|" + "---:|" * (len(header) - 2)]
    errors = {label: [] for label in labels}
    seconds = {label: [] for label in labels}
    negative = {label: 0 for label in labels}
    for task in tasks:
        cells, secs = [], {}
        for label in labels:
            group = [r for r in rows if r["task"] == task and r["label"] == label]
            text, err, sec = cell(group)
            cells.append(f"{text}, {sec:.1f}")
            secs[label] = sec
            errors[label].append(err)
            seconds[label].append(sec)
            negative[label] += sum(r["error"] is None and r["estimate"] < 0 for r in group)
        truth = next(r["truth"] for r in rows if r["task"] == task)
        line = [task, f"{truth:.3f}", *cells]
        if kind == "mi":
            line += [
                f"{secs['old MINEE'] / secs['MINE']:.2f}",
                f"{secs['new MINEE'] / secs['MINE']:.2f}",
            ]
        lines.append("| " + " | ".join(line) + " |")
    limit = "10%" if kind == "mi" else "3%"
    lines += [
        "",
        f"| method | mean rel. error (capped at 1) | within {limit} | negative | total s |",
        "|---|---:|---:|---:|---:|",
    ]
    for label in labels:
        errs = np.array(errors[label], dtype=float)
        capped = np.where(np.isnan(errs), 1.0, np.minimum(errs, 1.0))
        ok = int(np.sum(errs <= (0.10 if kind == "mi" else 0.03)))
        lines.append(
            f"| {label} | {100 * capped.mean():.1f}% | {ok} of {len(tasks)} | {negative[label]} | "
            f"{sum(seconds[label]):.0f} |"
        )
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=5000)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=1, help="fits in parallel, one thread each")
    parser.add_argument("--baseline", default="main", help="git revision of the old MINEE")
    parser.add_argument("--skip-mi", action="store_true")
    parser.add_argument("--skip-entropy", action="store_true")
    parser.add_argument("--records", type=Path, help="also write the raw records as JSON here")
    args = parser.parse_args(argv)
    from skmine.datasets import TASKS

    methods = [
        ("MINE", "MINE", "new"),
        ("old MINEE", "MINEE", "old"),
        ("new MINEE", "MINEE", "new"),
    ]
    units = []
    plan = []
    if not args.skip_mi:
        plan.append(("mi", TASKS, methods))
    if not args.skip_entropy:
        plan.append(("entropy", ENTROPY_TASKS, methods[1:]))
    for seed in range(args.seeds):
        for kind, tasks, chosen in plan:
            units.extend(
                dict(
                    kind=kind,
                    task=task,
                    seed=seed,
                    n=args.n_samples,
                    label=label,
                    method=method,
                    code=code,
                )
                for task in tasks
                for label, method, code in chosen
            )
    import torch

    print(
        f"N={args.n_samples}, seeds={args.seeds}, {args.jobs} fits at a time, 1 torch thread "
        f"each (torch {torch.__version__}, {os.cpu_count()} cores); old MINEE from "
        f"{args.baseline}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        baseline = export_baseline(args.baseline, Path(tmp))
        with ThreadPoolExecutor(args.jobs) as pool:
            records = list(pool.map(lambda u: run_unit(u, baseline), units))
    if args.records:
        args.records.write_text(json.dumps(records, indent=1))
    if not args.skip_mi:
        print("\nMI, defaults:\n")
        print(tables(records, [m[0] for m in methods], "mi"))
    if not args.skip_entropy:
        print("\nEntropies, MINEE().fit(X).entropy_x_:\n")
        print(tables(records, [m[0] for m in methods[1:]], "entropy"))


if __name__ == "__main__":
    main()
