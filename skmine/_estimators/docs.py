"""Docstring fragments shared by the estimators, so each parameter is described once.

Defaults are never written by hand: :func:`fill_doc` reads them from the class's
``__init__`` signature, and fails at import if a parameter is left undocumented.
"""

from __future__ import annotations

import inspect
import re

COMMON_ENTRIES = {
    "hidden_layer_sizes": """    hidden_layer_sizes : int or array-like of int, default={default}
        Hidden widths of the default critic, an MLP on the concatenation ``[x, y]``; an int
        is one hidden layer, as in :class:`~sklearn.neural_network.MLPRegressor`.
""",
    "activation": """    activation : {"relu", "elu", "gelu", "silu", "tanh", "logistic", \
"softplus"}, default={default}
        Activation of the default critic.
""",
    "critic": """    critic : callable, default={default}
        ``critic(dim_x, dim_y) -> torch.nn.Module`` whose ``forward(x, y)`` returns one score
        per row; replaces the default critic (e.g. a convolutional network for images). Use a
        module-level function or class so that the estimator can be pickled.
""",
    "radial_features": """    radial_features : "auto" or bool, default={default}
        Whether the default critic also sees the radius of each side, ``u``: the mean
        square of its preprocessed ``x`` (of ``y``) minus 1; and the coordinates gated by
        it, ``tanh(u) * x``. Some dependences live in the radius (a shared scale, as in a
        multivariate Student-t) or are twisted by it (a spiral, whose angle grows with the
        radius), and a critic trained on a few thousand samples learns a radius spread over
        many coordinates, and its products with them, poorly. ``"auto"``: train the critics
        without and with these inputs, from the same seed, and keep the variant with the
        higher held-out bound (``mutual_info_raw_``), less the selection's expected lift
        (see ``selection_penalty_``). Both variants train side by side in one batched
        module and loop, each with its own checkpoint, and race: from the second evaluation
        a lead of 3 standard errors, at the third any lead, decides, and only the winner
        trains on (at half the cost per step). ``True`` / ``False``:
        train only that variant. A user ``critic`` is trained as given (``True`` is then an
        error).
""",
    "batch_size": """    batch_size : int, default={default}
        Samples per minibatch of each fold's critic.
""",
    "learning_rate_init": """    learning_rate_init : float, default={default}
        Adam's learning rate.
""",
    "weight_decay": """    weight_decay : float, default={default}
        Decoupled weight decay of the critic's parameters (AdamW; each step multiplies
        them by ``1 - learning_rate_init * weight_decay``). 0 trains with plain Adam.
""",
    "max_iter": """    max_iter : int, default={default}
        Maximum number of training iterations (minibatch steps).
""",
    "early_stopping": """    early_stopping : bool, default={default}
        Stop once the held-out objective has clearly left its best. An evaluation improves on
        the best when it exceeds it by ``tol`` and by half its standard error; after
        ``n_iter_no_change`` evaluations without improvement the learning rate is halved,
        twice at most, and the third time training stops; it also stops as soon as the
        held-out objective falls 3 standard errors below its best (a critic that has begun
        to overfit does not come back). With several critic variants (``radial_features``)
        each variant stops on its own and keeps its own checkpoint. The held-out folds exist
        either way.
""",
    "cv": """    cv : int, cross-validation generator or iterable, default={default}
        Cross-fitting: with ``k`` folds, ``k`` critics are trained together (one batched
        module), critic ``j`` on every fold but ``j``, and each is read out on its own fold,
        so every sample is held out exactly once and the estimate uses all of them. An int
        gives shuffled :class:`~sklearn.model_selection.KFold` folds; a splitter (e.g.
        :class:`~sklearn.model_selection.GroupKFold` for grouped samples) must give
        disjoint test sets. See the estimate policy in the Notes.
""",
    "bias_correction": """    bias_correction : {"optimism"} or None, default={default}
        How the held-out bound's finite-sample shortfall is removed (see the Notes and the
        user guide's estimate policy). ``"optimism"``: each critic is also read out on its
        own training samples, and ``mutual_info_`` is the midpoint of that apparent bound
        and the held-out one (to first order a fitted critic gains as much on its training
        samples as it loses on new ones); the interval runs from the held-out bound to the
        apparent one, widened by the sampling noise. No extra training. ``None``: the
        held-out bound, uncorrected. ``mutual_info_raw_`` always holds the held-out value.
""",
    "confidence_level": """    confidence_level : float, default={default}
        Level of the ``*_ci_`` intervals.
""",
    "n_iter_no_change": """    n_iter_no_change : int, default={default}
        Evaluations without improvement before the learning rate is halved (and, after two
        halvings, before training stops); see ``early_stopping``.
""",
    "tol": """    tol : float, default={default}
        Improvement (nats) that counts for early stopping and checkpointing.
""",
    "eval_interval": """    eval_interval : int, default={default}
        Training iterations between held-out evaluations.
""",
    "max_grad_norm": """    max_grad_norm : float or None, default={default}
        Clip each critic's gradient norm to this value; ``None`` disables clipping.
""",
    "scaling": """    scaling : {"rank-gaussian", "standard"} or None, default={default}
        Per-coordinate map of ``X`` and a continuous ``y`` before training. MI is invariant
        under strictly monotone maps of each coordinate, so this changes only how fast and
        how well the critic learns. ``"rank-gaussian"`` sends each coordinate through its
        empirical CDF to a standard normal: as good as standardisation on Gaussian data and
        far better with heavy tails (``benchmarks/scaling.py``). ``"standard"`` removes the
        mean and divides by the standard deviation (keeping ties and gaps that the ranks
        would spread); ``None`` trains on the data as given.
""",
    "discrete_target": """    discrete_target : bool or "auto", default={default}
        Whether ``y`` holds class labels (one-hot encoded for the critic). ``"auto"``: a 1-D
        ``y`` of integer, boolean, string or object dtype is discrete, and so is a pandas
        ``Int64`` / ``boolean`` / ``category`` one; floats are continuous, with a
        ``UserWarning`` when they look like integer-coded labels (at most 20 distinct
        integer values, at least 10 samples per value).
""",
    "device": """    device : str or torch.device, default={default}
        Where to train: ``"auto"`` (CUDA when available, else CPU), ``"cpu"``, ``"cuda:1"``...
""",
    "n_threads": """    n_threads : int or None, default={default}
        Torch intra-op threads while fitting and scoring (restored afterwards); ``None``
        keeps torch's setting (all cores, or ``OMP_NUM_THREADS``). A small critic's step is
        short: with another program holding a core, or several fits in parallel, use 1.
""",
    "random_state": """    random_state : int, RandomState instance or None, default={default}
        Seeds the folds, the critics' initialisation and the minibatches. With an int, fits
        on the CPU are reproducible bit for bit.
""",
    "verbose": """    verbose : int, default={default}
        ``1``: a progress bar on stderr (:mod:`tqdm`: iterations, the held-out estimate, rate
        and time left; at the end why training stopped and which checkpoint is reported).
        ``2``: also one line per evaluation on stdout.
""",
}


