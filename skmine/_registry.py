"""Public estimators by command-line name; the CLI and the benchmarks iterate over this.

A new estimator is one line here (its name on the command line -> its class).
"""

from __future__ import annotations

from ._dim import DeepInfoMaxJSD
from ._mine import MINE
from ._minee import MINEE

ESTIMATORS: dict[str, type] = {
    "mine": MINE,
    "minee": MINEE,
    "dim": DeepInfoMaxJSD,
}
