"""Differential entropies from MINEE against their closed forms.

For each distribution and reference, ``MINEE(reference=...).fit(X)`` is fitted with its
defaults on ``--n-samples`` draws, ``--seeds`` seeds, and ``entropy_x_`` is compared with
the exact entropy: ``0.5 log det(2 pi e Sigma)`` for Gaussians, the log-volume for a
uniform box, ``d`` for ``d`` unit exponentials, the multivariate Student-t's closed form.
Prints a markdown table (median estimate, relative error, seconds per fit) and, under it,
the run's commit, package versions, machine and torch threads.

Usage: ``python benchmarks/entropy.py [--seeds 3] [--n-samples 5000] [--jobs 2]
[--references scale-mixture gaussian uniform]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import environment, environment_line, finish, markdown_table
from joblib import Parallel, delayed, parallel_config
from scipy.special import digamma, gammaln

from skmine import MINEE


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
    """Unit variances, correlation 0.5 between neighbouring coordinates."""
    return np.eye(dim) + 0.5 * (np.eye(dim, k=1) + np.eye(dim, k=-1))


def _gaussian(dim: int):
    covariance = _correlated(dim)
    truth = 0.5 * np.linalg.slogdet(2 * np.pi * np.e * covariance)[1]
    return (lambda n, rng: rng.multivariate_normal(np.zeros(dim), covariance, n)), truth


def _student_t(dim: int, df: float):
    def sample(n, rng):
        return rng.standard_normal((n, dim)) / np.sqrt(rng.chisquare(df, (n, 1)) / df)

    return sample, student_t_entropy(dim, df)


# name -> (sampler(n, rng) -> X, closed-form entropy in nats)
DISTRIBUTIONS = {
    "Gaussian d=1 (sd 2)": (
        lambda n, rng: 2.0 * rng.standard_normal((n, 1)),
        0.5 * np.log(2 * np.pi * np.e * 4.0),
    ),
    "Gaussian d=3 (corr.)": _gaussian(3),
    "Gaussian d=5 (corr.)": _gaussian(5),
    "Gaussian d=12 (corr.)": _gaussian(12),
    "uniform [0, 2]": (lambda n, rng: 2.0 * rng.random((n, 1)), np.log(2.0)),
    "uniform [0, 2]^2": (lambda n, rng: 2.0 * rng.random((n, 2)), 2 * np.log(2.0)),
    "uniform [0, 2]^5": (lambda n, rng: 2.0 * rng.random((n, 5)), 5 * np.log(2.0)),
    "exponential d=1": (lambda n, rng: rng.exponential(1.0, (n, 1)), 1.0),
    "exponential d=3": (lambda n, rng: rng.exponential(1.0, (n, 3)), 3.0),
    "Student-t d=1 df=1": _student_t(1, 1.0),
    "Student-t d=2 df=3": _student_t(2, 3.0),
    "Student-t d=5 df=5": _student_t(5, 5.0),
}


def fit_one(name: str, reference: str, seed: int, n_samples: int) -> dict:
    sample, truth = DISTRIBUTIONS[name]
    X = sample(n_samples, np.random.default_rng(seed))
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
    parser.add_argument(
        "--references",
        nargs="+",
        default=[MINEE().reference],
        choices=["scale-mixture", "gaussian", "uniform"],
        help="MINEE references to compare (default: the default one)",
    )
    args = parser.parse_args(argv)
    references = args.references
    # Parallel fits get one torch thread each; a single job runs in this process (default).
    env = environment(1 if args.jobs != 1 else 0, jobs=args.jobs)
    units = [(d, r, s) for d in DISTRIBUTIONS for r in references for s in range(args.seeds)]
    with parallel_config(backend="loky", inner_max_num_threads=1):
        records = Parallel(n_jobs=args.jobs)(
            delayed(fit_one)(d, r, s, args.n_samples) for d, r, s in units
        )
    rows = []
    for name in DISTRIBUTIONS:
        for reference in references:
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
                    f"{100 * np.mean(errors):.1f}% (max {100 * max(errors):.1f}%)",
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
