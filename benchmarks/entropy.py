"""Differential entropies from MINEE against their closed forms.

For each distribution and reference, ``MINEE(reference=...).fit(X)`` is fitted with its
defaults on ``--n-samples`` draws, ``--seeds`` seeds, and ``entropy_x_`` is compared with
the exact entropy: ``0.5 log det(2 pi e Sigma)`` for Gaussians, the log-volume for a
uniform box. Prints a markdown table (median estimate, relative error, seconds per fit) and,
under it, the run's commit, package versions, machine and torch threads.

Usage: ``python benchmarks/entropy.py [--seeds 3] [--n-samples 5000] [--jobs 2]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import environment, environment_line, finish, markdown_table
from joblib import Parallel, delayed, parallel_config

from skmine import MINEE


def correlated_gaussian(dim: int):
    """Gaussian with unit variances and correlation 0.5 between neighbouring coordinates."""
    covariance = np.eye(dim) + 0.5 * (np.eye(dim, k=1) + np.eye(dim, k=-1))
    truth = 0.5 * np.linalg.slogdet(2 * np.pi * np.e * covariance)[1]

    def sample(n: int, seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        return rng.multivariate_normal(np.zeros(dim), covariance, size=n)

    return sample, truth


def uniform_box(dim: int, width: float = 2.0):
    def sample(n: int, seed: int) -> np.ndarray:
        return width * np.random.default_rng(seed).random((n, dim))

    return sample, dim * np.log(width)


DISTRIBUTIONS = {
    "Gaussian, d=1": correlated_gaussian(1),
    "Gaussian, d=6": correlated_gaussian(6),
    "Gaussian, d=12": correlated_gaussian(12),
    "uniform box [0, 2]^2": uniform_box(2),
    "uniform box [0, 2]^6": uniform_box(6),
}
REFERENCES = ["gaussian", "uniform"]


def fit_one(name: str, reference: str, seed: int, n_samples: int) -> dict:
    sample, truth = DISTRIBUTIONS[name]
    X = sample(n_samples, seed)
    start = time.perf_counter()
    est = MINEE(reference=reference, random_state=seed, device="cpu").fit(X)
    return {
        "distribution": name,
        "reference": reference,
        "truth": truth,
        "estimate": est.entropy_x_,
        "seconds": time.perf_counter() - start,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--n-samples", type=int, default=5000)
    parser.add_argument("--jobs", type=int, default=1, help="fits in parallel, one thread each")
    args = parser.parse_args(argv)
    # Parallel fits get one torch thread each; a single job runs in this process (default).
    env = environment(1 if args.jobs != 1 else 0, jobs=args.jobs)
    units = [(d, r, s) for d in DISTRIBUTIONS for r in REFERENCES for s in range(args.seeds)]
    with parallel_config(backend="loky", inner_max_num_threads=1):
        records = Parallel(n_jobs=args.jobs)(
            delayed(fit_one)(d, r, s, args.n_samples) for d, r, s in units
        )
    rows = []
    for name in DISTRIBUTIONS:
        for reference in REFERENCES:
            runs = [r for r in records if r["distribution"] == name and r["reference"] == reference]
            truth = runs[0]["truth"]
            estimates = [r["estimate"] for r in runs]
            errors = [abs(e - truth) / abs(truth) if truth else abs(e) for e in estimates]
            rows.append(
                [
                    name,
                    reference,
                    f"{truth:.3f}",
                    f"{np.median(estimates):.3f} [{min(estimates):.3f}, {max(estimates):.3f}]",
                    f"{100 * np.mean(errors):.1f}%",
                    f"{np.median([r['seconds'] for r in runs]):.1f}",
                ]
            )
    print(f"MINEE defaults, N={args.n_samples}, {args.seeds} seeds: entropy_x_ against the truth")
    header = [
        "distribution",
        "reference",
        "truth (nats)",
        "entropy_x_ median [min, max]",
        "mean relative error",
        "fit s",
    ]
    print(markdown_table(header, rows))
    print(f"\n{environment_line(finish(env))}")


if __name__ == "__main__":
    main()
