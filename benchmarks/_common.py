"""Helpers shared by the benchmark scripts: the run's environment, convergence measures and
table printing."""

from __future__ import annotations

import json
import os
import platform
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"

# MINE's and DeepInfoMaxJSD's critic before the deeper default (two layers of 100 at a
# learning rate of 1e-3, no weight decay, no radial features), for old-against-new
# comparisons.
PREVIOUS_CRITIC = {
    "hidden_layer_sizes": (100, 100),
    "learning_rate_init": 1e-3,
    "weight_decay": 0.0,
    "radial_features": False,
}


def git(*args: str) -> str:
    """Output of a git command run in the repository."""
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def environment(threads: int = 0, jobs: int = 1) -> dict:
    """What a result file records about its run: commit, package versions, machine, threads, load.

    ``threads`` is the torch thread count the fits were given (0: torch's default); ``jobs``
    the number of fits run at once (recorded as ``parallel_fits`` when above 1). Add
    ``load_average_at_end`` when the run is over (:func:`finish`).
    """
    import sklearn
    import torch

    env = {
        "commit": git("rev-parse", "--short", "HEAD")
        + ("+dirty" if git("status", "--porcelain", "--untracked-files=no") else ""),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "machine": f"{platform.machine()}, {os.cpu_count()} logical CPUs, {platform.platform()}",
        "torch_threads": threads or torch.get_num_threads(),
        "load_average_at_start": os.getloadavg()[0],
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }
    if jobs > 1:
        env["parallel_fits"] = jobs
    return env


def finish(env: dict) -> dict:
    """``env`` with the load average at the end of the run added."""
    env["load_average_at_end"] = os.getloadavg()[0]
    return env


def environment_line(env: dict) -> str:
    """One sentence naming a run's commit, date, machine, versions, threads and load."""
    jobs = env.get("parallel_fits", 1)
    line = (
        f"Commit {env['commit']}, {env['date']}; {env['machine']}; Python {env['python']}, "
        f"torch {env['torch']}, scikit-learn {env['scikit-learn']}; "
        f"torch threads: {env['torch_threads']}"
        + (f" ({jobs} fits at a time)" if jobs > 1 else "")
        + f"; load average {env['load_average_at_start']:.2f} at the start"
    )
    if "load_average_at_end" in env:
        line += f", {env['load_average_at_end']:.2f} at the end"
    return line + "."


def read_record(path: Path) -> tuple[dict | None, list]:
    """The environment and rows of a JSON result file.

    Accepts both shapes: ``{"environment": ..., "rows": [...]}`` and the bare list of rows
    that older result files hold (environment ``None``).
    """
    data = json.loads(Path(path).read_text())
    if isinstance(data, list):
        return None, data
    return data.get("environment"), data["rows"]


def png_metadata(env: dict) -> dict:
    """PNG text fields that carry a run's environment inside a saved plot."""
    return {"Description": environment_line(env), "Software": f"skmine benchmarks {env['commit']}"}


def iterations_to_stay_within(
    iterations: Sequence[int], estimates: Sequence[float], truth: float, rel: float = 0.1
) -> int | None:
    """First iteration from which every later estimate is within ``rel`` of ``truth``.

    ``None`` when the last estimate is outside the band.
    """
    inside = np.abs(np.asarray(estimates) - truth) <= rel * abs(truth)
    if not inside.size or not inside[-1]:
        return None
    outside = np.flatnonzero(~inside)
    first = 0 if not outside.size else outside[-1] + 1
    return int(iterations[first])


def running_max(values: Sequence[float]) -> np.ndarray:
    """What an estimator that keeps its best held-out checkpoint would report at each step."""
    return np.maximum.accumulate(np.asarray(values, dtype=float))


def median_or_none(values: Sequence[int | None]) -> str:
    """Median of the runs, counting a run that never converged as larger than any other."""
    ranked = sorted(values, key=lambda v: np.inf if v is None else v)
    mid = ranked[len(ranked) // 2]
    never = sum(v is None for v in values)
    text = "never" if mid is None else f"{mid:,}"
    return text + (f" ({never}/{len(values)} never)" if never else "")


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def write_result(name: str, text: str, env: dict, rows: list, **extra: object) -> None:
    """Write ``benchmarks/results/<name>.md`` (``text``) and ``<name>.json``.

    The JSON record holds the run's environment, any ``extra`` fields and the rows.
    """
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.md").write_text(text + "\n")
    record = {"environment": env, **extra, "rows": rows}
    (RESULTS / f"{name}.json").write_text(json.dumps(record, indent=1))


def command_line(script: str, argv: Sequence[str] | None = None) -> str:
    """The command that ran a benchmark, as its record states it.

    ``argv`` is what the script's ``main`` parsed (``None``: the process's arguments).
    """
    args = sys.argv[1:] if argv is None else list(argv)
    return shlex.join(["python", f"benchmarks/{script}", *args])
