import math
import pickle

import pytest

from skmine import DeepInfoMaxJSD
from skmine.datasets import correlated_gaussians

# The tests train with small budgets on purpose; the warnings that provokes are expected.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def fitted():
    X, y, truth = correlated_gaussians(3000, rho=0.9, dim=2, random_state=0)
    return DeepInfoMaxJSD(random_state=0, max_iter=800, eval_interval=50).fit(X, y), X, y, truth


def test_readout_is_close_to_the_truth(fitted):
    est, _, _, truth = fitted
    assert abs(est.mutual_info_ - truth) < 0.1 * truth


def test_jsd_is_a_divergence_not_an_mi(fitted):
    est, *_ = fitted
    assert 0 < est.jsd_ < math.log(2)
    assert est.jsd_ < est.mutual_info_
    assert all("jsd" in record for record in est.history_)


def test_deterministic_and_picklable(fitted):
    est, X, y, _ = fitted
    again = DeepInfoMaxJSD(random_state=0, max_iter=800, eval_interval=50).fit(X, y)
    assert again.mutual_info_ == est.mutual_info_
    restored = pickle.loads(pickle.dumps(est))
    assert restored.score(X, y) == est.score(X, y)
    assert restored.jsd_ == est.jsd_
