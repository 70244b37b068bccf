"""Neural MI feature scoring against scikit-learn's k-NN (KSG) estimators, in the same run.

(a) synthetic data with known informative features and non-linear, non-monotone links:
    recall of the informative features among the top k, and Spearman correlation of the
    scores with the signal strength of each feature;
(b) bundled data sets: cross-validated score of a model after SelectKBest with each function;
(c) wall time against the number of features and of samples.

Prints markdown tables, then the run's commit, package versions, machine and torch threads
(one per job when ``--n-jobs`` runs the scores in parallel), and saves
``benchmarks/results/feature_selection.png``, which carries the same sentence.

    OMP_NUM_THREADS=2 python benchmarks/feature_selection.py            # full run
    OMP_NUM_THREADS=2 python benchmarks/feature_selection.py --quick    # capped sizes
"""

from __future__ import annotations

import argparse
import time
from functools import partial
from pathlib import Path

import matplotlib
import numpy as np
from _common import environment, environment_line, finish, png_metadata
from scipy.stats import spearmanr
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_wine
from sklearn.feature_selection import SelectKBest, mutual_info_classif, mutual_info_regression
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmine.feature_selection import mutual_info_neural

matplotlib.use("Agg")
import matplotlib.pyplot as plt

RESULTS = Path(__file__).parent / "results"
LINKS = [np.sin, np.abs, np.square, np.cos, lambda v: np.exp(-(v**2))]


