"""Test-session set-up shared by ``tests/`` and the doctests under ``skmine/``."""

from __future__ import annotations

import os


def pytest_configure(config) -> None:
    """One torch thread per pytest-xdist worker.

    The workers share the machine's cores: two workers with two torch threads each would
    oversubscribe a 2-core machine, and a fit beside a busy core runs several times slower.
    Without xdist torch keeps its own setting.
    """
    if os.environ.get("PYTEST_XDIST_WORKER"):
        import torch

        torch.set_num_threads(1)
