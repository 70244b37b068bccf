"""Docstring fragments shared by the estimators, so each parameter is described once."""

from __future__ import annotations

from collections.abc import Callable


def _short_float(value: float) -> str:
    """``2e-3`` rather than ``0.002``, as the defaults are written in the signatures."""
    return f"{value:.0e}".replace("e-0", "e-")


def common_parameters(
    activation: str,
    scaling: str | None,
    max_grad_norm: float | None,
    batch_size: int | str,
    hidden_layer_sizes: tuple[int, ...] = (100, 100),
    learning_rate_init: float = 1e-3,
    weight_decay: float = 0.0,
    bias_correction: str | None = "optimism",
    radial_features: bool = False,
) -> str:
    """The numpydoc entries of the parameters every estimator shares, with its defaults."""
    if bias_correction == "optimism":
        correction_entry = """    bias_correction : {"optimism", "extrapolation"} or None, \
default="optimism"
        How the held-out bound's finite-sample shortfall is removed (see the Notes and the
        user guide's estimate policy). ``"optimism"``: each critic is also read out on its
        own training samples, and ``mutual_info_`` is the midpoint of that apparent bound
        and the held-out one (to first order a fitted critic gains as much on its training
        samples as it loses on new ones); the interval runs from the held-out bound to the
        apparent one, widened by the sampling noise. No extra training.
        ``"extrapolation"``: also train, per fold, a critic on a random half of the fold's
        training samples and extrapolate the two held-out values along
        ``I(m) = I_inf - a / m`` (``2 I(m) - I(m/2)``; twice the critics). ``None``: the
        held-out bound, uncorrected. ``mutual_info_raw_`` always holds the held-out value.
"""
    else:
        correction_entry = """    bias_correction : {"extrapolation"} or None, default=None
        ``"extrapolation"``: also train, per fold, a critic on a random half of the fold's
        training samples and extrapolate the two held-out values to infinite training data
        along ``I(m) = I_inf - a / m`` (``2 I(m) - I(m/2)``; twice the critics;
        ``mutual_info_raw_`` keeps the uncorrected value). ``None``: uncorrected. The
        ``"optimism"`` correction of :class:`MINE` is not implemented for the entropy
        critics.
"""
    scaling_default = repr(scaling) if scaling is not None else "None"
    if isinstance(batch_size, str):
        batch_entry = f'''    batch_size : int or "auto", default="{batch_size}"
        Samples per minibatch of each fold's critic; ``"auto"`` is described in the Notes.
'''
    else:
        batch_entry = f"""    batch_size : int, default={batch_size}
        Samples per minibatch of each fold's critic.
"""
    if radial_features:  # listed after ``critic``, before the batch size
        batch_entry = RADIAL_ENTRY + batch_entry
    return f'''    hidden_layer_sizes : array-like of int, default={hidden_layer_sizes}
        Hidden widths of the default critic, an MLP on the concatenation ``[x, y]``.
    activation : {{"relu", "elu", "gelu", "tanh", "logistic", "softplus"}}, \
default="{activation}"
        Activation of the default critic.
    critic : callable, default=None
        ``critic(dim_x, dim_y) -> torch.nn.Module`` whose ``forward(x, y)`` returns one score
        per row; replaces the default critic (e.g. a convolutional network for images). Use a
        module-level function or class so that the estimator can be pickled.
{batch_entry}    learning_rate_init : float, default={_short_float(learning_rate_init)}
        Adam's learning rate.
    weight_decay : float, default={weight_decay}
        Decoupled weight decay of the critic's parameters (AdamW; each step multiplies
        them by ``1 - learning_rate_init * weight_decay``). 0 trains with plain Adam.
    max_iter : int, default=5000
        Maximum number of training iterations (minibatch steps).
    early_stopping : bool, default=True
        Stop when the held-out objective has not improved by ``tol`` for ``n_iter_no_change``
        consecutive evaluations. The held-out folds exist either way.
    cv : int, cross-validation generator, iterable or None, default=3
        Cross-fitting: with ``k`` folds, ``k`` critics are trained together (one batched
        module), critic ``j`` on every fold but ``j``, and each is read out on its own fold,
        so every sample is held out exactly once and the estimate uses all of them. An int
        gives shuffled :class:`~sklearn.model_selection.KFold` folds; a splitter (e.g.
        :class:`~sklearn.model_selection.GroupKFold` for grouped samples) must give
        disjoint test sets. ``None``: one random split holding out ``validation_fraction``
        (the policy before cross-fitting). See the estimate policy in the Notes.
{correction_entry}    confidence_level : float, default=0.95
        Level of the ``*_ci_`` intervals.
    validation_fraction : float, default=0.2
        Fraction of samples held out by the single split of ``cv=None``; unused otherwise.
    n_iter_no_change : int, default=10
        Evaluations without improvement before early stopping.
    tol : float, default=1e-3
        Improvement (nats) that counts for early stopping and checkpointing.
    eval_interval : int, default=100
        Training iterations between held-out evaluations.
    max_grad_norm : float, default={max_grad_norm}
        Clip the gradient's norm to this value; ``None`` disables clipping.
    scaling : {{"rank-gaussian", "standard"}} or None, default={scaling_default}
        Per-coordinate map of ``X`` and a continuous ``y`` before training. MI is invariant
        under strictly monotone maps of each coordinate, so this changes only how fast and
        how well the critic learns. ``"rank-gaussian"`` sends each coordinate through its
        empirical CDF to a standard normal: as good as standardisation on Gaussian data and
        far better with heavy tails (``benchmarks/scaling.py``). ``"standard"`` removes the
        mean and divides by the standard deviation.
    discrete_target : bool or "auto", default="auto"
        Whether ``y`` holds class labels (one-hot encoded for the critic). ``"auto"``: a 1-D
        ``y`` of integer, boolean, string or object dtype is discrete, and so is a pandas
        ``Int64`` / ``boolean`` / ``category`` one; floats are continuous, with a
        ``UserWarning`` when they look like integer-coded labels (at most 20 distinct
        integer values, at least 10 samples per value).
    device : str or torch.device, default="auto"
        Where to train: ``"auto"`` (CUDA when available, else CPU), ``"cpu"``, ``"cuda:1"``...
    n_threads : int, default=None
        Torch intra-op threads while fitting and scoring (restored afterwards); ``None``
        keeps torch's setting (all cores, or ``OMP_NUM_THREADS``). A small critic's step is
        short: with another program holding a core, or several fits in parallel, use 1
        (``benchmarks/threads.py``: see the README's thread policy).
    random_state : int, RandomState instance or None, default=None
        Seeds the folds, the critics' initialisation and the minibatches. With an int, fits
        on the CPU are reproducible bit for bit.
    verbose : int, default=0
        ``1``: a progress bar on stderr (:mod:`tqdm`: iterations, the held-out estimate, rate
        and time left; at the end why training stopped and which checkpoint is reported).
        ``2``: also one line per evaluation on stdout.
'''


