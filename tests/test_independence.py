"""skmine.independence.ci_test: the block permutations, errors, size and power."""

import numpy as np
import pytest

from skmine._engine.local_permutation import block_permutation, blocks
from skmine.independence import ci_test
from skmine.independence._conditional_permutation import _regression_on_z

FAST = {"max_iter": 600, "radial_features": False}
# Trained to max_iter on independent residuals: the fit warns that the estimate never left 0.
NEVER_LEAVES_ZERO = {"max_iter": 100, "eval_interval": 20, "early_stopping": False}


def test_block_permutations_stay_within_discrete_groups_and_repeat_nothing():
    rng = np.random.RandomState(0)
    groups = np.repeat(np.arange(20), 5).astype(float)[rng.permutation(100)]
    labels = blocks(groups[:, None], block_size=5)
    assert np.bincount(labels).tolist() == [5] * 20
    for _ in range(20):
        order = block_permutation(labels, rng)
        np.testing.assert_array_equal(groups[order], groups)
        assert np.unique(order).size == order.size


def test_blocks_partition_nearby_samples_into_block_size_groups():
    rng = np.random.RandomState(1)
    z = rng.normal(size=(303, 2))
    labels = blocks(z, block_size=4)
    sizes = np.bincount(labels)
    assert sizes.sum() == 303 and sizes.min() == 4 and sizes.max() <= 7
    # Blocks are local: a block's spread is a small part of the data's.
    spread = np.median([np.ptp(z[labels == b], axis=0).max() for b in range(sizes.size)])
    assert spread < 0.25 * np.ptp(z, axis=0).min()
    # Every block is reached by the draws, each sample's X staying in its block.
    orders = np.array([block_permutation(labels, rng) for _ in range(200)])
    assert (labels[orders] == labels).all()
    moved = (orders != np.arange(303)).mean()
    assert abs(moved - (1 - sizes.size / 303)) < 0.03  # a uniform block permutation


def test_ties_in_the_blocking_space_are_ordered_by_the_tie_break():
    # A prediction that is flat (a tree ensemble beyond its outermost split) ties every
    # sample; the blocks then follow Z.
    z = np.random.RandomState(2).normal(size=(40, 1))
    labels = blocks(np.zeros((40, 1)), block_size=5, tie_break=z)
    ranks = np.argsort(np.argsort(z[:, 0]))
    for b in np.unique(labels):
        members = np.sort(ranks[labels == b])
        assert members[-1] - members[0] == members.size - 1  # consecutive in Z


def test_blocks_stay_local_in_the_column_that_matters_beside_distractors():
    # Post-non-linear null with four distractor columns in Z: E[X | Z] saturates where
    # |Z1| is large, E[Y | Z] is flat near Z1 = 0; the blocks in both predictions keep Z1
    # within a small part of its unit spread everywhere: 0.05 here (default-size trees on
    # E[X | Z] alone: 0.17 on these draws).
    rng = np.random.default_rng(0)
    z = rng.normal(size=(2000, 5))
    x = np.tanh(z[:, :1] + 0.5 * rng.normal(size=(2000, 1)))
    y = (z[:, :1] + 0.5 * rng.normal(size=(2000, 1))) ** 3 / 3
    train, test = slice(0, 1000), slice(1000, 2000)
    x_on_z, y_on_z = (
        _regression_on_z(x[train], z[train], 0),
        _regression_on_z(y[train], z[train], 0),
    )
    space = np.hstack([x_on_z(z[test]), y_on_z(z[test])])
    labels = blocks(space, block_size=5, tie_break=z[test])
    z1 = z[test, 0]
    assert np.mean([z1[labels == b].std() for b in np.unique(labels)]) < 0.12


def _confounded(n, seed, effect):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=n)
    x = 2 * np.tanh(z) + 0.5 * rng.normal(size=n)
    y = np.sin(2 * z) + z + effect * x + 0.5 * rng.normal(size=n)
    return x, y, z


