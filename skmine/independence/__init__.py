"""Conditional-independence tests with neural critics, and adapters for causal discovery.

:func:`ci_test` tests ``X ⫫ Y | Z`` (``X ⫫ Y`` without ``Z``) and returns the estimated
conditional mutual information with its interval and a permutation p-value.
:mod:`skmine.independence.causallearn` registers it as a causal-learn CI test (the ``causal``
extra: ``pip install "skmine-neural[causal]"``).
"""

from ._conditional_permutation import CITestResult, ConfidenceInterval, ci_test

__all__ = ["CITestResult", "ConfidenceInterval", "ci_test"]
