"""1-D entropy estimators against closed forms: m-spacing windows and a Gaussian KDE.

MINEE's entropies under the rank-gaussian scaling rest on a 1-D estimate of each marginal
entropy (:mod:`skmine._engine.marginal`). For each distribution, ``--repeats`` samples of
``--n-samples`` values: bias and standard deviation of the m-spacing estimator for three
windows, and the bias of the resubstitution estimate ``-mean(log kde(x))`` of
:class:`scipy.stats.gaussian_kde` (5 samples; it costs ``O(n^2)``). Prints a markdown table
and, under it, the run's commit, package versions and machine (no torch: its thread count is
recorded only as torch's default).

Usage: ``python benchmarks/marginal_entropy.py [--n-samples 5000] [--repeats 20]``
"""

from __future__ import annotations

import argparse

import numpy as np
from _common import environment, environment_line, finish, markdown_table
from scipy import stats

from skmine._engine.marginal import spacing_entropy

DISTRIBUTIONS = {
    "normal": stats.norm(),
    "exponential": stats.expon(),
    "Cauchy": stats.cauchy(),
    "uniform(0, 2)": stats.uniform(0, 2),
    "Student-t df=3": stats.t(3),
    "log-normal": stats.lognorm(1.0),
    "beta(2, 5)": stats.beta(2, 5),
}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)
    env = environment()
    n = args.n_samples
    windows = {
        "n^(1/3)": round(n ** (1 / 3)),
        "n^(1/2)/2": round(n**0.5 / 2),
        "n^(1/2)": round(n**0.5),
    }
    rows = []
    for name, dist in DISTRIBUTIONS.items():
        truth = float(dist.entropy())
        row = [name, f"{truth:.4f}"]
        for m in windows.values():
            estimates = [
                spacing_entropy(dist.rvs(n, random_state=seed), m) for seed in range(args.repeats)
            ]
            row.append(f"{np.mean(estimates) - truth:+.4f} ± {np.std(estimates):.4f}")
        kde = []
        for seed in range(5):
            x = dist.rvs(n, random_state=seed)
            kde.append(float(-np.log(stats.gaussian_kde(x)(x)).mean()))
        row.append(f"{np.mean(kde) - truth:+.4f}")
        rows.append(row)
    header = ["distribution", "entropy (nats)"]
    header += [f"m-spacing, m = {k} = {m}: bias ± sd" for k, m in windows.items()]
    header.append("Gaussian KDE: bias")
    print(f"n = {n}, {args.repeats} samples per distribution (KDE: 5)\n")
    print(markdown_table(header, rows))
    print(f"\n{environment_line(finish(env))}")


if __name__ == "__main__":
    main()