RADIAL_ENTRY = """    radial_features : "auto" or bool, default="auto"
        Whether the default critic also sees the radius of each side, ``u``: the mean
        square of its preprocessed ``x`` (of ``y``) minus 1; and the coordinates gated by
        it, ``tanh(u) * x``. Some dependences live in the radius (a shared scale, as in a
        multivariate Student-t) or are twisted by it (a spiral, whose angle grows with the
        radius), and a critic trained on a few thousand samples learns a radius spread over
        many coordinates, and its products with them, poorly. ``"auto"``: train the critics
        without and with these inputs, from the same seed, and keep the variant with the
        higher held-out bound
        (``mutual_info_raw_``), less the selection's expected lift (see
        ``selection_penalty_``); twice the training. ``True`` / ``False``: train only that
        variant. A user ``critic`` is trained as given (``True`` is then an error).
"""

RADIAL_ATTRIBUTES = """    radial_features_ : bool
        Whether the kept critics see the radial features.
    candidates_ : dict of str to float
        The held-out bound (nats, uncorrected, before the selection penalty) of each
        variant trained: ``"plain"`` and/or ``"radial"``.
    selection_penalty_ : float
        What was subtracted from the kept variant's estimate, interval and held-out value
        for picking the larger of two held-out bounds on the same samples: the expected
        lift of the maximum of two normal values with the observed difference and their
        standard errors in quadrature (nats; 0 when one variant was trained).
"""

