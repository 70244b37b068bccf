"""fit(..., eval_set=...) records the bound on extra data and changes nothing else."""

import warnings

import pytest

from skmine import MINE
from skmine.datasets import mixed_gaussians


@pytest.mark.parametrize("radial_features", ["auto", False])
def test_eval_set_is_recorded_and_plays_no_part_in_the_fit(radial_features):
    X, y, _ = mixed_gaussians(300, 0.9, random_state=0)
    X_test, y_test, _ = mixed_gaussians(300, 0.9, random_state=1)
    params = dict(max_iter=200, eval_interval=20, radial_features=radial_features)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = MINE(random_state=0, **params).fit(X, y)
        monitored = MINE(random_state=0, **params).fit(X, y, eval_set=(X_test, y_test))
    # Both critic variants keep their own checkpoint and stop with a monitor attached.
    assert monitored.radial_features_ == plain.radial_features_
    assert monitored.best_iteration_ == plain.best_iteration_
    assert monitored.mutual_info_ == pytest.approx(plain.mutual_info_, abs=1e-6)
    assert len(monitored.history_) == len(plain.history_)
    assert all("eval_set" in record for record in monitored.history_)
