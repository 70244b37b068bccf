"""Fit time with 1 and 2 torch threads, on an idle machine and with one core kept busy.

A small critic's step is short, so torch's intra-op threads spend much of it synchronising;
when another process holds a core, a thread that waits for it stalls every step. Prints a
markdown table (MINE, N=5,000, dense 5x5 Gaussian, a fixed 1,000 iterations)::

    python benchmarks/threads.py

Run it on an otherwise idle machine with at least 2 cores; it makes the busy core itself.
The table is followed by the run's commit, package versions, machine and load.
"""

from __future__ import annotations

import multiprocessing
import os
import time

import torch
from _common import environment, environment_line, finish

from skmine import MINE
from skmine.datasets import TASKS


def _spin(stop) -> None:
    while not stop.is_set():
        pass


def fit_seconds(n_threads: int, X, y) -> float:
    est = MINE(n_threads=n_threads, max_iter=1000, early_stopping=False, random_state=0)
    start = time.perf_counter()
    est.fit(X, y)
    return time.perf_counter() - start


def main() -> None:
    env = environment()
    env["torch_threads"] = "1 and 2 (the table's columns)"
    X, y, _ = TASKS["dense-gauss 5x5"].sample(5000, 0)
    print(
        f"torch {torch.__version__}, {os.cpu_count()} cores, torch default "
        f"{torch.get_num_threads()} threads, load average {os.getloadavg()[0]:.2f}\n"
    )
    fit_seconds(1, X[:500], y[:500])  # warm-up
    rows = []
    for busy in (False, True):
        stop = multiprocessing.Event()
        spinner = multiprocessing.Process(target=_spin, args=(stop,)) if busy else None
        if spinner:
            spinner.start()
            time.sleep(1.0)
        try:
            rows.append((busy, {n: fit_seconds(n, X, y) for n in (1, 2)}))
        finally:
            if spinner:
                stop.set()
                spinner.join()
    print("| machine | 1 torch thread | 2 torch threads |")
    print("|---|---:|---:|")
    for busy, seconds in rows:
        label = "one core busy" if busy else "idle"
        print(f"| {label} | {seconds[1]:.1f} s | {seconds[2]:.1f} s |")
    print(f"\n{environment_line(finish(env))}")


if __name__ == "__main__":
    main()
