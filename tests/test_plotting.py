"""plot_history draws the curves and marks the reported checkpoint."""

import warnings

import pytest
from _estimators import dependent_data, small
from sklearn.exceptions import ConvergenceWarning

from skmine import MINE

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from skmine.plotting import plot_history  # noqa: E402


def test_history_plot_marks_the_checkpoint_and_interval():
    X, y = dependent_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = small(MINE, max_iter=100).fit(X, y)
    ax = plot_history(est, truth=0.51)
    labels = [line.get_label() for line in ax.get_lines()]
    assert "training minibatches" in labels and "held-out (mutual_info)" in labels
    checkpoint = next(line for line in ax.get_lines() if line.get_label().startswith("checkpoint"))
    assert checkpoint.get_xdata()[0] == est.best_iteration_
    assert len(ax.get_lines()[1].get_xdata()) == len(est.history_)
    matplotlib.pyplot.close(ax.figure)


def test_an_unfitted_history_is_a_clear_error():
    est = MINE()
    est.history_ = []
    with pytest.raises(ValueError, match="history_ is empty"):
        plot_history(est)
