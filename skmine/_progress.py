"""A text progress bar on stderr, driven by the training loop's ``verbose`` messages.

The loop prints ``iteration N  train ...  validation V  MI M`` at every evaluation; this stream
turns those lines into a bar, so the command line needs no hook into the loop itself.
"""

from __future__ import annotations

import io
import re
import sys

_NUMBER = r"(-?[\d.]+|nan|-?inf)"
_LINE = re.compile(rf"iteration\s+(\d+).*validation\s+{_NUMBER}(?:\s+MI\s+{_NUMBER})?")


class ProgressStream(io.TextIOBase):
    """Write-only stream: evaluation lines update a bar, other lines pass through.

    Parameters
    ----------
    total : int
        ``max_iter`` of the fit.
    out : text stream, default=sys.stderr
        Where the bar is drawn.
    width : int, default=30
        Characters of the bar.
    """

    def __init__(self, total: int, out=None, width: int = 30) -> None:
        self.total, self.out, self.width = total, out or sys.stderr, width
        self._pending = ""
        self.updates = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            match = _LINE.search(line)
            if match:
                # The held-out MI where the loop reports it, else its training criterion.
                self._draw(int(match.group(1)), match.group(3) or match.group(2))
            elif line.strip():
                self.out.write(f"\n{line}\n")
        return len(text)

    def _draw(self, iteration: int, validation: str) -> None:
        self.updates += 1
        filled = min(self.width, round(self.width * iteration / self.total))
        bar = "#" * filled + "-" * (self.width - filled)
        self.out.write(
            f"\r[{bar}] {iteration}/{self.total} it  held-out estimate {validation} nats"
        )
        self.out.flush()

    def close(self) -> None:
        if self.updates:
            self.out.write("\n")
            self.out.flush()
        super().close()


_STOPS = {
    "max_iter": "ran all {max_iter} iterations",
    "early_stopping": (
        "early stopping at iteration {n_iter} of {max_iter} (no held-out improvement in "
        "{n_iter_no_change} evaluations)"
    ),
    "non_finite": "stopped at iteration {n_iter} of {max_iter} after repeated non-finite values",
    "interrupted": "interrupted at iteration {n_iter} of {max_iter}",
}


def describe_stop(estimator) -> str:
    """One line: why the fit stopped and which iteration's checkpoint the estimates are from.

    Parameters
    ----------
    estimator : fitted skmine estimator
        Reads ``stop_reason_``, ``n_iter_``, ``best_iteration_`` and its parameters.

    Returns
    -------
    line : str
    """
    reason = estimator.stop_reason_
    params = estimator.get_params()
    template = _STOPS.get(reason, "stopped at iteration {n_iter} of {max_iter} ({reason})")
    why = template.format(n_iter=estimator.n_iter_, reason=reason, **params)
    return (
        f"Training: {why}; estimates from the checkpoint at iteration {estimator.best_iteration_}"
    )
