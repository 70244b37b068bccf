"""Bad input, for every public estimator: it works correctly or the error names the problem.

Each case here is listed in docs/input_validation.md.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from _estimators import ESTIMATOR_CLASSES, dependent_data, small

from skmine._engine.data import validate_xy
from skmine.feature_selection import mutual_info_neural

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X0, Y0 = dependent_data()


def _with_nan(a, value=np.nan):
    a = np.array(a, dtype=float)
    a.flat[3] = value
    return a


ERRORS = {
    "nan in X": (ValueError, "Input X contains NaN", _with_nan(X0), Y0),
    "inf in X": (ValueError, "Input X contains infinity", _with_nan(X0, np.inf), Y0),
    "nan in y": (ValueError, "Input y contains NaN", X0, _with_nan(Y0)),
    "inf in y": (ValueError, "Input y contains", X0, _with_nan(Y0, -np.inf)),
    "empty": (ValueError, r"0 sample\(s\)", np.empty((0, 2)), np.empty(0)),
    "one sample": (ValueError, "minimum of 2 is required", X0[:1], Y0[:1]),
    "too few to split": (ValueError, "too few samples", X0[:3], Y0[:3]),
    "mismatched lengths": (ValueError, "inconsistent numbers of samples", X0, Y0[:-1]),
    "1-D X": (ValueError, "Expected 2D array", X0[:, 0], Y0),
    "3-D X": (ValueError, "Found array with dim 3", X0.reshape(-1, 2, 1), Y0),
    "3-D y": (ValueError, "Found array with dim 3", X0, Y0.reshape(-1, 1, 1)),
    "string X": (ValueError, "X must hold numbers", np.full((400, 2), "a"), Y0),
    "object X": (ValueError, "X must hold numbers", np.array([[1.0, "b"]] * 400, object), Y0),
    "sparse X": (TypeError, "Sparse data was passed for X", sp.csr_matrix(X0), Y0),
    "single class": (ValueError, "single class", X0, np.zeros(400, dtype=int)),
    "strings as continuous y": (
        ValueError,
        "could not be used as a continuous target",
        X0,
        np.array([["a", "b"]] * 400),
    ),
    "huge unscaled": (ValueError, "with scaling=None", X0 * 1e30, Y0),
    "tiny unscaled": (ValueError, "with scaling=None", X0 * 1e-30, Y0),
    "float64 overflow": (ValueError, "too large to standardise", X0 * 1e300, Y0),
}
UNSCALED = {"huge unscaled", "tiny unscaled"}


@pytest.mark.parametrize("cls", ESTIMATOR_CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("case", list(ERRORS))
def test_bad_input_raises_a_named_error(cls, case):
    error, message, X, y = ERRORS[case]
    params = {"scaling": None} if case in UNSCALED else {"scaling": "standard"}
    with pytest.raises(error, match=message):
        small(cls, max_iter=2, **params).fit(X, y)


@pytest.mark.parametrize("cls", ESTIMATOR_CLASSES, ids=lambda c: c.__name__)
def test_bad_input_to_score_is_named(cls):
    est = small(cls, max_iter=2).fit(X0, Y0)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        est.score(_with_nan(X0), Y0)
    with pytest.raises(ValueError, match="expecting 2 features"):
        est.score(X0[:, :1], Y0)


def refuses_point_masses(cls) -> bool:
    """MINEE refuses tied columns: the differential entropy of a point mass is -inf."""
    return cls.__name__ == "MINEE"


@pytest.fixture(scope="module", params=ESTIMATOR_CLASSES, ids=lambda c: c.__name__)
def reference(request):
    """An estimator class and its estimate on well-scaled float64 data."""
    cls = request.param
    return cls, small(cls).fit(X0, Y0).mutual_info_


@pytest.mark.parametrize(
    "dtype, factor, scaling",
    [
        (np.float32, 1e30, "standard"),
        (np.float32, 1e-30, "rank-gaussian"),
        (np.float64, 1e-30, "standard"),
        (np.float64, 1e30, "rank-gaussian"),
    ],
)
def test_extreme_scales_are_learned(reference, dtype, factor, scaling):
    # Scaled in float64 before the cast to float32: no overflow to inf, no underflow to 0;
    # the critic sees the same numbers as for well-scaled data.
    cls, _ = reference
    X, y = (X0 * factor).astype(dtype), (Y0 * factor).astype(dtype)
    est = small(cls, scaling=scaling).fit(X, y)
    assert np.isfinite(est.mutual_info_) and est.mutual_info_ > 0.2
    from skmine._engine.data import Preprocessor

    plain = Preprocessor(scaling, "auto", 0).fit(X0.astype(dtype), Y0.astype(dtype))
    np.testing.assert_allclose(
        est.preprocessor_.transform_x(X), plain.transform_x(X0.astype(dtype)), atol=1e-4
    )


def test_constant_columns_scale_to_finite_values(reference):
    cls, _ = reference
    X = np.column_stack([X0, np.full(400, 7.0), np.full(400, -1e30)])
    for scaling in ["standard", "rank-gaussian"]:
        if refuses_point_masses(cls):
            with pytest.raises(ValueError, match="column 2 of X has point masses"):
                small(cls, scaling=scaling).fit(X, Y0)
            continue
        est = small(cls, scaling=scaling).fit(X, Y0)
        np.testing.assert_array_equal(est.preprocessor_.transform_x(X)[:, 2:], 0.0)
        assert np.isfinite(est.mutual_info_) and est.mutual_info_ > 0.1


def test_constant_target_gives_about_zero(reference):
    cls, _ = reference
    if refuses_point_masses(cls):
        with pytest.raises(ValueError, match="column 0 of y has point masses"):
            small(cls).fit(X0, np.full(400, 3.5))
        return
    est = small(cls).fit(X0, np.full(400, 3.5))
    assert abs(est.mutual_info_) < 0.05


def test_batch_larger_than_the_data(reference):
    cls, _ = reference
    est = small(cls, batch_size=10_000).fit(X0, Y0)
    assert np.isfinite(est.mutual_info_) and est.mutual_info_ > 0.1


def test_integer_dtypes(reference):
    cls, _ = reference
    X = np.round(X0 * 100).astype(np.int16)  # 62% of the values are tied
    if refuses_point_masses(cls):
        with pytest.raises(ValueError, match="point masses"):
            small(cls).fit(X, Y0)
        X = X + np.random.RandomState(0).uniform(-0.5, 0.5, X.shape)  # dequantised
    est = small(cls).fit(X, Y0)
    assert np.isfinite(est.mutual_info_) and est.mutual_info_ > 0.1
    labels = (Y0 > 0).astype(np.uint8)  # integer y: class labels
    est = small(cls).fit(X0, labels)
    assert list(est.classes_) == [0, 1]
    assert 0.0 < est.mutual_info_ <= np.log(2) + 0.05


def test_pandas_names_are_kept(reference):
    pd = pytest.importorskip("pandas")
    cls, _ = reference
    frame = pd.DataFrame(X0, columns=["left", "right"])
    est = small(cls).fit(frame, pd.Series(Y0, name="target"))
    assert list(est.feature_names_in_) == ["left", "right"]
    assert np.isfinite(est.score(frame, pd.Series(Y0)))
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        est.score(X0, Y0)
    with pytest.raises(ValueError, match="feature names"):
        est.score(frame.rename(columns={"left": "other"}), Y0)


def test_read_only_memmap(reference, tmp_path):
    cls, _ = reference
    path = tmp_path / "x.npy"
    np.save(path, X0.astype(np.float32))
    X = np.load(path, mmap_mode="r")
    before = np.array(X)
    est = small(cls).fit(X, Y0)
    expected = small(cls).fit(X0.astype(np.float32), Y0)
    assert est.mutual_info_ == expected.mutual_info_
    assert np.array_equal(np.asarray(X), before)


def test_float32_is_not_copied_by_validation():
    est = ESTIMATOR_CLASSES[0]()
    X = X0.astype(np.float32)
    validated, _ = validate_xy(est, X, Y0, reset=True)
    assert validated.dtype == np.float32 and np.shares_memory(validated, X)


# The score function's own rules: it needs 8 samples (a train / select / score split),
# sparse X is taken as discrete features, as scikit-learn's mutual_info_* take it, and its
# rank-gaussian map depends only on the order of the values, so 1e300 is no overflow.
SCORE_FUNCTION_ERRORS = {
    case: (error, message, X, y)
    for case, (error, message, X, y) in ERRORS.items()
    if case not in UNSCALED | {"sparse X", "one sample", "too few to split", "float64 overflow"}
}
SCORE_FUNCTION_ERRORS["too few to split"] = (ValueError, "minimum of 8", X0[:5], Y0[:5])


@pytest.mark.parametrize("case", list(SCORE_FUNCTION_ERRORS))
def test_bad_input_to_the_score_function_is_named(case):
    error, message, X, y = SCORE_FUNCTION_ERRORS[case]
    with pytest.raises(error, match=message):
        mutual_info_neural(X, y, max_iter=2)


@pytest.mark.parametrize("factor", [1e-300, 1e-30, 1.0, 1e30, 1e300])
def test_score_function_is_scale_free(factor):
    # The rank-gaussian map depends only on the order of the values: scale is irrelevant.
    scores = [mutual_info_neural(X0 * f, Y0, max_iter=100, random_state=0) for f in (1.0, factor)]
    np.testing.assert_allclose(scores[0], scores[1], atol=1e-6)
    assert scores[1][0] > 0.2 and scores[1][1] < 0.05


# Which targets are class labels under discrete_target="auto": pandas' label dtypes are, as
# numpy integers and booleans are, even though scikit-learn's validation makes them floats.
LABELS = (Y0 > 0).astype(int)


def _pandas_targets():
    pd = pytest.importorskip("pandas")
    return {
        "Int64": (pd.Series(LABELS, dtype="Int64"), [0, 1]),
        "UInt8": (pd.Series(LABELS, dtype="UInt8"), [0, 1]),
        "boolean": (pd.Series(LABELS.astype(bool), dtype="boolean"), [False, True]),
        "float category": (pd.Series(LABELS + 0.5).astype("category"), [0.5, 1.5]),
        "string category": (
            pd.Series(np.array(["no", "yes"])[LABELS], dtype="category"),
            ["no", "yes"],
        ),
        "Int64 frame": (pd.DataFrame({"t": pd.Series(LABELS, dtype="Int64")}), [0, 1]),
    }


@pytest.mark.parametrize("cls", ESTIMATOR_CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize(
    "case", ["Int64", "UInt8", "boolean", "float category", "string category", "Int64 frame"]
)
def test_pandas_label_dtypes_are_class_labels(cls, case):
    y, classes = _pandas_targets()[case]
    est = small(cls, max_iter=2).fit(X0, y)
    assert list(est.classes_) == classes
    assert np.isfinite(est.score(X0, y))


@pytest.mark.parametrize("case", ["Int64", "boolean", "float category", "Int64 frame"])
def test_pandas_label_dtypes_are_class_labels_for_the_score_function(case):
    y, _ = _pandas_targets()[case]
    settings = {"max_iter": 20, "random_state": 0}
    as_labels = mutual_info_neural(X0, y, **settings)
    expected = mutual_info_neural(X0, LABELS, **settings)  # numpy integers: class labels
    np.testing.assert_array_equal(as_labels, expected)
    continuous = mutual_info_neural(X0, LABELS.astype(float), discrete_target=False, **settings)
    assert not np.array_equal(as_labels, continuous)


def test_a_nullable_integer_target_with_missing_values_is_refused():
    pd = pytest.importorskip("pandas")
    y = pd.Series(LABELS, dtype="Int64")
    y[3] = pd.NA
    with pytest.raises(ValueError, match="Input y contains NaN"):
        small(ESTIMATOR_CLASSES[0], max_iter=2).fit(X0, y)


CODED = "holds only 2 distinct integer values.*pass discrete_target=True"


@pytest.mark.parametrize("cls", ESTIMATOR_CLASSES, ids=lambda c: c.__name__)
def test_float_coded_labels_stay_continuous_with_a_warning(cls):
    y = LABELS.astype(float)
    with pytest.warns(UserWarning, match=CODED) as record:
        if refuses_point_masses(cls):
            # Continuous, that y is two point masses: MINEE refuses it and says what to do.
            with pytest.raises(ValueError, match="pass discrete_target=True"):
                small(cls, max_iter=2).fit(X0, y)
        else:
            est = small(cls, max_iter=2).fit(X0, y)
            assert not hasattr(est, "classes_")
    [warning] = [w for w in record if "distinct integer values" in str(w.message)]
    assert warning.filename == __file__  # points at the caller, not into skmine
    labelled = small(cls, max_iter=2, discrete_target=True).fit(X0, y)
    assert list(labelled.classes_) == [0.0, 1.0]


def test_float_coded_labels_warn_in_the_score_function():
    with pytest.warns(UserWarning, match=CODED) as record:
        mutual_info_neural(X0, LABELS.astype(float), max_iter=2)
    [warning] = [w for w in record if "distinct integer values" in str(w.message)]
    assert warning.filename == __file__


@pytest.mark.parametrize(
    "y",
    [
        Y0,  # continuous
        np.round(Y0 * 10),  # integers, but too many distinct values for labels
        LABELS[:15].astype(float),  # two values in 15 samples: too few to tell
    ],
    ids=["continuous", "many integers", "few samples"],
)
def test_no_warning_for_floats_that_do_not_look_like_labels(y):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        small(ESTIMATOR_CLASSES[0], max_iter=2).fit(X0[: len(y)], y)
        small(ESTIMATOR_CLASSES[0], max_iter=2, discrete_target=False).fit(X0, LABELS * 1.0)
    assert not [w for w in record if "distinct integer values" in str(w.message)]
