"""Public estimators by command-line name; the CLI and the benchmarks iterate over this.

A new estimator is one entry of ``REGISTRY``: its name on the command line -> (module,
class, a one-line description for ``--help``). The classes are imported on first use, so
the command line parses its arguments and reports usage errors without loading PyTorch;
``ESTIMATORS`` (name -> class) imports them all.
"""

from __future__ import annotations

import importlib

REGISTRY: dict[str, tuple[str, str, str]] = {
    "mine": (
        "skmine._estimators.mine",
        "MINE",
        "MINE, a critic trained on the Donsker-Varadhan bound (Belghazi et al., 2018)",
    ),
    "minee": (
        "skmine._estimators.minee",
        "MINEE",
        "MI-NEE, entropies against a known reference; also prints H(X), H(Y), H(X, Y)",
    ),
    "dim": (
        "skmine._estimators.dim",
        "DeepInfoMaxJSD",
        "Deep InfoMax's Jensen-Shannon critic, read out with the DV bound; the most stable "
        "at large MI",
    ),
}


def estimator_class(name: str) -> type:
    """The estimator class registered under the command-line ``name`` (imports it).

    Parameters
    ----------
    name : str
        A key of ``REGISTRY``.

    Returns
    -------
    cls : type
        The estimator class.
    """
    module, cls, _ = REGISTRY[name]
    return getattr(importlib.import_module(module), cls)


def __getattr__(name: str):
    if name == "ESTIMATORS":
        estimators = {key: estimator_class(key) for key in REGISTRY}
        globals()["ESTIMATORS"] = estimators
        return estimators
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
