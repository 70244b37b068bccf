"""scikit-learn's estimator checks over every public estimator."""

from sklearn.utils.estimator_checks import check_param_validation, parametrize_with_checks

from skmine import MINE, MINEE, DeepInfoMaxJSD
from skmine.feature_selection import JointMutualInfoSelector

# Small budgets: the checks fit dozens of times on tiny data; they test the contract, not
# accuracy. No check is expected to fail.
ESTIMATORS = [
    MINE(max_iter=40, eval_interval=20, random_state=0),
    DeepInfoMaxJSD(max_iter=40, eval_interval=20, random_state=0),
    MINEE(max_iter=40, eval_interval=20, random_state=0),
    JointMutualInfoSelector(
        max_iter=40, refit_iter=20, eval_interval=20, hidden_layer_sizes=(16,), random_state=0
    ),
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=lambda est: {})
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_param_validation():
    for estimator in ESTIMATORS:
        check_param_validation(type(estimator).__name__, estimator)