COMMON_ATTRIBUTES = """    mutual_info_raw_ : float
        The cross-fitted held-out estimate without the bias correction (equal to
        ``mutual_info_`` when ``bias_correction=None``).
    mutual_info_std_ : float
        Standard error of ``mutual_info_`` (nats), from the data: the larger of the
        held-out samples' influence-function variance and the spread of the fold estimates.
        It covers sampling noise, not a critic that cannot represent the dependence.
    mutual_info_ci_ : tuple of float
        ``(low, high)`` normal interval at ``confidence_level``, widened on both sides by
        the optimism correction when it applies, its low end clipped at 0.
    n_folds_ : int
        Number of cross-fitting folds.
    history_ : list of dict
        One record per evaluation: ``iteration``, ``train`` (mean minibatch estimate since
        the last evaluation), ``validation`` (the held-out objective used for checkpointing),
        ``mutual_info`` (held-out MI estimate over all folds, with ``mutual_info_raw`` and
        ``mutual_info_std``; the optimism correction needs the final readout on the training
        samples and is not in it) and estimator-specific entries; with
        ``fit(..., eval_set=...)`` also ``eval_set``. ``pandas.DataFrame(history_)``
        tabulates it.
    n_iter_ : int
        Training iterations run.
    best_iteration_ : int
        Iteration of the restored checkpoint.
    stop_reason_ : str
        ``"max_iter"``, ``"early_stopping"``, ``"non_finite"`` or ``"interrupted"``.
    critic_ : torch.nn.Module
        The trained critics at their best checkpoint, stacked on a leading axis (one per
        fold, then one per fold for the half-size critics of the bias correction), on the
        CPU: ``critic_(x, y)`` takes ``(n_critics, n, dim)`` inputs (:class:`MINEE`'s
        ``critic_(rows)`` takes the joint rows and returns a dict per variable).
    device_ : torch.device
        Where the critic was trained.
    classes_ : ndarray
        Class labels of a discrete ``y`` (only then).
    preprocessor_ : object
        The fitted scaling / label encoding.
    n_features_in_ : int
        Number of features of ``X``.
    feature_names_in_ : ndarray of str
        Names of the features of ``X``, when it has string column names.
"""


def fill_doc(
    activation: str,
    scaling: str | None,
    max_grad_norm: float | None = None,
    batch_size: int | str = 256,
    hidden_layer_sizes: tuple[int, ...] = (100, 100),
    learning_rate_init: float = 1e-3,
    weight_decay: float = 0.0,
    bias_correction: str | None = "optimism",
    radial_features: bool = False,
) -> Callable[[type], type]:
    """Class decorator replacing ``%(common_parameters)s`` / ``%(common_attributes)s``."""

    def decorate(cls: type) -> type:
        doc = cls.__doc__
        doc = doc.replace(
            "    %(common_parameters)s\n",
            common_parameters(
                activation,
                scaling,
                max_grad_norm,
                batch_size,
                hidden_layer_sizes,
                learning_rate_init,
                weight_decay,
                bias_correction,
                radial_features,
            ),
        )
        attributes = COMMON_ATTRIBUTES + (RADIAL_ATTRIBUTES if radial_features else "")
        cls.__doc__ = doc.replace("    %(common_attributes)s\n", attributes)
        return cls

    return decorate