def synthetic(n_samples: int, n_informative: int, n_noise: int, seed: int):
    """Informative features enter ``y`` through non-monotone links with decreasing weights."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_informative + n_noise))
    strength = np.zeros(X.shape[1])
    y = 0.5 * rng.normal(size=n_samples)
    for j in range(n_informative):
        term = LINKS[j % len(LINKS)](2 * X[:, j])
        term = (term - term.mean()) / term.std()
        weight = 1.0 / (1 + 0.3 * j)
        y += weight * term
        strength[j] = weight**2
    return X, y, strength


def part_a(seeds, n_samples, n_jobs):
    rows = []
    for name, score in [
        ("neural", partial(mutual_info_neural, n_jobs=n_jobs)),
        ("KSG", partial(mutual_info_regression, n_jobs=n_jobs)),
    ]:
        recalls, rhos = [], []
        for seed in seeds:
            X, y, strength = synthetic(n_samples, 10, 40, seed)
            scores = score(X, y, random_state=seed)
            top = np.argsort(-scores)[:10]
            recalls.append(np.isin(top, np.flatnonzero(strength)).mean())
            rhos.append(spearmanr(scores, strength).statistic)
        rows.append((name, np.mean(recalls), np.std(recalls), np.mean(rhos), np.std(rhos)))
    print(
        f"\n### (a) synthetic: 10 informative + 40 noise features, n = {n_samples}, "
        f"{len(seeds)} seeds\n"
    )
    print("| score function | recall@10 | Spearman with signal strength |")
    print("|---|---|---|")
    for name, r, rs, rho, rhos in rows:
        print(f"| {name} | {r:.3f} ± {rs:.3f} | {rho:.3f} ± {rhos:.3f} |")


def part_b(n_jobs):
    sets = [
        ("diabetes", load_diabetes, False, 5),
        ("breast_cancer", load_breast_cancer, True, 10),
        ("wine", load_wine, True, 5),
        ("digits", load_digits, True, 20),
    ]
    print("\n### (b) cross-validated score after SelectKBest (5 folds, mean ± std)\n")
    print("| data set | k / features | model | neural | KSG |")
    print("|---|---|---|---|---|")
    for name, loader, classify, k in sets:
        X, y = loader(return_X_y=True)
        if classify:
            model, cv = (
                LogisticRegression(max_iter=2000),
                StratifiedKFold(5, shuffle=True, random_state=0),
            )
            ksg = partial(mutual_info_classif, random_state=0, n_jobs=n_jobs)
        else:
            model, cv = RidgeCV(), KFold(5, shuffle=True, random_state=0)
            ksg = partial(mutual_info_regression, random_state=0, n_jobs=n_jobs)
        neural = partial(mutual_info_neural, random_state=0, n_jobs=n_jobs)
        cells = []
        for score in (neural, ksg):
            pipe = make_pipeline(StandardScaler(), SelectKBest(score, k=k), model)
            values = cross_val_score(pipe, X, y, cv=cv)
            cells.append(f"{values.mean():.3f} ± {values.std():.3f}")
        metric = "accuracy" if classify else "R²"
        print(
            f"| {name} | {k} / {X.shape[1]} | {type(model).__name__} ({metric}) | "
            f"{cells[0]} | {cells[1]} |"
        )


def timed(score, X, y):
    started = time.perf_counter()
    score(X, y, random_state=0)
    return time.perf_counter() - started


def part_c(feature_grid, sample_grid, n_jobs):
    neural = partial(mutual_info_neural, n_jobs=n_jobs)
    ksg = partial(mutual_info_regression, n_jobs=n_jobs)
    by_features, by_samples = [], []
    warm_X, warm_y, _ = synthetic(500, 5, 60, 0)  # start worker processes, import lazily
    timed(neural, warm_X, warm_y), timed(ksg, warm_X, warm_y)
    print(f"\n### (c) wall time (s), n_jobs={n_jobs}\n")
    print("| samples | features | neural | KSG | neural / KSG |")
    print("|---|---|---|---|---|")
    for n_features in feature_grid:
        X, y, _ = synthetic(5000, min(10, n_features), max(0, n_features - 10), 0)
        t_n, t_k = timed(neural, X, y), timed(ksg, X, y)
        by_features.append((n_features, t_n, t_k))
        print(f"| 5000 | {n_features} | {t_n:.2f} | {t_k:.2f} | {t_n / t_k:.2f} |")
    for n_samples in sample_grid:
        X, y, _ = synthetic(n_samples, 5, 5, 0)
        t_n, t_k = timed(neural, X, y), timed(ksg, X, y)
        by_samples.append((n_samples, t_n, t_k))
        print(f"| {n_samples} | 10 | {t_n:.2f} | {t_k:.2f} | {t_n / t_k:.2f} |")
    return by_features, by_samples


def plot(by_features, by_samples, metadata=None):
    RESULTS.mkdir(exist_ok=True)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, rows, label in [
        (axes[0], by_features, "features (5,000 samples)"),
        (axes[1], by_samples, "samples (10 features)"),
    ]:
        rows = np.array(rows)
        ax.loglog(rows[:, 0], rows[:, 1], "o-", label="mutual_info_neural")
        ax.loglog(rows[:, 0], rows[:, 2], "s--", label="mutual_info_regression (KSG)")
        ax.set_xlabel(label)
        ax.set_ylabel("wall time (s)")
        ax.legend()
    fig.tight_layout()
    path = RESULTS / "feature_selection.png"
    fig.savefig(path, dpi=120, metadata=metadata)
    print(f"\nsaved {path}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer seeds, capped sizes")
    parser.add_argument("--max-samples", type=int, default=200_000)
    parser.add_argument("--max-features", type=int, default=500)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--skip", default="", help="parts to skip, e.g. 'ab'")
    args = parser.parse_args(argv)
    # mutual_info_neural gives each of several jobs one torch thread; one job, the default.
    env = environment(1 if args.n_jobs != 1 else 0, jobs=args.n_jobs)
    seeds = range(2) if args.quick else range(5)
    max_samples = min(args.max_samples, 20_000) if args.quick else args.max_samples
    max_features = min(args.max_features, 100) if args.quick else args.max_features
    if "a" not in args.skip:
        part_a(seeds, 2000, args.n_jobs)
    if "b" not in args.skip:
        part_b(args.n_jobs)
    timings = None
    if "c" not in args.skip:
        features = [f for f in (10, 100, 500) if f <= max_features]
        samples = [s for s in (1_000, 5_000, 20_000, 50_000, 200_000) if s <= max_samples]
        timings = part_c(features, samples, args.n_jobs)
    print(f"\n{environment_line(finish(env))}")
    if timings is not None:
        plot(*timings, metadata=png_metadata(env))


if __name__ == "__main__":
    main()
