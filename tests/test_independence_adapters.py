"""skmine.independence with pgmpy and tigramite, and many tests at once (ci_tests)."""

import copy

import numpy as np
import pytest

from skmine.independence import ci_test, ci_tests

# Small critics: the adapters' plumbing and the p-values' direction, not the power.
TINY = {"max_iter": 300, "hidden_layer_sizes": (16, 16), "radial_features": False}
SETTINGS = {"n_permutations": 30, "estimator_params": TINY}


def _chain(n=600, seed=0):
    """a -> b -> c, non-linear: a and c are independent given b."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    b = np.tanh(2 * a) + 0.3 * rng.normal(size=n)
    c = b**2 + 0.3 * rng.normal(size=n)
    return np.column_stack([a, b, c])


def test_ci_tests_gives_the_same_results_whatever_n_jobs():
    data = _chain()
    queries = [(0, 1), (0, 2, [1]), ([0], [2]), (2, 0, None)]
    params = {**TINY, "n_threads": 1}
    one = ci_tests(data, queries, random_state=0, n_permutations=30, estimator_params=params)
    two = ci_tests(
        data, queries, n_jobs=2, random_state=0, n_permutations=30, estimator_params=params
    )
    assert [r.pvalue for r in one] == [r.pvalue for r in two]
    assert [r.statistic for r in one] == [r.statistic for r in two]
    assert one[0].pvalue == pytest.approx(1 / 31)  # a and b: dependent
    assert one[1].pvalue > 0.05  # a and c given b
    assert one[2].pvalue == pytest.approx(1 / 31)  # a and c: dependent (through b)


def test_ci_tests_matches_ci_test_with_the_drawn_seed():
    data = _chain(400)
    seed = np.random.RandomState(5).randint(np.iinfo(np.int32).max, size=1)[0]
    batch = ci_tests(data, [(0, 2, [1])], random_state=5, **SETTINGS)[0]
    single = ci_test(data[:, 0], data[:, 2], data[:, [1]], random_state=seed, **SETTINGS)
    assert batch.pvalue == single.pvalue
    np.testing.assert_array_equal(batch.null_distribution, single.null_distribution)


@pytest.mark.parametrize(
    ("queries", "message"),
    [
        ([(0,)], r"\(x, y\) or \(x, y, z\)"),
        ([(0, 3)], "names column 3; data has 3 columns"),
        ([(0, 1, [1])], "must not share columns"),
        ([([], 1)], "at least one column"),
    ],
)
def test_ci_tests_refuses_bad_queries(queries, message):
    with pytest.raises(ValueError, match=message):
        ci_tests(_chain(50), queries)


def test_pgmpy_pc_finds_the_chain_with_the_neural_test():
    pytest.importorskip("pgmpy")
    import pandas as pd
    from pgmpy.causal_discovery import PC

    from skmine.independence.pgmpy import NeuralCITest, informational_correlation

    data = pd.DataFrame(_chain(), columns=["a", "b", "c"])
    test = NeuralCITest(data, random_state=0, **SETTINGS)
    assert test("a", "c", ["b"])  # independent given b
    assert test.run_test("c", "a", ["b"]) == test.run_test("a", "c", ["b"])  # symmetric
    assert not test("a", "b")
    assert test.effect_size_ == pytest.approx(informational_correlation(test.statistic_))
    assert 0 < test.effect_size_ < 1
    low, high = test.confidence_interval_
    assert low <= test.statistic_ <= high
    # pgmpy's default PC variant runs the tests in threads.
    pc = PC(ci_test=test, significance_level=0.05, n_jobs=2, show_progress=False).fit(data)
    skeleton = {frozenset(edge) for edge in pc.causal_graph_.edges()}
    assert skeleton == {frozenset("ab"), frozenset("bc")}


def test_pgmpy_adapter_refuses_non_numeric_columns():
    pytest.importorskip("pgmpy")
    import pandas as pd

    from skmine.independence.pgmpy import NeuralCITest

    data = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})
    with pytest.raises(ValueError, match="numeric columns"):
        NeuralCITest(data).run_test("a", "b", [])


def test_informational_correlation_is_the_gaussian_correlation():
    from skmine.independence.pgmpy import informational_correlation

    rho = 0.6
    assert informational_correlation(-0.5 * np.log(1 - rho**2)) == pytest.approx(rho)
    assert informational_correlation(-0.1) == 0.0


def test_tigramite_test_runs_in_pcmci_and_survives_deepcopy():
    pytest.importorskip("tigramite")
    from tigramite.data_processing import DataFrame
    from tigramite.pcmci import PCMCI

    from skmine.independence.tigramite import NeuralCMI

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=400), np.zeros(400)
    y[1:] = np.tanh(2 * x[:-1]) + 0.3 * rng.normal(size=399)  # x(t-1) -> y(t)
    test = NeuralCMI(seed=0, **SETTINGS)
    # PCMCI works on a deep copy of the test it is given.
    pcmci = PCMCI(dataframe=DataFrame(np.column_stack([x, y])), cond_ind_test=test)
    results = pcmci.run_pcmci(tau_min=1, tau_max=1, pc_alpha=0.05)
    links = set(map(tuple, np.argwhere(results["graph"][:, :, 1] == "-->").tolist()))
    assert links == {(0, 1)}
    assert results["p_matrix"][0, 1, 1] == pytest.approx(1 / 31)
    copied = pcmci.cond_ind_test
    value, pvalue = copied.run_test(X=[(0, -1)], Y=[(1, 0)], Z=[])
    assert pvalue == pytest.approx(1 / 31) and value > 0.1
    again = copy.deepcopy(copied)
    again.cached_ci_results.clear()
    assert again.run_test(X=[(0, -1)], Y=[(1, 0)], Z=[]) == (value, pvalue)
    assert copied.get_measure(X=[(0, -1)], Y=[(1, 0)]) == value


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"significance": "analytic"}, "shuffle_test"), ({"permute": "Z"}, "permute")],
)
def test_tigramite_adapter_refuses_what_it_cannot_do(kwargs, message):
    pytest.importorskip("tigramite")
    from skmine.independence.tigramite import NeuralCMI

    with pytest.raises(ValueError, match=message):
        NeuralCMI(**kwargs)


def test_tigramite_adapter_refuses_a_null_distribution_of_its_value():
    pytest.importorskip("tigramite")
    from skmine.independence.tigramite import NeuralCMI

    array, xyz = np.zeros((2, 10)), np.array([0, 1])
    with pytest.raises(ValueError, match="held-out bound, not of the value"):
        NeuralCMI().get_shuffle_significance(array, xyz, 0.0, return_null_dist=True)
