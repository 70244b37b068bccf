""":func:`~skmine.independence.ci_test` as a tigramite conditional-independence test.

Needs tigramite (``pip install "skmine-neural[causal]"``). :class:`NeuralCMI` is a
``CondIndTest``: give it to ``PCMCI`` (or any tigramite method that takes a
``cond_ind_test``) like ``CMIknn``::

    from tigramite.data_processing import DataFrame
    from tigramite.pcmci import PCMCI
    from skmine.independence.tigramite import NeuralCMI

    pcmci = PCMCI(dataframe=DataFrame(data), cond_ind_test=NeuralCMI(seed=0))
    results = pcmci.run_pcmci(tau_max=2, pc_alpha=0.05)

Its value is the conditional mutual information estimate (nats) and its p-value that of
:func:`~skmine.independence.ci_test`, computed together (one fit per test; tigramite caches
each test's result). As with ``CMIknn``, the null is a shuffle among neighbours in ``Z``
(here within blocks of them), so tigramite's ``significance`` is ``"shuffle_test"``.
"""

from __future__ import annotations

import numpy as np
from tigramite.independence_tests.independence_tests_base import CondIndTest

from ._conditional_permutation import ci_test


class NeuralCMI(CondIndTest):
    """The tigramite ``CondIndTest`` interface around :func:`~skmine.independence.ci_test`.

    Parameters
    ----------
    n_permutations : int, default=100
        Draws of the null distribution (see :func:`~skmine.independence.ci_test`).
    n_neighbors : int, default=5
        Samples per block of similar ``Z`` (near in the predicted conditional means)
        within which the permuted variable is shuffled; see
        :func:`~skmine.independence.ci_test`.
    test_size : float, default=0.5
        Fraction of the samples held out for the permutation test.
    estimator_params : dict, optional
        Parameters of the test's estimator, as in :func:`~skmine.independence.ci_test`.
    permute : {"Y", "X"}, default="Y"
        The variable permuted within blocks of neighbours in ``Z``. In PCMCI, ``Y`` is the
        target at time ``t`` and ``Z`` approximates its parents, which makes ``Y``'s
        neighbourhoods in ``Z`` the better model of the null (tigramite's ``CMIknn`` makes the same
        choice).
    seed : int, default=42
        ``random_state`` of every test (tigramite's name and default), so each test is
        reproducible whatever the order of the tests.
    **kwargs
        Arguments of tigramite's ``CondIndTest`` (e.g. ``mask_type``, ``verbosity``);
        ``significance`` can only be ``"shuffle_test"``.
    """

    @property
    def measure(self) -> str:
        """The name tigramite reports for this test's values."""
        return self._measure

    def __init__(
        self,
        n_permutations: int = 100,
        n_neighbors: int = 5,
        test_size: float = 0.5,
        estimator_params: dict | None = None,
        permute: str = "Y",
        seed: int = 42,
        **kwargs,
    ) -> None:
        significance = kwargs.pop("significance", "shuffle_test")
        if significance != "shuffle_test":
            raise ValueError(
                "NeuralCMI computes its p-value by a permutation test; significance must be "
                f"'shuffle_test', got {significance!r}"
            )
        if permute not in ("X", "Y"):
            raise ValueError(f"permute must be 'X' or 'Y', got {permute!r}")
        self._measure = "neural_cmi"
        self.two_sided = False
        self.residual_based = False
        self.n_permutations = n_permutations
        self.n_neighbors = n_neighbors
        self.test_size = test_size
        self.estimator_params = estimator_params
        self.permute = permute
        self.seed = seed
        self._pvalues: dict[tuple, float] = {}
        super().__init__(seed=seed, significance=significance, **kwargs)

    def get_dependence_measure(self, array, xyz, data_type=None) -> float:
        """The estimate of ``I(X; Y | Z)`` in nats; the test's p-value is kept for later.

        Parameters
        ----------
        array : ndarray of shape (dim, n_samples)
            X, Y and Z in rows, as tigramite builds it.
        xyz : ndarray of shape (dim,)
            0 for the rows of X, 1 for Y, 2 for Z.
        data_type : ndarray, optional
            Ignored (continuous data).

        Returns
        -------
        float
            The conditional mutual information estimate.
        """
        result = self._run(array, xyz)
        self._pvalues[_key(array, xyz)] = result.pvalue
        return result.statistic

    def get_shuffle_significance(
        self, array, xyz, value, return_null_dist=False, data_type=None
    ) -> float:
        """The permutation p-value of the test whose value was just computed.

        Parameters
        ----------
        array, xyz
            As in :meth:`get_dependence_measure`.
        value : float
            The test's value (unused: the p-value comes from the same test).
        return_null_dist : bool, default=False
            Must be ``False``: the test's null distribution is of the frozen critic's
            held-out bound, not of the value, and comparing the two would mislead
            (:func:`~skmine.independence.ci_test` returns it with the bound it belongs to).
        data_type : ndarray, optional
            Ignored.

        Returns
        -------
        float
            The p-value.
        """
        if return_null_dist:
            raise ValueError(
                "return_null_dist=True: NeuralCMI's null distribution is of its critic's "
                "held-out bound, not of the value; skmine.independence.ci_test returns it "
                "with the bound it belongs to"
            )
        pvalue = self._pvalues.pop(_key(array, xyz), None)
        return self._run(array, xyz).pvalue if pvalue is None else pvalue

    def _run(self, array: np.ndarray, xyz: np.ndarray):
        x, y, z = (array[xyz == side].T for side in (0, 1, 2))
        if self.permute == "Y":
            x, y = y, x
        return ci_test(
            x,
            y,
            z if z.shape[1] else None,
            n_permutations=self.n_permutations,
            n_neighbors=self.n_neighbors,
            test_size=self.test_size,
            random_state=self.seed,
            estimator_params=self.estimator_params,
        )


def _key(array: np.ndarray, xyz: np.ndarray) -> tuple:
    return (array.shape, hash(np.ascontiguousarray(array).tobytes()), tuple(np.asarray(xyz)))
