"""Conditional mutual information I(X; y | Z) from two MINE fits (the chain rule)."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted

from .._engine.readout import difference, fitted_estimate
from .._engine.signature import derived_init
from .base import BaseMIEstimator
from .docs import fill_doc
from .mine import MINE


@fill_doc
class ConditionalMINE(BaseEstimator):
    """Conditional mutual information ``I(X; y | Z)`` by MINE and the chain rule.

    By the chain rule of mutual information, ``I(X; y | Z) = I(y; (X, Z)) - I(y; Z)``:
    the information ``y`` shares with ``X`` and ``Z`` together, less what it shares with
    ``Z`` alone. Each term is estimated by a :class:`MINE` fit with this estimator's
    parameters and the same ``random_state`` (so both see the same folds and minibatch
    order), and the estimate is their difference.

    Parameters
    ----------
    bound : {"mine", "nwj", "dv", "smile"}, default="mine"
        Training objective of both MINE fits (see :class:`MINE`).
    ema_decay : float, default=0.01
        Weight of the newest minibatch in MINE's moving average.
    %(common_parameters)s

    Attributes
    ----------
    mutual_info_ : float
        Estimated conditional mutual information in nats: ``I(y; (X, Z)) - I(y; Z)``, the
        difference of the two fits' ``mutual_info_`` (each optimism-corrected). Not clipped
        at 0: when ``X`` and ``y`` are conditionally independent it is about as often
        slightly negative as slightly positive.
    mutual_info_raw_ : float
        The difference of the two fits' held-out bounds, uncorrected.
    mutual_info_std_ : float
        Standard error of ``mutual_info_``: the two fits' standard errors in quadrature. The
        two terms are estimated on the same samples and their errors are positively
        correlated, so this errs on the large side.
    mutual_info_ci_ : tuple of float
        ``confidence_level`` interval: ``mutual_info_`` plus or minus ``z`` standard errors
        and both fits' optimism corrections (each is as uncertain as it is large), clipped
        at 0.
    joint_estimator_ : MINE
        The fit of ``I(y; (X, Z))`` (its first variable is ``[X, Z]``).
    conditioning_estimator_ : MINE
        The fit of ``I(y; Z)``.
    history_ : dict of str to list of dict
        Both fits' training histories, under ``"joint"`` and ``"conditioning"``.
    n_iter_ : int
        Training iterations of both fits together.
    n_features_in_ : int
        Number of columns of ``X``.
    n_conditioning_ : int
        Number of columns of ``Z``.
    classes_ : ndarray
        The class labels, when ``y`` was taken as class labels.

    See Also
    --------
    MINE : The unconditional estimator both terms are fitted with.

    Notes
    -----
    **Estimate policy.** Each term follows :class:`MINE`'s policy (cross-fitted critics,
    optimism correction, interval). The difference inherits both terms' errors: MINE's
    estimates err low, by a few percent of each term, so on a task where ``Z`` carries much
    information about ``y`` the difference is less accurate than either term relative to
    its size. ``y`` may be class labels (``discrete_target``), as in :class:`MINE`: both
    terms then treat it so, which is why ``y`` (not ``X``) is the side shared by the terms.

    A fit costs two MINE fits, on ``dim X + dim Z`` and ``dim Z`` columns.

    Examples
    --------
    >>> from skmine import ConditionalMINE
    >>> from skmine.datasets import gaussian_chain
    >>> X, y, Z, cmi = gaussian_chain(2000, random_state=0)
    >>> est = ConditionalMINE(random_state=0).fit(X, y, Z=Z)
    >>> round(cmi, 3)
    0.717
    >>> bool(abs(est.mutual_info_ - cmi) < 0.1)
    True
    """

    _parameter_constraints: dict = dict(MINE._parameter_constraints)

    __init__ = derived_init(MINE.__init__)

    _set_init_params = BaseMIEstimator._set_init_params

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, *, Z=None):
        """Estimate ``I(X; y | Z)`` with two MINE fits.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            First variable.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Second variable: continuous values or class labels.
        Z : array-like of shape (n_samples, n_conditioning)
            The conditioning variable (required); a 1-D array is one column.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X_arr, Z_arr = self._check_xz(X, y, Z, reset=True)
        # One integer seed for both fits: the same folds and minibatch order, so that their
        # errors are alike and largely cancel in the difference.
        seed = self.random_state
        if not isinstance(seed, numbers.Integral):
            seed = int(check_random_state(seed).randint(np.iinfo(np.int32).max))
        params = {**self.get_params(), "random_state": seed}
        joint = MINE(**params).fit(np.hstack([X_arr, Z_arr]), y)
        conditioning = MINE(**params).fit(Z_arr, y)
        estimate = difference(
            fitted_estimate(joint, "mutual_info"), fitted_estimate(conditioning, "mutual_info")
        )
        self.joint_estimator_ = joint
        self.conditioning_estimator_ = conditioning
        self.mutual_info_ = estimate.value
        self.mutual_info_raw_ = estimate.raw
        self.mutual_info_std_ = estimate.std
        self.mutual_info_ci_ = estimate.interval(self.confidence_level, lower=0.0)
        self.history_ = {"joint": joint.history_, "conditioning": conditioning.history_}
        self.n_iter_ = joint.n_iter_ + conditioning.n_iter_
        if hasattr(joint, "classes_"):
            self.classes_ = joint.classes_
        elif hasattr(self, "classes_"):
            del self.classes_
        return self

    def score(self, X, y, Z=None) -> float:
        """The fitted critics' conditional MI bound on the given data (nats).

        ``joint_estimator_.score`` on ``([X, Z], y)`` less ``conditioning_estimator_.score``
        on ``(Z, y)``: uncorrected, deterministic. To score in
        :class:`~sklearn.model_selection.GridSearchCV`, route ``Z`` to ``score`` as well as
        to ``fit`` (scikit-learn's metadata routing, ``set_score_request(Z=True)``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            First variable.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Second variable.
        Z : array-like of shape (n_samples, n_conditioning)
            Conditioning variable (required).

        Returns
        -------
        score : float
            The bound in nats.
        """
        check_is_fitted(self, "joint_estimator_")
        X_arr, Z_arr = self._check_xz(X, y, Z, reset=False)
        joint = self.joint_estimator_.score(np.hstack([X_arr, Z_arr]), y)
        return joint - self.conditioning_estimator_.score(Z_arr, y)

    def _check_xz(self, X, y, Z, *, reset: bool) -> tuple[np.ndarray, np.ndarray]:
        """``X`` and ``Z`` as 2-D float arrays of the same length as ``y``, or an error."""
        name = type(self).__name__
        if Z is None:
            raise ValueError(
                f"{name} estimates I(X; y | Z) and requires the conditioning variable: "
                "call fit(X, y, Z=Z). For I(X; y) without conditioning use MINE."
            )
        if y is None:
            raise ValueError(f"{name} requires y to be passed, but the target y is None")
        X_arr = check_array(X, dtype=np.float64, input_name="X")
        Z_arr = check_array(Z, dtype=np.float64, ensure_2d=False, input_name="Z")
        if Z_arr.ndim == 1:
            Z_arr = Z_arr.reshape(-1, 1)
        n_y = len(y)
        if not X_arr.shape[0] == Z_arr.shape[0] == n_y:
            raise ValueError(
                f"X, y and Z must have the same number of samples; got {X_arr.shape[0]}, "
                f"{n_y} and {Z_arr.shape[0]}"
            )
        if reset:
            self.n_features_in_ = X_arr.shape[1]
            self.n_conditioning_ = Z_arr.shape[1]
        else:
            for array, expected, what in (
                (X_arr, self.n_features_in_, "X"),
                (Z_arr, self.n_conditioning_, "Z"),
            ):
                if array.shape[1] != expected:
                    raise ValueError(
                        f"{what} has {array.shape[1]} columns, but {name} was fitted with "
                        f"{expected}"
                    )
        return X_arr, Z_arr

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.non_deterministic = False
        return tags
