"""Reading the command line's CSV input into float arrays, with messages a user can act on."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np


class UsageError(Exception):
    """A problem with the user's input, reported as one line without a traceback."""


def read_columns(path: str | Path) -> dict[str, list[str]]:
    """Columns of a CSV file with a header row, as lists of strings keyed by name."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    with path.open(newline="") as handle:
        rows = [row for row in csv.reader(handle) if row]
    if len(rows) < 2:
        raise UsageError(f"{path} needs a header row and at least one data row")
    header = [name.strip() for name in rows[0]]
    columns: dict[str, list[str]] = {name: [] for name in header}
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise UsageError(
                f"{path}, line {line}: {len(row)} fields, the header has {len(header)}"
            )
        for name, value in zip(header, row, strict=True):
            columns[name].append(value)
    return columns


def to_matrix(columns: dict[str, list[str]], names: list[str]) -> np.ndarray:
    """Stack the named columns as floats, shape ``(n_rows, len(names))``."""
    unknown = [name for name in names if name not in columns]
    if unknown:
        raise UsageError(
            f"unknown column(s): {', '.join(unknown)}; the file has: {', '.join(columns)}"
        )
    out = np.empty((len(columns[names[0]]), len(names)))
    for j, name in enumerate(names):
        for i, value in enumerate(columns[name]):
            try:
                number = float(value)
            except ValueError:
                number = math.nan
            if not math.isfinite(number):
                raise UsageError(
                    f"column {name!r} is not numeric: value {value!r} on data row {i + 1}"
                )
            out[i, j] = number
    return out


def split_names(text: str) -> list[str]:
    """``"a,b , c"`` -> ``["a", "b", "c"]``."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise UsageError(f"no column names in {text!r}")
    return names
