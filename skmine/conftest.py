"""Doctest collection of the package: skip the adapters whose library is not installed."""

import importlib.util

collect_ignore = [
    f"independence/{module}.py"
    for module, library in [("causallearn", "causallearn")]
    if importlib.util.find_spec(library) is None
]
