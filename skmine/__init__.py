"""skmine: neural mutual-information estimation as scikit-learn estimators.

The estimators are imported on first access (PEP 562), so that ``import skmine`` and the
command line's usage errors do not wait for PyTorch to load; ``from skmine import MINE``,
``skmine.MINE`` and pickling work as with eager imports.
"""

from __future__ import annotations

import importlib

__all__ = [
    "MINE",
    "MINEE",
    "ConditionalMINE",
    "DeepInfoMaxJSD",
    "EstimateResult",
    "entropy",
    "mutual_info",
]
__version__ = "0.1.0"

_LAZY = {
    "MINE": "._estimators.mine",
    "MINEE": "._estimators.minee",
    "DeepInfoMaxJSD": "._estimators.dim",
    "ConditionalMINE": "._estimators.conditional",
    "mutual_info": "._estimators.functions",
    "entropy": "._estimators.functions",
    "EstimateResult": "._estimators.functions",
}


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value  # later lookups are plain attribute reads
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
