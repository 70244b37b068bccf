"""Reading the command line's CSV input into arrays, with messages a user can act on.

Only the standard library and numpy are imported here: usage errors are reported before
the estimators (and PyTorch) are loaded.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np


class UsageError(Exception):
    """A problem with the user's input, reported as one line without a traceback."""


def read_columns(path: str | Path) -> dict[str, list[str]]:
    """Columns of a UTF-8 CSV file with a header row, as lists of strings keyed by name.

    A byte-order mark (Excel's "CSV UTF-8") is dropped. A missing or unreadable file, a
    file that is not UTF-8, and rows of the wrong length raise :class:`UsageError`.
    """
    path = Path(path)
    rows = [row for row in csv.reader(io.StringIO(_read_text(path), newline="")) if row]
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


def _read_text(path: Path) -> str:
    """The file's text, decoded as UTF-8 (with or without a byte-order mark)."""
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UsageError(
            f"{path} is not UTF-8 text: line {line} has the byte 0x{data[exc.start]:02x}, "
            "which UTF-8 cannot decode; save the file as UTF-8 (Excel: 'CSV UTF-8')"
        ) from None


def to_matrix(columns: dict[str, list[str]], names: list[str]) -> np.ndarray:
    """Stack the named columns as floats, shape ``(n_rows, len(names))``."""
    _check_known(columns, names)
    out = np.empty((len(next(iter(columns.values()))), len(names)))
    for j, name in enumerate(names):
        for i, value in enumerate(columns[name]):
            number = _number(value)
            if number is None or not math.isfinite(number):
                raise UsageError(
                    f"column {name!r} is not numeric: value {value!r} on data row {i + 1}"
                )
            out[i, j] = number
    return out


def to_target(
    columns: dict[str, list[str]], names: list[str], discrete: bool, option: str
) -> tuple[np.ndarray, bool]:
    """The target: numbers, or class labels when a single column is not all numbers.

    Parameters
    ----------
    columns : dict of str to list of str
        The file's columns, from :func:`read_columns`.
    names : list of str
        The target's columns.
    discrete : bool
        ``--discrete-target``: numbers are class labels too.
    option : str
        The option that named the target, for messages (``"--y"``, ``"--target"``).

    Returns
    -------
    y : ndarray
        Shape ``(n_rows,)`` for one column (strings for text labels, else floats), else
        ``(n_rows, len(names))`` floats.
    labels : bool
        Whether ``y`` holds class labels.
    """
    _check_known(columns, names)
    if discrete and len(names) != 1:
        raise UsageError(f"--discrete-target needs a single {option} column, got {len(names)}")
    if len(names) == 1 and not _all_numbers(columns[names[0]], names[0]):
        return np.array(columns[names[0]]), True
    y = to_matrix(columns, names)
    return (y[:, 0] if len(names) == 1 else y), discrete


def _all_numbers(values: list[str], name: str) -> bool:
    """Whether every value is a finite number; a missing or non-finite value is an error."""
    numeric = True
    for i, value in enumerate(values):
        number = _number(value)
        if not value.strip() or (number is not None and not math.isfinite(number)):
            raise UsageError(
                f"column {name!r} has a missing or non-finite value {value!r} on data row {i + 1}"
            )
        numeric = numeric and number is not None
    return numeric


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _check_known(columns: dict[str, list[str]], names: list[str]) -> None:
    if not names:
        raise UsageError(f"no columns selected; the file has: {', '.join(columns)}")
    unknown = [name for name in names if name not in columns]
    if unknown:
        raise UsageError(
            f"unknown column(s): {', '.join(unknown)}; the file has: {', '.join(columns)}"
        )


def split_names(text: str) -> list[str]:
    """``"a,b , c"`` -> ``["a", "b", "c"]``."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise UsageError(f"no column names in {text!r}")
    return names


def check_k(k: int | None, n_features: int, default: int = 10) -> int:
    """``--k``: a positive integer no larger than the number of features.

    ``None`` (not given) lists ``default`` features, or all of them if there are fewer.
    """
    if k is None:
        return min(default, n_features)
    if not 1 <= k <= n_features:
        raise UsageError(
            f"--k must be a positive integer no larger than the number of features "
            f"({n_features}), got {k}"
        )
    return k
