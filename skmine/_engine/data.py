"""Input validation, per-coordinate scaling, discrete-target encoding and device placement."""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
from scipy import special
from sklearn.preprocessing import StandardScaler
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_array, validate_data

from .diagnostics import caller_stacklevel
from .marginal import spacing_neg_log_density

SCALINGS = ("standard", "rank-gaussian", None)
CHUNK_ROWS = 65_536
QUANTILE_SUBSAMPLE = 100_000
MAX_QUANTILES = 1000
# With scaling=None the critic sees raw float32 values: outside these scales it cannot learn.
MAX_UNSCALED = 1e6
MIN_UNSCALED_SPREAD = 1e-6
# A float y with at most this many distinct integer values, and at least this many samples
# per value, looks like integer-coded class labels (a warning says how to treat it so).
MAX_CODED_LEVELS = 20
SAMPLES_PER_LEVEL = 10


def resolve_device(device: str | torch.device) -> torch.device:
    """Turn the ``device`` parameter into a :class:`torch.device`.

    ``"auto"`` picks CUDA when it is available, else the CPU. An explicit CUDA device on a
    machine without CUDA is an error, not a silent fallback.
    """
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device={device!r} is not a valid torch device") from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was requested but CUDA is not available")
    if resolved.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device={device!r} was requested but MPS is not available")
    return resolved


@contextmanager
def x_must_be_numeric() -> Iterator[None]:
    """Turn numpy's "could not convert string to float" into an error that names ``X``."""
    try:
        yield
    except ValueError as exc:
        if "could not convert" in str(exc):
            raise ValueError(
                f"X must hold numbers; it holds values that are not ({exc}). Encode "
                "categorical features as numbers first (e.g. with OneHotEncoder)."
            ) from exc
        raise


