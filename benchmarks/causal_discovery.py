"""PC on a non-linear structural equation model: skeleton F1 and time with each CI test.

Runs causal-learn's PC (``alpha`` 0.05, stable) on data sets drawn from a 7-variable
non-linear SEM with 8 edges, with four conditional-independence tests: partial correlation
(Fisher z), KCI (causal-learn's defaults), CMIknn (tigramite's, a shuffle test with 200
shuffles, made a causal-learn test here) and ``skmine.independence.ci_test`` (defaults,
``random_state`` = data set, through :mod:`skmine.independence.causallearn`). One PC run at a
time with torch's default threads. Prints, per test, the skeleton's precision, recall and
F1 against the true graph, the number of distinct CI tests PC asked for and the seconds, and
writes ``benchmarks/results/causal_discovery.{md,json}`` with the commit, versions, machine
and threads. Needs the ``causal`` extra and numba (tigramite's CMIknn)::

    pip install -e ".[bench,causal]" numba
    python benchmarks/causal_discovery.py --datasets 2 --n 1000

Run it on an otherwise idle machine: the seconds are fit times.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from _common import (
    command_line,
    environment,
    environment_line,
    finish,
    markdown_table,
    write_result,
)

# a -> b, a -> c, b -> d, c -> d, d -> e, c -> f, e -> g, f -> g
NAMES = ["a", "b", "c", "d", "e", "f", "g"]
EDGES = {
    ("a", "b"),
    ("a", "c"),
    ("b", "d"),
    ("c", "d"),
    ("d", "e"),
    ("c", "f"),
    ("e", "g"),
    ("f", "g"),
}
METHODS = ["fisherz", "kci", "cmiknn", "skmine"]
ALPHA = 0.05


def sem(n: int, seed: int) -> np.ndarray:
    """One data set of the SEM, each variable standardised.

    Two of its edges carry no correlation at all (``c = a^2``, ``e = |d|``-like), so partial
    correlation cannot see them; the rest are monotone or periodic.
    """
    rng = np.random.default_rng(seed)
    noise = 0.4 * rng.normal(size=(n, len(NAMES)))
    a = rng.normal(size=n)
    b = np.tanh(2 * a) + noise[:, 1]
    c = a**2 - 1 + noise[:, 2]
    d = np.sin(2 * b) + 0.5 * c + noise[:, 3]
    e = np.abs(d - np.median(d)) + noise[:, 4]
    f = np.cos(1.5 * c) + noise[:, 5]
    g = np.tanh(e) + 0.5 * f + noise[:, 6]
    data = np.column_stack([a, b, c, d, e, f, g])
    return (data - data.mean(axis=0)) / data.std(axis=0)


def register_cmiknn() -> str:
    """tigramite's CMIknn as a causal-learn test named ``"cmiknn"``."""
    from causallearn.utils.cit import CIT_Base, register_ci_test
    from tigramite.independence_tests.cmiknn import CMIknn

    class CMIknnCIT(CIT_Base):
        def __init__(self, data, cache_path=None, seed=0, **kwargs):
            super().__init__(data, cache_path=cache_path)
            self.check_cache_method_consistent("cmiknn", "shuffle200")
            # i.i.d. samples: shuffle single samples (block length 1) when Z is empty.
            self.test = CMIknn(
                significance="shuffle_test", sig_samples=200, sig_blocklength=1, seed=seed
            )

        def __call__(self, X, Y, condition_set=None):
            xs, ys, conditioning, key = self.get_formatted_XYZ_and_cachekey(X, Y, condition_set)
            if key not in self.pvalue_cache:
                z = self.data[:, conditioning] if conditioning else None
                _, pvalue = self.test.run_test_raw(self.data[:, xs], self.data[:, ys], z)
                self.pvalue_cache[key] = float(pvalue)
            return self.pvalue_cache[key]

    register_ci_test("cmiknn", CMIknnCIT)
    return "cmiknn"


def run(method: str, data: np.ndarray, seed: int) -> dict:
    from causallearn.search.ConstraintBased.PC import pc

    settings = {}
    if method == "skmine":
        from skmine.independence.causallearn import register

        register()
        settings = {"random_state": seed}
    elif method == "cmiknn":
        register_cmiknn()
        settings = {"seed": seed}
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = pc(data, ALPHA, method, stable=True, show_progress=False, **settings)
    seconds = time.perf_counter() - start
    adjacency = graph.G.graph
    found = {
        (NAMES[i], NAMES[j])
        for i in range(len(NAMES))
        for j in range(i + 1, len(NAMES))
        if adjacency[i, j] != 0 or adjacency[j, i] != 0
    }
    true_pairs = {tuple(sorted(edge)) for edge in EDGES}
    hits = len(found & true_pairs)
    precision = hits / len(found) if found else 1.0
    recall = hits / len(true_pairs)
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return {
        "method": method,
        "seed": seed,
        "n": data.shape[0],
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "missed": sorted(map(list, true_pairs - found)),
        "extra": sorted(map(list, found - true_pairs)),
        "tests": len(graph.test.pvalue_cache),
        "seconds": seconds,
    }


def summarise(rows: list[dict]) -> list[str]:
    table = []
    for method in METHODS:
        group = [r for r in rows if r["method"] == method]
        if not group:
            continue
        tests = sum(r["tests"] for r in group)
        seconds = sum(r["seconds"] for r in group)
        table.append(
            [
                method,
                f"{np.mean([r['precision'] for r in group]):.2f}",
                f"{np.mean([r['recall'] for r in group]):.2f}",
                f"{np.mean([r['f1'] for r in group]):.2f}",
                f"{tests / len(group):.0f}",
                f"{seconds / len(group):.1f}",
                f"{seconds / max(tests, 1):.2f}",
            ]
        )
    header = ["CI test", "precision", "recall", "F1", "tests per run", "s per run", "s per test"]
    return [markdown_table(header, table)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=3)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--methods", nargs="+", default=METHODS, choices=METHODS)
    parser.add_argument("--output", default="causal_discovery")
    args = parser.parse_args(argv)
    env = environment()
    rows = []
    for seed in range(args.datasets):
        data = sem(args.n, seed)
        for method in args.methods:
            row = run(method, data, seed)
            rows.append(row)
            print(
                f"data set {seed}  {method:8s} F1 {row['f1']:.2f}  missed {row['missed']}  "
                f"extra {row['extra']}  {row['tests']} tests  {row['seconds']:.1f} s",
                flush=True,
            )
    finish(env)
    lines = summarise(rows)
    print("\n".join(lines))
    header = (
        f"`{command_line('causal_discovery.py', argv)}`; "
        f"{environment_line(env)} One PC run at a time; alpha = {ALPHA}; the SEM's 8 edges "
        f"over 7 variables: {', '.join('-'.join(e) for e in sorted(EDGES))}."
    )
    write_result(args.output, header + "\n\n" + "\n".join(lines), env, rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
