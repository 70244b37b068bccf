"""Training speed on each available device, for small and large critics and batches.

Iterations per second of MINE on HG(0.9, 6) (N=50,000) with evaluation switched off, for
several batch sizes and critic widths; and, per device, the samples processed per second.
Small critics are bound by per-step overhead (kernel launches on a GPU), so a GPU pays off
with large batches or wide critics. The table is followed by the run's commit, package
versions, machine and torch threads.

Usage: ``python benchmarks/device_speed.py [--iterations 500]``
"""

from __future__ import annotations

import argparse
import platform
import time

import torch
from _common import environment, environment_line, finish, markdown_table

from skmine import MINE
from skmine.datasets import correlated_gaussians

SETTINGS = [(256, (100, 100)), (4096, (100, 100)), (4096, (512, 512)), (16384, (1024, 1024))]


def iterations_per_second(device: str, batch_size: int, hidden, n_iter: int, X, y) -> float:
    def fit(iterations: int) -> None:
        MINE(
            batch_size=batch_size,
            hidden_layer_sizes=hidden,
            max_iter=iterations,
            eval_interval=iterations,
            early_stopping=False,
            random_state=0,
            device=device,
        ).fit(X, y)

    fit(10)  # warm-up: CUDA context, kernels, allocator
    start = time.perf_counter()
    fit(n_iter)
    return n_iter / (time.perf_counter() - start)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=500)
    args = parser.parse_args(argv)
    env = environment()
    X, y, _ = correlated_gaussians(50_000, 0.9, 6, random_state=0)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    names = {"cpu": f"CPU ({torch.get_num_threads()} threads, {platform.processor() or 'cpu'})"}
    if torch.cuda.is_available():
        names["cuda"] = env["gpu"] = torch.cuda.get_device_name()
    rows = []
    for batch_size, hidden in SETTINGS:
        speeds = {
            d: iterations_per_second(d, batch_size, hidden, args.iterations, X, y) for d in devices
        }
        row = [batch_size, str(hidden)] + [f"{speeds[d]:,.0f}" for d in devices]
        if len(devices) == 2:
            row.append(f"{speeds['cuda'] / speeds['cpu']:.1f}x")
        rows.append(row)
    header = ["batch", "hidden"] + [f"it/s {names[d]}" for d in devices]
    if len(devices) == 2:
        header.append("GPU / CPU")
    print(f"torch {torch.__version__}; MINE iterations per second, evaluation off")
    print(markdown_table(header, rows))
    print(f"\n{environment_line(finish(env))}" + (f" GPU: {env['gpu']}." if "gpu" in env else ""))


if __name__ == "__main__":
    main()
