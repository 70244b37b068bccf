"""Property-based checks: random small shapes, scales and dependence never give a non-finite
estimate or an unclear error, for every public estimator."""

import warnings

import numpy as np
import pytest
from _estimators import ESTIMATOR_CLASSES, small
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning

FAST = settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


@st.composite
def datasets(draw):
    n = draw(st.integers(2, 60))
    dim_x, dim_y = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    log_scale = draw(st.sampled_from([-30, -8, 0, 8, 30]))
    rho = draw(st.floats(0.0, 0.99))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    discrete = draw(st.booleans())
    seed = draw(st.integers(0, 2**16))
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n, dim_x))
    noise = rng.standard_normal((n, dim_y))
    y = rho * X[:, :1] + np.sqrt(1 - rho**2) * noise
    if discrete:
        y = (y[:, 0] > 0).astype(int)
    else:
        y = (y * 10.0**log_scale).astype(dtype)
    return (X * 10.0**log_scale).astype(dtype), y


# The only errors small random data may raise, each naming the problem.
EXPECTED_ERRORS = ("too few samples", "single class")


@pytest.mark.parametrize("cls", ESTIMATOR_CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("scaling", ["standard", "rank-gaussian"])
@FAST
@given(data=datasets())
def test_estimate_is_finite_or_the_error_is_named(cls, scaling, data):
    X, y = data
    est = small(cls, scaling=scaling, max_iter=10, eval_interval=5, hidden_layer_sizes=(8,))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(X, y)
    except ValueError as exc:
        assert any(message in str(exc) for message in EXPECTED_ERRORS), exc
        return
    assert np.isfinite(est.mutual_info_)
    assert all(np.isfinite(r["validation"]) for r in est.history_)
    assert np.isfinite(est.score(X, y))
