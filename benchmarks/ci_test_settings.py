"""``ci_test`` under different critic settings, side by side on the same data sets.

Runs :func:`skmine.independence.ci_test` (``random_state=0``) with each given
``estimator_params`` on the same data sets at n = 1,000 (dim Z 1 and 5, the given seeds):
the Gaussian chain and CCMI model I (closed-form conditional MI: the statistic's relative
error and whether its interval covers), and the confounded and post-non-linear models of
``ci_test_size.py``, null and dependent with their dependence scaled by ``--effect`` (the
p-value). One test at a time with torch's default threads. Prints each test and a summary
per setting (median seconds per test, mean absolute relative error, intervals covering,
rejections at alpha = 0.05 under the dependence and under the null), and writes
``benchmarks/results/<output>.{md,json}`` with the commit, versions, machine and threads::

    python benchmarks/ci_test_settings.py \\
        --setting 'before={"hidden_layer_sizes": [64, 64, 64, 64], "n_iter_no_change": 2}' \\
        --setting 'defaults={}'

Run it on an otherwise idle machine: the seconds are test times.
"""

from __future__ import annotations

import argparse
import json
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
from ci_test_size import sample

ALPHA = 0.05


def data_sets(seeds: list[int], effect: float) -> list[tuple[str, tuple, float | None, bool]]:
    """(name, (X, Y, Z), closed-form CMI or None, dependent) for every data set."""
    from skmine.datasets import ccmi_model, gaussian_chain

    sets = []
    for seed in seeds:
        for dim_z in (1, 5):
            X, y, Z, cmi = gaussian_chain(1000, dim_z=dim_z, random_state=seed)
            sets.append((f"Gaussian chain, dim Z {dim_z}, seed {seed}", (X, y, Z), cmi, True))
            X, y, Z, cmi = ccmi_model(1000, "I", dim_z=dim_z, random_state=seed)
            sets.append((f"CCMI model I, dim Z {dim_z}, seed {seed}", (X, y, Z), cmi, True))
            for model in ("confounded", "post-nonlinear"):
                for dependent in (True, False):
                    kind = "dependent" if dependent else "null"
                    arrays = sample(model, 1000, dim_z, seed, dependent, effect)
                    name = f"{model} {kind}, dim Z {dim_z}, seed {seed}"
                    sets.append((name, arrays, None, dependent))
    return sets


def summarise(rows: list[dict], settings: dict) -> str:
    table = []
    for label in settings:
        mine = [r for r in rows if r["setting"] == label]
        closed = [r for r in mine if r["truth"] is not None]
        dependent = [r for r in mine if r["truth"] is None and r["dependent"]]
        null = [r for r in mine if not r["dependent"]]
        errors = [abs(r["statistic"] - r["truth"]) / r["truth"] for r in closed]
        table.append(
            [
                label,
                f"{np.median([r['seconds'] for r in mine]):.2f}",
                f"{np.mean(errors):.1%}",
                f"{sum(r['covers'] for r in closed)}/{len(closed)}",
                f"{sum(r['pvalue'] <= ALPHA for r in dependent)}/{len(dependent)}",
                f"{sum(r['pvalue'] <= ALPHA for r in null)}/{len(null)}",
            ]
        )
    header = [
        "setting",
        "median s / test",
        "mean abs. rel. error (closed forms)",
        "intervals covering",
        "rejections (dependent)",
        "rejections (null)",
    ]
    return markdown_table(header, table)


def main(argv: list[str] | None = None) -> int:
    from skmine.independence import ci_test

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--setting",
        action="append",
        required=True,
        help="LABEL=JSON of estimator_params; repeat to compare",
    )
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--effect", type=float, default=0.3, help="scales the dependence")
    parser.add_argument("--output", default="ci_test_settings")
    args = parser.parse_args(argv)
    settings = dict(s.split("=", 1) for s in args.setting)
    settings = {label: json.loads(text) for label, text in settings.items()}
    warnings.simplefilter("ignore")
    env = environment()
    rows = []
    for name, (X, Y, Z), truth, dependent in data_sets(args.seeds, args.effect):
        for label, params in settings.items():
            start = time.perf_counter()
            result = ci_test(X, Y, Z, random_state=0, estimator_params=params)
            seconds = time.perf_counter() - start
            low, high = result.confidence_interval
            rows.append(
                {
                    "data": name,
                    "setting": label,
                    "truth": truth,
                    "dependent": dependent,
                    "statistic": result.statistic,
                    "ci": [low, high],
                    "covers": truth is not None and bool(low <= truth <= high),
                    "pvalue": result.pvalue,
                    "seconds": seconds,
                }
            )
            print(
                f"{name:42s} {label:10s} {seconds:5.2f} s  p {result.pvalue:.3f}  "
                f"statistic {result.statistic:.3f}" + (f" (truth {truth:.3f})" if truth else ""),
                flush=True,
            )
    finish(env)
    text = summarise(rows, settings)
    print(text)
    intro = (
        f"`{command_line('ci_test_settings.py', argv)}`. {environment_line(env)} "
        "One test at a time."
    )
    write_result(args.output, intro + "\n\n" + text, env, rows, settings=settings)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
