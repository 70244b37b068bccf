"""Helpers shared by the benchmark scripts: convergence measures and table printing."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# MINE's and DeepInfoMaxJSD's critic before the deeper default (two layers of 100 at a
# learning rate of 1e-3, no weight decay, no radial features), for old-against-new
# comparisons.
PREVIOUS_CRITIC = {
    "hidden_layer_sizes": (100, 100),
    "learning_rate_init": 1e-3,
    "weight_decay": 0.0,
    "radial_features": False,
}


def iterations_to_stay_within(
    iterations: Sequence[int], estimates: Sequence[float], truth: float, rel: float = 0.1
) -> int | None:
    """First iteration from which every later estimate is within ``rel`` of ``truth``.

    ``None`` when the last estimate is outside the band.
    """
    inside = np.abs(np.asarray(estimates) - truth) <= rel * abs(truth)
    if not inside.size or not inside[-1]:
        return None
    outside = np.flatnonzero(~inside)
    first = 0 if not outside.size else outside[-1] + 1
    return int(iterations[first])


def running_max(values: Sequence[float]) -> np.ndarray:
    """What an estimator that keeps its best held-out checkpoint would report at each step."""
    return np.maximum.accumulate(np.asarray(values, dtype=float))


def median_or_none(values: Sequence[int | None]) -> str:
    """Median of the runs, counting a run that never converged as larger than any other."""
    ranked = sorted(values, key=lambda v: np.inf if v is None else v)
    mid = ranked[len(ranked) // 2]
    never = sum(v is None for v in values)
    text = "never" if mid is None else f"{mid:,}"
    return text + (f" ({never}/{len(values)} never)" if never else "")


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
