"""Plots of a fitted estimator's training (matplotlib, an optional dependency)."""

from __future__ import annotations

__all__ = ["plot_history"]


def plot_history(estimator, ax=None, truth: float | None = None):
    """Draw the training and held-out curves of a fitted estimator, checkpoint marked.

    Parameters
    ----------
    estimator : fitted MINE, MINEE or DeepInfoMaxJSD
        Reads ``history_``, ``best_iteration_`` and, when present, ``mutual_info_`` and
        ``mutual_info_ci_``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure's axes when omitted.
    truth : float, optional
        A known true value, drawn as a horizontal line.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skmine import MINE
    >>> from skmine.datasets import correlated_gaussians
    >>> from skmine.plotting import plot_history
    >>> X, y, truth = correlated_gaussians(1000, rho=0.8, random_state=0)
    >>> est = MINE(max_iter=300, eval_interval=50, random_state=0).fit(X, y)
    >>> ax = plot_history(est, truth=truth)
    >>> ax.get_xlabel()
    'iteration'
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "plot_history needs matplotlib: pip install matplotlib (or skmine-neural[bench])"
        ) from exc
    history = estimator.history_
    if not history:
        raise ValueError("the estimator's history_ is empty: nothing to plot")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    iterations = [r["iteration"] for r in history]
    held_out = "mutual_info" if "mutual_info" in history[0] else "validation"
    ax.plot(iterations, [r["train"] for r in history], label="training minibatches", alpha=0.6)
    ax.plot(iterations, [r[held_out] for r in history], label=f"held-out ({held_out})")
    best = estimator.best_iteration_
    ax.axvline(best, color="grey", linestyle=":", label=f"checkpoint (iteration {best})")
    if hasattr(estimator, "mutual_info_ci_") and held_out == "mutual_info":
        low, high = estimator.mutual_info_ci_
        ax.errorbar(
            [best],
            [estimator.mutual_info_],
            yerr=[[estimator.mutual_info_ - low], [high - estimator.mutual_info_]],
            fmt="o",
            color="black",
            capsize=4,
            label="reported estimate and interval",
        )
    if truth is not None:
        ax.axhline(truth, color="green", linestyle="--", label="truth")
    ax.set_xlabel("iteration")
    ax.set_ylabel("nats")
    ax.set_title(f"{type(estimator).__name__}: stopped by {estimator.stop_reason_}")
    ax.legend(fontsize="small")
    return ax
