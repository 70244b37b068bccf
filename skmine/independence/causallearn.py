""":func:`~skmine.independence.ci_test` as a causal-learn conditional-independence test.

Needs causal-learn (``pip install "skmine-neural[causal]"``). :func:`register` adds the test
to causal-learn's registry under a name, after which every causal-learn algorithm that takes
an ``indep_test`` can use it; the keyword arguments of the algorithm call that causal-learn
passes on to the test (all but its own) go to :func:`~skmine.independence.ci_test`::

    from causallearn.search.ConstraintBased.PC import pc
    from skmine.independence.causallearn import register

    register()                                   # as "skmine"
    graph = pc(data, alpha=0.05, indep_test="skmine", random_state=0, n_permutations=100)

causal-learn orders each pair so that the lower column index comes first, and caches the
p-value of each ``(X, Y | S)`` (also across runs, with ``cache_path``); ``X`` is the side
:func:`~skmine.independence.ci_test` permutes.
"""

from __future__ import annotations

import hashlib
import json

from causallearn.utils.cit import CIT_Base, register_ci_test

from ._conditional_permutation import ci_test

DEFAULT_NAME = "skmine"


class NeuralCIT(CIT_Base):
    """The causal-learn CI-test interface around :func:`~skmine.independence.ci_test`.

    Parameters
    ----------
    data : ndarray of shape (n_samples, n_variables)
        The data set of the causal-discovery run.
    cache_path : str, optional
        causal-learn's JSON cache of p-values.
    **settings
        Keyword arguments of :func:`~skmine.independence.ci_test` (e.g. ``random_state``,
        ``n_permutations``, ``estimator_params``).
    """

    def __init__(self, data, cache_path=None, **settings) -> None:
        super().__init__(data, cache_path=cache_path)
        self.settings = settings
        fingerprint = json.dumps(settings, sort_keys=True, default=repr).encode()
        self.check_cache_method_consistent(DEFAULT_NAME, hashlib.md5(fingerprint).hexdigest())
        self.assert_input_data_is_valid()

    def __call__(self, X, Y, condition_set=None) -> float:
        """The p-value of ``X ⫫ Y | condition_set`` (column indices of ``data``)."""
        xs, ys, conditioning, key = self.get_formatted_XYZ_and_cachekey(X, Y, condition_set)
        if key not in self.pvalue_cache:
            Z = self.data[:, conditioning] if conditioning else None
            result = ci_test(self.data[:, xs], self.data[:, ys], Z, **self.settings)
            self.pvalue_cache[key] = result.pvalue
        return self.pvalue_cache[key]


def register(name: str = DEFAULT_NAME) -> str:
    """Register :class:`NeuralCIT` with causal-learn.

    Parameters
    ----------
    name : str, default="skmine"
        The name causal-learn's algorithms take as ``indep_test``.

    Returns
    -------
    str
        ``name``.
    """
    register_ci_test(name, NeuralCIT)
    return name
