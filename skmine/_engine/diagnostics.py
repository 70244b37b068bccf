"""Warnings that point at the user's line, not into the library."""

from __future__ import annotations

import os
import sys
import warnings

import sklearn

_LIBRARY_DIRS = tuple(
    os.path.dirname(module.__file__) + os.sep
    for module in (sys.modules[__package__.partition(".")[0]], sklearn)
)


def caller_stacklevel() -> int:
    """``stacklevel`` for a warning issued here that names the first frame outside the library.

    The library is skmine and scikit-learn: ``fit``, a selector and ``mutual_info_neural``
    reach a warning through different depths of their frames.
    """
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(_LIBRARY_DIRS):
        frame, level = frame.f_back, level + 1
    return level


def issue_warnings(collected: list[tuple[str, type[Warning]]]) -> None:
    """Issue collected ``(message, category)`` warnings at the user's line."""
    for message, category in collected:
        warnings.warn(message, category, stacklevel=caller_stacklevel())