RADIAL_ATTRIBUTES = """    radial_features_ : bool
        Whether the kept critics see the radial features.
    candidates_ : dict of str to float
        The held-out bound (nats, uncorrected) of each variant trained, ``"plain"`` and/or
        ``"radial"``, when the kept one was chosen: the best evaluation of each when the
        race between them ended (see the user guide), or their final readouts when both
        trained to the end.
    selection_penalty_ : float
        What was subtracted from the kept variant's estimate, interval and held-out value
        for picking the larger of two held-out bounds on the same samples: the expected
        lift of the maximum of two normal values with the difference and standard errors
        of ``candidates_`` in quadrature (nats; 0 when one variant was trained).
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
    knn_mutual_info_ : float or None
        A k-NN (KSG, k=3) estimate of the same preprocessed data, read after training as a
        check: when it exceeds the high end of ``mutual_info_ci_`` by more than its noise, a
        warning says that the critics missed part of the dependence. ``None`` for class
        labels, more than 64 dimensions, fewer than 20 samples or a fit of ``X`` alone.
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
        fold, of the kept critic variant), on the CPU: ``critic_(x, y)`` takes
        ``(n_critics, n, dim)`` inputs (:class:`MINEE`'s ``critic_(rows)`` takes the joint
        rows and returns a dict per variable).
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


def format_default(value) -> str:
    """A default as the signature writes it (``2e-3``, not ``0.002``)."""
    if isinstance(value, float) and value != 0 and abs(value) < 1e-2:
        return f"{value:.0e}".replace("e-0", "e-")
    return repr(value).replace("'", '"')


_ENTRY = re.compile(r"^    (\w+) : (.+), default=.*$", re.MULTILINE)
# A parameter's whole entry: its ``name : type`` line and the indented lines under it.
_BLOCK = re.compile(r"^    (\w+) : [^\n]*\n(?:(?:        [^\n]*)?\n)*?(?=    \S|\Z)", re.MULTILINE)


def fill_doc(cls: type) -> type:
    """Expand ``%(common_parameters)s`` and ``%(common_attributes)s`` in ``cls.__doc__``.

    The shared parameters present in the signature are inserted, in signature order, where
    the class does not describe them itself; then every ``name : type, default=...`` line
    of the docstring gets the signature's default. A parameter of the signature without an
    entry raises ``TypeError`` when the class is defined.
    """
    signature = inspect.signature(cls.__init__)
    defaults = {name: p.default for name, p in signature.parameters.items() if name != "self"}
    doc = cls.__doc__
    # A class may describe a shared parameter itself (MINEE's ``batch_size``): its entry is
    # moved to the parameter's place in the signature, as numpydoc's order check expects.
    own = {}

    def take(match: re.Match) -> str:
        if match.group(1) in COMMON_ENTRIES:
            own[match.group(1)] = match.group(0)
            return ""
        return match.group(0)

    head, marker, tail = doc.partition("    %(common_parameters)s\n")
    doc = _BLOCK.sub(take, head) + marker + tail
    shared = "".join(
        own.get(name, COMMON_ENTRIES[name])
        for name in defaults
        if name in COMMON_ENTRIES or name in own
    )
    doc = doc.replace("    %(common_parameters)s\n", shared)
    selects = getattr(cls, "_selects_critic_variant", "radial_features" in defaults)
    attributes = COMMON_ATTRIBUTES + (RADIAL_ATTRIBUTES if selects else "")
    doc = doc.replace("    %(common_attributes)s\n", attributes)
    documented = set()

    def with_default(match: re.Match) -> str:
        name = match.group(1)
        if name not in defaults:
            return match.group(0)
        documented.add(name)
        return f"    {name} : {match.group(2)}, default={format_default(defaults[name])}"

    doc = _ENTRY.sub(with_default, doc.replace("{", "{").replace("}", "}") if False else doc)
    missing = set(defaults) - documented
    if missing:
        raise TypeError(f"{cls.__name__}: parameters without a docstring entry: {sorted(missing)}")
    cls.__doc__ = doc
    return cls