def validate_xy(estimator, X, y, *, reset: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """Validate ``X`` (2-D, finite, numeric, dense) and ``y`` (1-D or 2-D, same length).

    A float32 ``X`` stays float32 and is not copied (a read-only memory map included); other
    numeric dtypes become float64. Sparse matrices are refused with a ``TypeError``: the
    critics take dense batches, and densifying silently could exhaust memory.

    Sets ``n_features_in_`` / ``feature_names_in_`` when ``reset``. ``y`` keeps its dtype
    (class labels may be strings); a numeric ``y`` must be finite.
    """
    with x_must_be_numeric():
        if y is None:
            X = validate_data(
                estimator, X, reset=reset, dtype=[np.float64, np.float32], ensure_min_samples=2
            )
            return X, None
        labels = pandas_labels(y)
        X, y = validate_data(
            estimator,
            X,
            y if labels is None else labels,
            reset=reset,
            dtype=[np.float64, np.float32],
            multi_output=True,
            y_numeric=False,
            ensure_min_samples=2,
        )
    if y.ndim > 2:
        raise ValueError(f"y must be 1-D or 2-D, got an array of shape {y.shape}")
    return X, finish_target(y, labels is not None)


def pandas_labels(y) -> np.ndarray | None:
    """A pandas target whose dtype means class labels, as an array whose dtype still does.

    scikit-learn's validation turns nullable ``Int64`` and ``boolean`` columns and
    categoricals with numeric categories into float64, which would read as a continuous
    target. Here ``Int*`` / ``UInt*`` become numpy integers, ``boolean`` numpy booleans and
    ``category`` an object array of its values (labels whatever the categories' type).
    Anything else, and a column with missing values (left for validation to report), gives
    ``None``.
    """
    if not hasattr(y, "iloc"):  # not pandas: pandas itself need not be importable
        return None
    import pandas as pd

    frame = isinstance(y, pd.DataFrame)
    if frame and y.shape[1] == 1:
        y = y.iloc[:, 0]
    if not isinstance(y, pd.Series) or y.isna().any():
        return None
    if isinstance(y.dtype, pd.CategoricalDtype):
        values = y.astype(object).to_numpy()
    elif pd.api.types.is_extension_array_dtype(y.dtype) and (
        pd.api.types.is_integer_dtype(y.dtype) or pd.api.types.is_bool_dtype(y.dtype)
    ):
        values = y.to_numpy(dtype=y.dtype.numpy_dtype)
    else:
        return None
    return values.reshape(-1, 1) if frame else values


def finish_target(y: np.ndarray, labels: bool) -> np.ndarray:
    """Numbers held in an object array become float64 (unless ``labels``); check finiteness.

    Object arrays of numbers (e.g. from pandas) are numbers; of strings, labels; from
    :func:`pandas_labels` (``labels=True``), labels whatever they hold.
    """
    if y.dtype.kind == "O" and not labels:
        try:
            y = y.astype(np.float64)
        except (TypeError, ValueError):
            pass
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError("Input y contains NaN or infinity.")
    return y


def is_discrete_target(y: np.ndarray, discrete_target: bool | str) -> bool:
    """Decide whether ``y`` holds class labels.

    ``"auto"``: a 1-D ``y`` of integer, boolean, string or object dtype is discrete (pandas
    ``Int64``, ``boolean`` and ``category`` arrive as such, see :func:`pandas_labels`);
    floats are continuous (as in :func:`sklearn.feature_selection.mutual_info_regression`),
    with a ``UserWarning`` when they look like integer-coded labels
    (:func:`integer_coded_levels`).
    """
    if discrete_target == "auto":
        discrete = (y.ndim == 1 or y.shape[1] == 1) and y.dtype.kind in "biuOSU"
        levels = None if discrete else integer_coded_levels(y)
        if levels is not None:
            warnings.warn(
                f"y is float but holds only {levels} distinct integer values; it is treated "
                "as a continuous target. If these are class labels, pass discrete_target=True "
                "(or give y an integer dtype); pass discrete_target=False to silence this.",
                UserWarning,
                stacklevel=caller_stacklevel(),
            )
        return discrete
    if discrete_target and y.ndim == 2 and y.shape[1] != 1:
        raise ValueError(f"discrete_target=True needs a 1-D y of class labels, got shape {y.shape}")
    return bool(discrete_target)


def integer_coded_levels(y: np.ndarray) -> int | None:
    """The number of distinct values of a float ``y`` that looks like integer-coded labels.

    That is a single column of floats, all of them integers, with 2 to ``MAX_CODED_LEVELS``
    distinct values and at least ``SAMPLES_PER_LEVEL`` samples per distinct value on
    average; else ``None``.

    Parameters
    ----------
    y : ndarray of shape (n_samples,) or (n_samples, 1)

    Returns
    -------
    levels : int or None
    """
    if y.dtype.kind != "f" or not (y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1)):
        return None
    values = y.reshape(-1)
    if not np.isfinite(values).all() or not np.array_equal(values, np.round(values)):
        return None
    levels = np.unique(values).size
    if 2 <= levels <= MAX_CODED_LEVELS and values.size >= SAMPLES_PER_LEVEL * levels:
        return levels
    return None


