"""Joint-MI selection against univariate and greedy selectors, in one run.

Selectors, each asked for the same number ``k`` of features:

- ``joint neural``: :class:`skmine.feature_selection.JointMutualInfoSelector` (defaults);
- ``k-NN SelectKBest``: scikit-learn's ``mutual_info_classif`` / ``mutual_info_regression``;
- ``neural SelectKBest``: our univariate ``mutual_info_neural``;
- ``mRMR (k-NN)``: greedy max-relevance min-redundancy (relevance minus mean redundancy,
  both k-NN MI estimates), written here;
- ``SFS (k-NN model)``: ``SequentialFeatureSelector`` (forward, 3-fold CV) with a
  15-nearest-neighbour model, which can represent interactions once both features are in.

(a) Synthetic tasks with known informative features (XOR pair, parity triple, Friedman #1,
redundant copies, ``make_classification`` with redundant features): recall of the true
features, held-out score of a gradient-boosting model on the selected features (selection
and model fitted on 2/3 of the samples, scored on the rest), and seconds per selection.
(b) scikit-learn's bundled tables: 5-fold CV score with the selection inside the pipeline.
(c) Seconds for 50 features x 5,000 samples.
A plot of the joint selector's held-out MI along its elimination path is saved to
``benchmarks/results/joint_selection.png``. The output ends with the run's commit, package
versions, machine and torch threads, which the plot's PNG also carries.

    OMP_NUM_THREADS=2 python benchmarks/joint_selection.py            # 10 seeds
    OMP_NUM_THREADS=2 python benchmarks/joint_selection.py --seeds 2  # quick look
"""

from __future__ import annotations

import argparse
import time
from functools import partial
from pathlib import Path

import matplotlib
import numpy as np
import torch
from _common import environment, environment_line, finish, png_metadata
from sklearn.base import BaseEstimator
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_wine,
    make_classification,
    make_friedman1,
)
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.feature_selection import (
    SelectKBest,
    SelectorMixin,
    SequentialFeatureSelector,
    mutual_info_classif,
    mutual_info_regression,
)
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmine.feature_selection import JointMutualInfoSelector, mutual_info_neural

matplotlib.use("Agg")
import matplotlib.pyplot as plt

RESULTS = Path(__file__).parent / "results"
METHODS = [
    "joint neural",
    "k-NN SelectKBest",
    "neural SelectKBest",
    "mRMR (k-NN)",
    "SFS (k-NN model)",
]


class MRMRSelector(SelectorMixin, BaseEstimator):
    """Greedy mRMR (difference form) on scikit-learn's k-NN MI estimates."""

    def __init__(self, k=5, classify=True, random_state=0):
        self.k = k
        self.classify = classify
        self.random_state = random_state

    def fit(self, X, y):
        score = mutual_info_classif if self.classify else mutual_info_regression
        relevance = score(X, y, random_state=self.random_state)
        chosen = [int(np.argmax(relevance))]
        redundancy = np.zeros(X.shape[1])
        while len(chosen) < self.k:
            redundancy += mutual_info_regression(
                X, X[:, chosen[-1]], random_state=self.random_state
            )
            criterion = relevance - redundancy / len(chosen)
            criterion[chosen] = -np.inf
            chosen.append(int(np.argmax(criterion)))
        self.support_ = np.zeros(X.shape[1], dtype=bool)
        self.support_[chosen] = True
        return self

    def _get_support_mask(self):
        return self.support_


def selector(method: str, k: int, classify: bool, seed: int):
    if method == "joint neural":
        return JointMutualInfoSelector(k, random_state=seed)
    if method == "k-NN SelectKBest":
        score = mutual_info_classif if classify else mutual_info_regression
        return SelectKBest(partial(score, random_state=seed), k=k)
    if method == "neural SelectKBest":
        return SelectKBest(partial(mutual_info_neural, random_state=seed), k=k)
    if method == "mRMR (k-NN)":
        return MRMRSelector(k, classify, seed)
    model = KNeighborsClassifier(15) if classify else KNeighborsRegressor(15)
    return SequentialFeatureSelector(model, n_features_to_select=k, cv=3)


# -- synthetic tasks: (X, y, classify, k, recall(support) -> float) ---------------------------


