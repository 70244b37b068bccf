"""Peak memory of a fit on 1,000,000 x 50 float32 rows, relative to the data's size.

Each configuration runs in a fresh process; peak resident memory (``ru_maxrss``) is compared
with the resident memory just before the data were created (Python, torch and skmine
loaded). A short fit (``max_iter=20``) exercises validation, scaling, the split, training
and two held-out evaluations. The table is followed by the run's commit, package versions,
machine and torch threads (one per child process). Usage:
``python benchmarks/memory.py [--rows N] [--cols D]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from _common import environment, environment_line, finish

CHILD = r"""
import json, resource, sys, time
import numpy as np, torch
from skmine import MINE
torch.set_num_threads(1)
rows, cols, scaling = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def rss_mib():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS")) / 1024
before = rss_mib()
rng = np.random.default_rng(0)
X = rng.standard_normal((rows, cols), dtype=np.float32)
y = (X[:, 0] + rng.standard_normal(rows, dtype=np.float32)).astype(np.float32)
data = (X.nbytes + y.nbytes) / 2**20
start = time.perf_counter()
est = MINE(max_iter=20, eval_interval=10, scaling=None if scaling == "None" else scaling,
           device="cpu", random_state=0).fit(X, y)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(dict(scaling=scaling, data=data, before=before, peak=peak, seconds=seconds,
                      estimate=est.mutual_info_)))
"""


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cols", type=int, default=50)
    args = parser.parse_args(argv)
    env = environment(1)  # each child process sets one torch thread
    print(f"MINE fit (max_iter=20) on {args.rows:,} x {args.cols} float32, CPU, one thread\n")
    print(
        "| scaling | data MiB | RSS before data MiB | peak RSS MiB | (peak - before) / data "
        "| fit s |"
    )
    print("|---|---|---|---|---|---|")
    for scaling in ["rank-gaussian", "standard", "None"]:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(args.rows), str(args.cols), scaling],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        r = json.loads(out.strip().splitlines()[-1])
        ratio = (r["peak"] - r["before"]) / r["data"]
        print(
            f"| {scaling} | {r['data']:.0f} | {r['before']:.0f} | {r['peak']:.0f} | "
            f"{ratio:.2f} | {r['seconds']:.1f} |"
        )
    print(f"\n{environment_line(finish(env))}")


if __name__ == "__main__":
    main()