def test_detects_conditional_dependence_and_estimates_it_with_the_default_critics():
    x, y, z = _confounded(1000, 0, effect=0.5)
    # Given z, x and y are jointly Gaussian: var(x|z) = 0.25, cov = 0.125, var(y|z) = 0.3125.
    truth = -0.5 * np.log(1 - 0.125**2 / (0.25 * 0.3125))
    result = ci_test(x, y, z, random_state=0, n_permutations=50)
    joint = result.estimator.joint_estimator_
    assert (joint.n_folds_, joint.hidden_layer_sizes, joint.n_iter_no_change) == (2, (64, 64), 1)
    assert not joint.radial_features
    assert result.pvalue == pytest.approx(1 / 51)
    low, high = result.confidence_interval
    assert 0.3 * truth < result.statistic < 1.3 * truth
    assert low <= truth <= high
    assert result.null_distribution.shape == (50,)
    assert (result.null_distribution < result.observed).all()


def test_is_reproducible_and_keeps_fit_warnings_in_the_result(recwarn):
    x, y, z = _confounded(400, 1, effect=0.0)
    one = ci_test(x, y, z, random_state=3, n_permutations=20, estimator_params=NEVER_LEAVES_ZERO)
    assert not [w for w in recwarn if "never left zero" in str(w.message)]
    assert any("never left zero" in message for message in one.fit_warnings)
    two = ci_test(x, y, z, random_state=3, n_permutations=20, estimator_params=NEVER_LEAVES_ZERO)
    assert one.pvalue == two.pvalue
    np.testing.assert_array_equal(one.null_distribution, two.null_distribution)


def test_unconditional_test_without_z():
    rng = np.random.default_rng(2)
    x = rng.normal(size=600)
    y = x + rng.normal(size=600)
    result = ci_test(x, y, random_state=0, estimator_params=FAST, n_permutations=30)
    assert result.pvalue == pytest.approx(1 / 31)
    assert result.estimator.__class__.__name__ == "MINE"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"Y": np.zeros(99)}, "same number of samples"),
        ({"X": np.full(100, np.nan)}, "NaN"),
        ({"Z": np.zeros((100, 2, 2))}, "Z"),
        ({"n_permutations": 0}, "n_permutations"),
        ({"n_neighbors": 1}, "n_neighbors"),
        ({"test_size": 1.0}, "test_size"),
        ({"X": np.zeros(30), "Y": np.zeros(30), "Z": np.zeros(30)}, "too few samples"),
    ],
)
def test_bad_input_is_refused_with_a_reason(kwargs, message):
    data = {"X": np.zeros(100), "Y": np.zeros(100), "Z": np.zeros(100)}
    settings = {k: v for k, v in kwargs.items() if k not in data}
    data.update({k: v for k, v in kwargs.items() if k in data})
    with pytest.raises(ValueError, match=message):
        ci_test(data["X"], data["Y"], data["Z"], **settings)


def test_causal_learn_runs_pc_with_the_registered_test():
    pytest.importorskip("causallearn")
    from causallearn.search.ConstraintBased.PC import pc
    from causallearn.utils.cit import CIT

    from skmine.independence.causallearn import NeuralCIT, register

    rng = np.random.default_rng(0)
    a = rng.normal(size=800)
    b = np.tanh(2 * a) + 0.3 * rng.normal(size=800)
    c = b**2 + 0.3 * rng.normal(size=800)
    data = np.column_stack([a, b, c])
    name = register("skmine-test")
    settings = {"random_state": 0, "n_permutations": 30, "estimator_params": FAST}
    test = CIT(data, name, **settings)
    assert isinstance(test, NeuralCIT)
    assert test(0, 2, [1]) > 0.05  # a -> b -> c: a and c independent given b
    assert test(2, 0, [1]) == test(0, 2, [1])  # cached under one key
    assert test(0, 1) < 0.05
    graph = pc(data, 0.05, name, show_progress=False, **settings)
    edges = {(i, j) for i in range(3) for j in range(3) if i < j and graph.G.graph[i, j] != 0}
    assert edges == {(0, 1), (1, 2)}