def _shuffled(rng, X, informative):
    order = rng.permutation(X.shape[1])
    return X[:, order], np.flatnonzero(np.isin(order, informative))


def xor_pair(seed, n=3000):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 20))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    X, true = _shuffled(rng, X, [0, 1])
    return X, y, True, 2, lambda s: np.isin(true, s).mean()


def parity_triple(seed, n=3000):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 20))
    y = (X[:, 0] * X[:, 1] * X[:, 2] > 0).astype(int)
    X, true = _shuffled(rng, X, [0, 1, 2])
    return X, y, True, 3, lambda s: np.isin(true, s).mean()


def friedman(seed, n=3000):
    X, y = make_friedman1(n, 20, noise=1.0, random_state=seed)
    return X, y, False, 5, lambda s: np.isin(np.arange(5), s).mean()


def redundant_copies(seed, n=3000):
    """Factor 0 and four noisy copies of it, three other informative factors, 12 noise."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 4))
    copies = z[:, [0]] + 0.1 * rng.normal(size=(n, 4))
    X = np.hstack([z, copies, rng.normal(size=(n, 12))])
    y = z[:, 0] + 0.8 * z[:, 1] + 0.6 * np.sin(2 * z[:, 2]) + 0.5 * z[:, 3] ** 2
    y = y + 0.3 * rng.normal(size=n)
    factor = np.array([0, 1, 2, 3, 0, 0, 0, 0] + [-1] * 12)

    def recall(support):
        return len(set(factor[support]) - {-1}) / 4

    return X, y, False, 4, recall


def classification_redundant(seed, n=3000):
    """4 informative, 4 redundant (linear combinations), 12 noise features."""
    X, y = make_classification(
        n,
        20,
        n_informative=4,
        n_redundant=4,
        n_clusters_per_class=2,
        shuffle=False,
        random_state=seed,
    )
    # shuffle=False keeps the informative columns first, but also sorts the rows by class.
    rows = np.random.default_rng(seed).permutation(n)
    X, y = X[rows], y[rows]
    informative = X[:, :4]

    def recall(support):
        # Informative dimensions spanned by the selected columns (redundant ones are exact
        # linear combinations of the informative ones; noise columns span none).
        coef, *_ = np.linalg.lstsq(informative, X[:, support], rcond=None)
        fitted = informative @ coef
        exact = np.abs(fitted - X[:, support]).max(axis=0) < 1e-8
        return np.linalg.matrix_rank(coef[:, exact], tol=1e-6) / 4

    return X, y, True, 4, recall


TASKS = {
    "XOR pair + 18 noise": xor_pair,
    "parity triple + 17 noise": parity_triple,
    "Friedman #1 (20 features)": friedman,
    "redundant copies": redundant_copies,
    "make_classification 4+4 redundant": classification_redundant,
}


def part_a(seeds):
    print(f"\n### (a) synthetic tasks, n = 3,000, {len(seeds)} seeds (mean ± std)\n")
    print("recall: fraction of the true features (for the redundant tasks: of the distinct")
    print("informative factors) among the k selected; score: held-out accuracy / R² of")
    print("gradient boosting on the selected features.\n")
    print("| task | k | selector | recall | all found | score | seconds |")
    print("|---|---|---|---|---|---|---|")
    paths = {}
    for task, make in TASKS.items():
        for method in METHODS:
            recalls, scores, seconds = [], [], []
            for seed in seeds:
                X, y, classify, k, recall = make(seed)
                cut = 2 * X.shape[0] // 3
                chooser = selector(method, k, classify, seed)
                started = time.perf_counter()
                chooser.fit(X[:cut], y[:cut])
                seconds.append(time.perf_counter() - started)
                support = chooser.get_support(indices=True)
                recalls.append(recall(support))
                model = (
                    HistGradientBoostingClassifier if classify else HistGradientBoostingRegressor
                )(random_state=0)
                model.fit(X[:cut, support], y[:cut])
                scores.append(model.score(X[cut:, support], y[cut:]))
                if method == "joint neural" and seed == seeds[0]:
                    paths[task] = (chooser.n_features_path_, chooser.mutual_info_path_)
            recalls = np.array(recalls)
            print(
                f"| {task} | {k} | {method} | {recalls.mean():.2f} ± {recalls.std():.2f} | "
                f"{(recalls == 1).sum()}/{len(seeds)} | {np.mean(scores):.3f} ± "
                f"{np.std(scores):.3f} | {np.mean(seconds):.1f} |",
                flush=True,
            )
    return paths


def part_b():
    sets = [
        ("diabetes", load_diabetes, False, 5),
        ("breast_cancer", load_breast_cancer, True, 10),
        ("wine", load_wine, True, 5),
        ("digits", load_digits, True, 20),
    ]
    print("\n### (b) bundled tables: 5-fold CV score, selection inside the pipeline\n")
    print("| data set | k / features | model | " + " | ".join(METHODS) + " |")
    print("|---|---|---|" + "---|" * len(METHODS))
    for name, loader, classify, k in sets:
        X, y = loader(return_X_y=True)
        if classify:
            model = LogisticRegression(max_iter=2000)
            cv = StratifiedKFold(5, shuffle=True, random_state=0)
        else:
            model, cv = RidgeCV(), KFold(5, shuffle=True, random_state=0)
        cells = []
        for method in METHODS:
            pipe = make_pipeline(StandardScaler(), selector(method, k, classify, 0), model)
            started = time.perf_counter()
            values = cross_val_score(pipe, X, y, cv=cv)
            elapsed = time.perf_counter() - started
            cells.append(f"{values.mean():.3f} ± {values.std():.3f} ({elapsed:.0f} s)")
        metric = "accuracy" if classify else "R²"
        print(
            f"| {name} | {k} / {X.shape[1]} | {type(model).__name__} ({metric}) | "
            + " | ".join(cells)
            + " |",
            flush=True,
        )


def part_c():
    print("\n### (c) seconds to select 5 of 50 features, 5,000 samples (one fit each)\n")
    print("| target | " + " | ".join(METHODS) + " | joint / k-NN |")
    print("|---|" + "---|" * (len(METHODS) + 1))
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5000, 50))
    targets = {
        "class labels (XOR of 2)": ((X[:, 0] * X[:, 1] > 0).astype(int), True),
        "continuous (Friedman #1)": (make_friedman1(5000, 50, noise=1.0, random_state=0)[1], False),
    }
    # The first torch optimiser of a process imports machinery (about 2 s, once): warm up.
    JointMutualInfoSelector(1, max_iter=5, refit_iter=0).fit(X[:100, :3], X[:100, 0] > 0)
    for name, (y, classify) in targets.items():
        Xt = X if classify else make_friedman1(5000, 50, noise=1.0, random_state=0)[0]
        seconds = {}
        for method in METHODS:
            started = time.perf_counter()
            selector(method, 5, classify, 0).fit(Xt, y)
            seconds[method] = time.perf_counter() - started
        ratio = seconds["joint neural"] / seconds["k-NN SelectKBest"]
        print(
            f"| {name} | "
            + " | ".join(f"{seconds[m]:.1f}" for m in METHODS)
            + f" | {ratio:.1f}x |",
            flush=True,
        )


def plot(paths, metadata=None):
    RESULTS.mkdir(exist_ok=True)
    fig, axes = plt.subplots(1, len(paths), figsize=(3.2 * len(paths), 3.2), sharey=False)
    for ax, (task, (sizes, mi)) in zip(np.atleast_1d(axes), paths.items(), strict=True):
        ax.plot(sizes, mi, "o-", ms=3)
        ax.set_xlabel("features kept")
        ax.set_title(task, fontsize=9)
        ax.invert_xaxis()
    np.atleast_1d(axes)[0].set_ylabel("held-out joint MI (nats)")
    fig.suptitle("JointMutualInfoSelector: MI of the kept features along the elimination path")
    fig.tight_layout()
    path = RESULTS / "joint_selection.png"
    fig.savefig(path, dpi=120, metadata=metadata)
    print(f"\nsaved {path}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--skip", default="", help="parts to skip, e.g. 'bc'")
    args = parser.parse_args(argv)
    env = environment()
    print(f"torch threads: {torch.get_num_threads()}")
    paths = part_a(list(range(args.seeds))) if "a" not in args.skip else None
    if "b" not in args.skip:
        part_b()
    if "c" not in args.skip:
        part_c()
    print(f"\n{environment_line(finish(env))}")
    if paths is not None:
        plot(paths, metadata=png_metadata(env))


if __name__ == "__main__":
    main()
