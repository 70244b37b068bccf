"""Seconds of the feature-selection tools at their defaults, against scikit-learn's k-NN scores.

``mutual_info_neural`` on 100 features and ``JointMutualInfoSelector`` on 50 (N=5,000 samples,
a few informative features with non-monotone links, the rest noise), beside
``mutual_info_regression`` on the same data, one call at a time. Prints a markdown table and
writes ``benchmarks/results/selection_speed.{md,json}``::

    python benchmarks/selection_speed.py
    python benchmarks/selection_speed.py --features 20 --samples 2000

Run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np
from _common import RESULTS, environment, environment_line
from sklearn.feature_selection import mutual_info_regression

from skmine.feature_selection import JointMutualInfoSelector, mutual_info_neural


def problem(n_samples: int, n_features: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three informative features (sine, absolute value, square), then noise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    y = (
        np.sin(2 * X[:, 0])
        + np.abs(X[:, 1])
        + 0.5 * X[:, 2] ** 2
        + 0.3 * rng.normal(size=n_samples)
    )
    return X, y


def timed(function, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    out = function(*args, **kwargs)
    return time.perf_counter() - start, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=5000)
    parser.add_argument("--features", type=int, default=100, help="for mutual_info_neural")
    parser.add_argument("--joint-features", type=int, default=50)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    rows = []
    X, y = problem(args.samples, args.features)
    seconds, scores = timed(mutual_info_regression, X, y, random_state=0)
    rows.append(("mutual_info_regression (k-NN)", args.features, seconds, np.argsort(-scores)[:3]))
    seconds, scores = timed(mutual_info_neural, X, y, random_state=0)
    rows.append(("mutual_info_neural", args.features, seconds, np.argsort(-scores)[:3]))
    Xj, yj = problem(args.samples, args.joint_features)
    seconds, _ = timed(mutual_info_regression, Xj, yj, random_state=0)
    rows.append(("mutual_info_regression (k-NN)", args.joint_features, seconds, None))
    selector = JointMutualInfoSelector(n_features_to_select=3, random_state=0)
    seconds, selector = timed(selector.fit, Xj, yj)
    rows.append(
        (
            "JointMutualInfoSelector(n_features_to_select=3)",
            args.joint_features,
            seconds,
            np.flatnonzero(selector.get_support()),
        )
    )
    env = environment()
    header = f"{environment_line(env)} N={args.samples}; features 0-2 informative.\n\n"
    lines = ["| method | features | seconds | top / selected features |", "|---|---:|---:|---|"]
    for name, n_features, seconds, top in rows:
        shown = "" if top is None else ", ".join(str(int(j)) for j in top)
        lines.append(f"| {name} | {n_features} | {seconds:.1f} | {shown} |")
    text = header + "\n".join(lines)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "selection_speed.md").write_text(text + "\n")
    (RESULTS / "selection_speed.json").write_text(
        json.dumps(
            {
                "environment": env,
                "rows": [{"method": r[0], "features": r[1], "seconds": r[2]} for r in rows],
            },
            indent=1,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
