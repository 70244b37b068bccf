"""Conditional-independence tests with neural critics, and adapters for causal discovery.

:func:`ci_test` tests ``X ⫫ Y | Z`` (``X ⫫ Y`` without ``Z``) and returns the estimated
conditional mutual information with its interval and a permutation p-value;
:func:`ci_tests` runs many such tests on the columns of one data set, in parallel with
joblib. Adapters (the ``causal`` extra: ``pip install "skmine-neural[causal]"``):
:mod:`skmine.independence.causallearn` registers the test with causal-learn,
:mod:`skmine.independence.pgmpy` is a pgmpy CI test and :mod:`skmine.independence.tigramite`
a tigramite ``CondIndTest``.
"""

from ._batch import ci_tests
from ._conditional_permutation import CITestResult, ConfidenceInterval, ci_test

__all__ = ["CITestResult", "ConfidenceInterval", "ci_test", "ci_tests"]
