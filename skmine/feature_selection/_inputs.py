"""Validation and encoding of a feature matrix and a target for the feature-selection tools.

Continuous features are mapped to standard normal scores through their empirical
distribution (MI is invariant under such monotone maps); a discrete feature becomes the
standardised code of its value, a bijection that keeps its ties.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_X_y

from .._engine.data import _fit_scaler, _transform, finish_target, pandas_labels, x_must_be_numeric


def validate_features_target(X, y) -> tuple[np.ndarray | sp.csc_matrix, np.ndarray]:
    labels = pandas_labels(y)
    with x_must_be_numeric():
        X, y = check_X_y(
            X,
            y if labels is None else labels,
            accept_sparse="csc",
            dtype=[np.float64, np.float32],
            multi_output=True,
            y_numeric=False,
            ensure_min_samples=8,
        )
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    return X, finish_target(y, labels is not None)


def discrete_mask_of(discrete_features, X) -> np.ndarray:
    n_features = X.shape[1]
    if isinstance(discrete_features, str):
        discrete_features = sp.issparse(X)
    if isinstance(discrete_features, (bool, np.bool_)):
        return np.full(n_features, bool(discrete_features))
    given = np.asarray(discrete_features)
    if given.dtype == bool:
        if given.shape != (n_features,):
            raise ValueError(
                f"discrete_features mask has shape {given.shape}, expected ({n_features},)"
            )
        return given
    if given.dtype.kind not in "iu" or given.ndim != 1:
        raise ValueError("discrete_features must be 'auto', a bool, a boolean mask or indices")
    if given.size and (given.min() < -n_features or given.max() >= n_features):
        raise ValueError(f"discrete_features indices out of range for {n_features} features")
    mask = np.zeros(n_features, dtype=bool)
    mask[given] = True
    return mask


def first_column(X) -> np.ndarray:
    """The first feature as a dense (n_samples, 1) array (what the target's encoder needs)."""
    column = X[:, :1]
    return column.toarray() if sp.issparse(column) else column


def encode_features(X_block, discrete: np.ndarray, seed: int) -> np.ndarray:
    """Map a block of features to the critics' inputs (float32, n_samples x block)."""
    X_block = X_block.toarray() if sp.issparse(X_block) else np.asarray(X_block)
    out = np.empty(X_block.shape, dtype=np.float32)
    if (~discrete).any():
        # The estimators' own rank-gaussian scaling: float64 chunks, safe at any scale.
        continuous = X_block[:, ~discrete]
        scaler = _fit_scaler("rank-gaussian", continuous, seed, "X")
        out[:, ~discrete] = _transform(scaler, continuous, None, "X")
    for j in np.flatnonzero(discrete):
        codes = np.unique(X_block[:, j], return_inverse=True)[1].astype(np.float64)
        spread = codes.std()
        out[:, j] = (codes - codes.mean()) / (spread if spread > 0 else 1.0)
    return out
