"""Seconds for many conditional-independence tests: one after another against ``ci_tests``.

Draws one data set of the SEM of ``benchmarks/causal_discovery.py`` (n samples) and runs the
same list of queries (every pair given each third variable, up to ``--tests``) three ways:
a loop of :func:`skmine.independence.ci_test` with torch's default threads, and
:func:`skmine.independence.ci_tests` with ``n_jobs`` 1 and 2 (one torch thread per test when
parallel). Prints the seconds and whether the p-values agree, and writes
``benchmarks/results/many_tests.{md,json}`` with the commit, versions, machine and threads::

    python benchmarks/many_tests.py --tests 8 --n 1000

Run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import itertools
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
from causal_discovery import sem


def main(argv: list[str] | None = None) -> int:
    from skmine.independence import ci_test, ci_tests

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=8)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--output", default="many_tests")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    data = sem(args.n, 0)
    triples = itertools.permutations(range(data.shape[1]), 3)
    queries = [(x, y, [z]) for x, y, z in triples if x < y][: args.tests]
    seeds = np.random.RandomState(0).randint(np.iinfo(np.int32).max, size=len(queries))
    env = environment()
    rows = []

    start = time.perf_counter()
    loop = [
        ci_test(data[:, x], data[:, y], data[:, z], random_state=seed).pvalue
        for (x, y, z), seed in zip(queries, seeds, strict=True)
    ]
    rows.append(["loop of ci_test (default threads)", time.perf_counter() - start, loop])
    for n_jobs in (1, 2):
        start = time.perf_counter()
        results = ci_tests(data, queries, n_jobs=n_jobs, random_state=0)
        label = f"ci_tests, n_jobs={n_jobs}" + (" (1 thread each)" if n_jobs > 1 else "")
        rows.append([label, time.perf_counter() - start, [r.pvalue for r in results]])
    finish(env)

    table = [
        [label, f"{seconds:.1f}", f"{seconds / len(queries):.2f}", pvalues == rows[0][2]]
        for label, seconds, pvalues in rows
    ]
    header = ["run", "seconds", "s per test", "same p-values as the loop"]
    text = markdown_table(header, table)
    print(text)
    intro = (
        f"`{command_line('many_tests.py', argv)}`: {len(queries)} "
        f"tests `(x, y | z)` on one data set of the SEM of `causal_discovery.py`. "
        f"{environment_line(env)}"
    )
    records = [{"run": label, "seconds": s, "pvalues": p} for label, s, p in rows]
    write_result(args.output, intro + "\n\n" + text, env, records, queries=queries)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
