"""The k-NN cross-check after a fit: a critic that learned less than KSG sees is named."""

import warnings

import numpy as np
import pytest

from skmine import MINE, MINEE
from skmine.baselines import ksg_mutual_info
from skmine.datasets import correlated_gaussians, mixed_gaussians


def _knn_warnings(record):
    return [w for w in record if "k-NN (KSG) estimate" in str(w.message)]


def test_untrained_critic_is_named_by_the_knn_check():
    X, y, true_mi = correlated_gaussians(2000, rho=0.9, dim=3, random_state=0)
    est = MINE(max_iter=2, eval_interval=1, radial_features=False, random_state=0)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        est.fit(X, y)
    # Two steps leave the critic far below the truth (2.49 nats) and far below KSG.
    assert est.mutual_info_ci_[1] < 0.5 * true_mi
    assert est.knn_mutual_info_ > est.mutual_info_ci_[1] + 0.05
    # KSG errs low: the check's reference is not above the truth.
    assert est.knn_mutual_info_ < true_mi + 0.05
    (warning,) = _knn_warnings(record)
    assert warning.category is UserWarning
    assert "missed part of the dependence" in str(warning.message)
    assert warning.filename == __file__


def test_minee_failure_points_to_mine():
    # Correlations +0.9 and -0.9 in equal parts: the Gaussian reference sees no dependence,
    # so two steps of the critics leave MINEE's MI near 0 (truth 0.41).
    X, y, _ = mixed_gaussians(2000, rho=0.9, random_state=0)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        MINEE(max_iter=2, eval_interval=1, random_state=0).fit(X, y)
    (warning,) = _knn_warnings(record)
    assert "MINE, whose critic of (x, y)" in str(warning.message)


def test_trained_critic_passes_the_knn_check():
    X, y, true_mi = correlated_gaussians(2000, rho=0.5, dim=1, random_state=0)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        est = MINE(max_iter=600, radial_features=False, random_state=0).fit(X, y)
    assert not _knn_warnings(record)
    assert est.knn_mutual_info_ == pytest.approx(true_mi, abs=0.05)
    # The same number a user gets from the k-NN baseline on the preprocessed data.
    x = est.preprocessor_.transform_x(X)
    y_t = est.preprocessor_.transform_y(y, X.shape[0])
    rows = np.random.default_rng(0).permutation(len(X))
    assert est.knn_mutual_info_ == pytest.approx(
        ksg_mutual_info(x[rows], y_t[rows], random_state=0), abs=0.02
    )


def test_knn_check_is_skipped_where_it_does_not_apply():
    X, y, _ = correlated_gaussians(300, rho=0.5, dim=1, random_state=0)
    labels = (y > 0).astype(int)
    assert MINE(max_iter=20, random_state=0).fit(X, labels).knn_mutual_info_ is None
    assert MINEE(max_iter=20, random_state=0).fit(X).__dict__.get("knn_mutual_info_") is None
