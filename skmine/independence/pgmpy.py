""":func:`~skmine.independence.ci_test` as a pgmpy conditional-independence test.

Needs pgmpy (``pip install "skmine-neural[causal]"``). :class:`NeuralCITest` is a
``pgmpy.ci_tests`` test: it holds the data set, is called with column names, and sets
``statistic_`` (the conditional mutual information, nats), ``p_value_`` and
``effect_size_`` like pgmpy's own tests; pass an instance wherever pgmpy takes a
``ci_test``::

    from pgmpy.causal_discovery import PC
    from skmine.independence.pgmpy import NeuralCITest

    test = NeuralCITest(data, random_state=0, n_permutations=100)
    pdag = PC(ci_test=test, significance_level=0.05).fit(data).causal_graph_

pgmpy treats a test as symmetric (it caches ``(X, Y | Z)`` under the sorted pair); so does
this one: the pair is put in that same order before :func:`~skmine.independence.ci_test`
(which permutes its first variable) runs, so ``(X, Y | Z)`` and ``(Y, X | Z)`` get the
same answer.
"""

from __future__ import annotations

import math

import numpy as np
from pgmpy.ci_tests import _BaseCITest
from pgmpy.ci_tests._base import _CITestResult

from ._conditional_permutation import ci_test


class NeuralCITest(_BaseCITest):
    """The pgmpy CI-test interface around :func:`~skmine.independence.ci_test`.

    Parameters
    ----------
    data : pandas.DataFrame
        The data set of the causal-discovery run; numeric columns.
    n_permutations : int, default=100
        Draws of the null distribution (see :func:`~skmine.independence.ci_test`).
    n_neighbors : int, default=5
        Samples per block of similar ``Z`` (near in the predicted conditional means)
        within which the permuted variable is shuffled; see
        :func:`~skmine.independence.ci_test`.
    test_size : float, default=0.5
        Fraction of the samples held out for the permutation test.
    random_state : int, RandomState instance or None, default=None
        Of every test; an int makes each test reproducible whatever the order of the tests.
    estimator_params : dict, optional
        Parameters of the test's estimator, as in :func:`~skmine.independence.ci_test`.
    use_cache : bool, default=True
        Keep each ``(X, Y | Z)``'s result, as pgmpy's tests do.

    Attributes
    ----------
    statistic_ : float
        The estimate of ``I(X; Y | Z)`` in nats of the last test.
    p_value_ : float
        Its permutation p-value.
    effect_size_ : float
        The informational coefficient of correlation ``sqrt(1 - exp(-2 I))`` (Linfoot,
        1957), in [0, 1]: the absolute (partial) correlation for Gaussian data, like the
        effect size of pgmpy's partial-correlation tests.
    confidence_interval_ : ConfidenceInterval
        The interval of ``statistic_`` (nats).
    fit_warnings_ : tuple of str
        The warnings of the estimator's fit in the last test.
    """

    _tags = {
        "name": "skmine_neural",
        "data_types": ("continuous",),
        "default_for": None,
        "requires_data": True,
        "is_symmetric": True,
    }

    def __init__(
        self,
        data,
        n_permutations: int = 100,
        n_neighbors: int = 5,
        test_size: float = 0.5,
        random_state=None,
        estimator_params: dict | None = None,
        use_cache: bool = True,
    ) -> None:
        self.data = data
        self.n_permutations = n_permutations
        self.n_neighbors = n_neighbors
        self.test_size = test_size
        self.random_state = random_state
        self.estimator_params = estimator_params
        super().__init__(use_cache=use_cache)

    def is_independent(self, X, Y, Z=(), significance_level: float = 0.05) -> bool:
        """Whether the p-value of ``X ⫫ Y | Z`` is at least ``significance_level``.

        Parameters
        ----------
        X, Y : str
            Column names.
        Z : list or tuple of str, default=()
            Names of the conditioning columns.
        significance_level : float, default=0.05
            The test's level.

        Returns
        -------
        bool
            ``True`` when the test does not reject independence.
        """
        # The decision comes from this call's own p-value, not from the attribute another
        # thread may have overwritten meanwhile (pgmpy's "parallel" PC runs tests in threads).
        _, p_value = self.run_test(X=X, Y=Y, Z=list(Z))
        return bool(p_value >= significance_level)

    def _compute_result(self, X, Y, Z) -> _CITestResult:
        first, second = sorted((X, Y), key=repr)
        columns = self.data.loc[:, [first, second, *Z]]
        try:
            values = columns.to_numpy(dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"NeuralCITest needs numeric columns; {[first, second, *Z]} are "
                f"{dict(columns.dtypes.astype(str))}"
            ) from error
        result = ci_test(
            values[:, 0],
            values[:, 1],
            values[:, 2:] if Z else None,
            n_permutations=self.n_permutations,
            n_neighbors=self.n_neighbors,
            test_size=self.test_size,
            random_state=self.random_state,
            estimator_params=self.estimator_params,
        )
        return _CITestResult(
            statistic=result.statistic,
            p_value=result.pvalue,
            effect_size=informational_correlation(result.statistic),
            attributes={
                "confidence_interval_": result.confidence_interval,
                "fit_warnings_": result.fit_warnings,
            },
        )


def informational_correlation(mutual_info: float) -> float:
    """Linfoot's informational coefficient of correlation, ``sqrt(1 - exp(-2 I))``.

    Parameters
    ----------
    mutual_info : float
        Mutual information in nats (negative estimates count as 0).

    Returns
    -------
    float
        A value in [0, 1]; ``|rho|`` for a bivariate Gaussian with correlation ``rho``.
    """
    return math.sqrt(-math.expm1(-2.0 * max(mutual_info, 0.0)))