class Preprocessor:
    """Scales continuous coordinates and one-hot encodes class labels, fit on training data.

    MI is invariant under invertible per-coordinate maps, so scaling changes nothing in the
    quantity estimated and much in how fast the critic learns.

    Parameters
    ----------
    scaling : {"standard", "rank-gaussian"} or None
        ``"standard"`` removes the mean and divides by the standard deviation;
        ``"rank-gaussian"`` maps each coordinate through its empirical CDF to a standard
        normal (robust to heavy tails and outliers; ties in discrete coordinates break its
        invertibility). ``None`` leaves the data as given.
    discrete_target : bool or "auto"
        Whether ``y`` holds class labels.
    random_state : int
        Seed of the quantile subsampling.
    log_densities : bool, default=False
        Also estimate what entropies need under the rank-gaussian scaling: each
        coordinate's 1-D log-density (see :meth:`log_jacobian_x`).
    """

    def __init__(
        self,
        scaling: str | None,
        discrete_target: bool | str,
        random_state: int,
        log_densities: bool = False,
    ):
        self.scaling = scaling
        self.discrete_target = discrete_target
        self.random_state = random_state
        self.log_densities = log_densities

    def fit(self, X: np.ndarray, y: np.ndarray | None) -> Preprocessor:
        self.x_scaler_ = _fit_scaler(self.scaling, X, self.random_state, "X", self.log_densities)
        self.discrete_ = y is not None and is_discrete_target(y, self.discrete_target)
        self.y_scaler_ = None
        self.classes_ = None
        if y is None:
            self.dim_y_ = 0
        elif self.discrete_:
            self.classes_ = np.unique(y.reshape(-1))
            if self.classes_.size < 2:
                raise ValueError(
                    "y has a single class; the mutual information with a constant is 0 and "
                    "cannot be estimated. Check the target, or set discrete_target=False."
                )
            self.dim_y_ = self.classes_.size
        else:
            y2 = _as_2d_float(y)
            self.y_scaler_ = _fit_scaler(
                self.scaling, y2, self.random_state, "y", self.log_densities
            )
            self.dim_y_ = y2.shape[1]
        self.dim_x_ = X.shape[1]
        return self

    def transform_x(self, X: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Scaled ``X[rows]`` (all rows by default) as a new float32 array."""
        return _transform(self.x_scaler_, X, rows, "X")

    def transform_y(
        self, y: np.ndarray | None, n_samples: int, rows: np.ndarray | None = None
    ) -> np.ndarray:
        """Scaled continuous ``y[rows]`` or one-hot labels, as a new float32 array."""
        if y is None:
            return np.zeros((n_samples if rows is None else len(rows), 0), dtype=np.float32)
        if rows is not None:
            y = y[rows]
        if self.discrete_:
            labels = y.reshape(-1)
            codes = np.searchsorted(self.classes_, labels)
            codes = np.clip(codes, 0, self.classes_.size - 1)
            unseen = self.classes_[codes] != labels
            if unseen.any():
                raise ValueError(
                    f"y contains labels not seen in fit: {np.unique(labels[unseen])[:5]!r}"
                )
            onehot = np.zeros((labels.size, self.classes_.size), dtype=np.float32)
            onehot[np.arange(labels.size), codes] = 1.0
            return onehot
        y2 = _as_2d_float(y)
        if y2.shape[1] != self.dim_y_:
            raise ValueError(f"y has {y2.shape[1]} columns, but was fitted with {self.dim_y_}")
        return _transform(self.y_scaler_, y2, None, "y")

    def log_jacobian_x(self, x_scaled: np.ndarray) -> np.ndarray:
        """``log |det g'(x)|`` of the scaling ``g`` at every sample, from its scaled values.

        The entropy correction ``H(X) = H(g(X)) - E[log |det g'(X)|]``: a constant for a
        linear scaling; for the rank-gaussian scaling ``g = Φ⁻¹ ∘ F`` per coordinate,
        ``log f_j(x_j) - log φ(g_j(x_j))`` with ``f_j`` the 1-D m-spacing density estimate
        (:mod:`skmine._marginal`; needs ``log_densities=True``).

        Parameters
        ----------
        x_scaled : ndarray of shape (n_samples, dim_x)
            Output of :meth:`transform_x`.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return _log_jacobian(self.x_scaler_, x_scaled)

    def log_jacobian_y(self, y_scaled: np.ndarray) -> np.ndarray:
        """As :meth:`log_jacobian_x`, for a continuous ``y``."""
        if self.discrete_:
            raise ValueError("y is discrete: it has no differential entropy")
        return _log_jacobian(self.y_scaler_, y_scaled)


def _fit_scaler(
    scaling: str | None, A: np.ndarray, random_state: int, name: str, log_densities: bool = False
):
    """Fit the scaling of ``A`` in float64, a chunk of rows at a time (no full copy).

    The statistics are computed in float64 whatever ``A``'s dtype, so data of scale 1e30 or
    1e-30 stored as float32 neither overflows nor underflows before it is cast to float32.
    """
    if scaling is None:
        _check_unscaled_range(A, name)
        return None
    if scaling == "standard":
        scaler = StandardScaler()
        low, high = np.full(A.shape[1], np.inf), np.full(A.shape[1], -np.inf)
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported just below
            for start in range(0, A.shape[0], CHUNK_ROWS):
                chunk = np.asarray(A[start : start + CHUNK_ROWS], dtype=np.float64)
                scaler.partial_fit(chunk)
                low, high = np.minimum(low, chunk.min(axis=0)), np.maximum(high, chunk.max(axis=0))
        # A constant column must scale to exactly 0: its mean carries a rounding error that,
        # at a scale of 1e30, would leave values of order 1e15.
        constant = low == high
        scaler.mean_[constant], scaler.scale_[constant] = high[constant], 1.0
        if not (np.isfinite(scaler.mean_).all() and np.isfinite(scaler.scale_).all()):
            raise ValueError(
                f"{name} has values too large to standardise in float64 (their variance "
                "overflows); rescale the data first"
            )
        return scaler
    rows = np.arange(A.shape[0])
    if A.shape[0] > QUANTILE_SUBSAMPLE:
        rng = np.random.RandomState(random_state)
        rows = np.sort(rng.choice(A.shape[0], QUANTILE_SUBSAMPLE, replace=False))
    return RankGaussianScaler().fit(np.asarray(A[rows], dtype=np.float64), log_densities)


class RankGaussianScaler:
    """Each column through its empirical CDF to a standard normal score.

    The ``m = min(1000, n)`` quantiles of the training column at the probabilities
    ``(k + 1/2) / m`` are mapped to ``Φ⁻¹((k + 1/2) / m)``, linearly in probability in
    between; values outside the training range get the extreme scores (about ±2.8 for
    ``n = 400``, ±3.1 from ``n = 1000``), never an outlier. Ties (discrete columns) get the
    score of the middle of their probability range. Works in float64 at any scale, as the
    map depends only on the order of the values.
    """

    def fit(self, A: np.ndarray, log_densities: bool = False) -> RankGaussianScaler:
        """Fit the quantiles; with ``log_densities`` also the log-Jacobian at every sample.

        The log-Jacobian of ``g_j = Φ⁻¹ ∘ F_j`` is ``log f_j(x) - log φ(g_j(x))``, with the
        m-spacing estimate of ``-log f_j`` at each training value
        (:func:`~skmine._marginal.spacing_neg_log_density`). It is kept as a function of the
        scaled value (monotone in ``x``): knots at the training samples' scores, linear in
        between, so that on the training data it returns the spacing estimates themselves.
        """
        m = min(MAX_QUANTILES, A.shape[0])
        self.probabilities_ = (np.arange(m) + 0.5) / m
        self.quantiles_ = np.quantile(A, self.probabilities_, axis=0)
        self.knots_ = None
        if log_densities:
            self.knots_ = []
            columns = np.sort(A, axis=0)
            # The scores as transform() gives them (float32), so training values hit knots.
            scores = self.transform(columns).astype(np.float32).astype(np.float64)
            for j in range(A.shape[1]):
                neg_log_density = spacing_neg_log_density(columns[:, j])
                z = scores[:, j]
                value = -neg_log_density + 0.5 * z**2 + 0.5 * np.log(2 * np.pi)
                knots, inverse = np.unique(z, return_inverse=True)
                means = np.bincount(inverse, value) / np.bincount(inverse)
                self.knots_.append((knots, means))
        return self

    def log_jacobian(self, Z: np.ndarray) -> np.ndarray:
        """Sum over coordinates of ``log g_j'(x_j)`` at scaled values ``Z`` (per row)."""
        if self.knots_ is None:
            raise ValueError("fit(..., log_densities=True) is needed for the log-Jacobian")
        total = np.zeros(Z.shape[0])
        for j, (knots, values) in enumerate(self.knots_):
            total += np.interp(np.asarray(Z[:, j], dtype=np.float64), knots, values)
        return total

    def transform(self, A: np.ndarray) -> np.ndarray:
        p, q = self.probabilities_, self.quantiles_
        out = np.empty(A.shape, dtype=np.float64)
        for j in range(A.shape[1]):
            # Interpolating forwards and backwards and averaging puts ties mid-range.
            forward = np.interp(A[:, j], q[:, j], p)
            backward = -np.interp(-A[:, j], -q[::-1, j], -p[::-1])
            out[:, j] = special.ndtri(0.5 * (forward + backward))
        return out


def _check_unscaled_range(A: np.ndarray, name: str) -> None:
    """With ``scaling=None`` the critic sees the raw values: refuse scales it cannot learn."""
    if A.shape[0] == 0 or A.shape[1] == 0:
        return
    high, low = A.max(axis=0), A.min(axis=0)
    largest = float(np.maximum(np.abs(high), np.abs(low)).max())
    spread = (np.asarray(high, dtype=np.float64) - low)[high != low]
    if largest > MAX_UNSCALED:
        raise ValueError(
            f"{name} has values up to {largest:.3g} in magnitude; with scaling=None the critic "
            f"sees them raw (float32, limit {MAX_UNSCALED:g}). Use scaling='standard' or "
            "'rank-gaussian', or rescale the data."
        )
    if spread.size and spread.min() < MIN_UNSCALED_SPREAD:
        raise ValueError(
            f"{name} has a non-constant column whose values span only {spread.min():.3g}; with "
            "scaling=None the critic cannot resolve it in float32. Use scaling='standard' or "
            "'rank-gaussian', or rescale the data."
        )


def _transform(scaler, A: np.ndarray, rows: np.ndarray | None, name: str) -> np.ndarray:
    """``scaler`` applied to ``A[rows]`` in float64 chunks, written into a new float32 array."""
    n = A.shape[0] if rows is None else len(rows)
    out = np.empty((n, A.shape[1]), dtype=np.float32)
    for start in range(0, n, CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, n)
        block = A[start:stop] if rows is None else A[rows[start:stop]]
        if scaler is not None:
            block = scaler.transform(np.asarray(block, dtype=np.float64))
        out[start:stop] = block
        if not np.isfinite(out[start:stop]).all():
            raise ValueError(
                f"{name} overflows float32 after scaling; rescale the data (values must stay "
                "below 3.4e38 in magnitude)"
            )
    return out


def _as_2d_float(y: np.ndarray) -> np.ndarray:
    y2 = y.reshape(-1, 1) if y.ndim == 1 else y
    try:
        y2 = check_array(y2, dtype=[np.float64, np.float32], input_name="y")
    except ValueError as exc:
        raise ValueError(
            f"y could not be used as a continuous target ({exc}); pass discrete_target=True "
            "for class labels"
        ) from exc
    return y2


def _log_jacobian(scaler, scaled: np.ndarray) -> np.ndarray:
    n = scaled.shape[0]
    if scaler is None:
        return np.zeros(n)
    if isinstance(scaler, StandardScaler):
        return np.full(n, -np.log(scaler.scale_).sum())
    return scaler.log_jacobian(scaled)


def check_fraction(value: float, name: str) -> None:
    """Raise a ``ValueError`` unless ``0 < value < 1``."""
    if not isinstance(value, numbers.Real) or not 0.0 < value < 1.0:
        raise ValueError(f"{name} must be in (0, 1), got {value!r}")


def targets_type(y: np.ndarray) -> str:
    """The scikit-learn target type of ``y`` (for messages)."""
    return type_of_target(y)
