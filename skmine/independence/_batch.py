"""Many conditional-independence tests on the columns of one data set, in parallel."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from numbers import Integral

import numpy as np
from joblib import Parallel, delayed
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array

from ._conditional_permutation import CITestResult, ci_test


def ci_tests(
    data,
    queries: Iterable[tuple],
    *,
    n_jobs: int | None = None,
    random_state=None,
    **settings,
) -> list[CITestResult]:
    """Run :func:`ci_test` for each ``(X, Y, Z)`` query on the columns of ``data``.

    The tests are independent fits, spread over ``n_jobs`` workers with joblib, so that any
    joblib backend runs them: processes by default, a Dask cluster inside
    ``joblib.parallel_config(backend="dask")``.

    Parameters
    ----------
    data : array-like of shape (n_samples, n_variables)
        The data set; finite numbers.
    queries : iterable of tuple
        ``(x, y)`` or ``(x, y, z)``: ``x`` and ``y`` a column index or a sequence of them,
        ``z`` a sequence of column indices (empty or ``None``: an unconditional test). The
        three must not share a column.
    n_jobs : int, default=None
        Tests run at once (joblib's convention: ``None`` is one unless a
        ``parallel_config`` says otherwise, ``-1`` all cores). With more than one, each
        test's estimator uses one torch thread unless ``estimator_params`` says otherwise.
    random_state : int, RandomState instance or None, default=None
        Draws one seed per query, in the order of ``queries``: the results do not depend
        on ``n_jobs`` or on the backend (given the same ``n_threads``).
    **settings
        Keyword arguments of :func:`ci_test` (``n_permutations``, ``n_neighbors``,
        ``test_size``, ``estimator_params``).

    Returns
    -------
    list of CITestResult
        One per query, in the order of ``queries``.

    Examples
    --------
    >>> import numpy as np
    >>> from skmine.independence import ci_tests
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=500)
    >>> data = np.column_stack([z + rng.normal(size=500), z + rng.normal(size=500), z])
    >>> results = ci_tests(data, [(0, 1), (0, 1, [2])], random_state=0,
    ...                    estimator_params={"max_iter": 300})
    >>> [bool(r.pvalue < 0.05) for r in results]
    [True, False]
    """
    array = check_array(data, dtype=np.float64, input_name="data")
    checked = [_check_query(query, array.shape[1]) for query in queries]
    seeds = check_random_state(random_state).randint(np.iinfo(np.int32).max, size=len(checked))
    parallel = Parallel(n_jobs=n_jobs)
    params = dict(settings.get("estimator_params") or {})
    if parallel.n_jobs != 1:
        params.setdefault("n_threads", 1)
    settings = {**settings, "estimator_params": params}
    return parallel(
        delayed(ci_test)(
            array[:, x], array[:, y], array[:, z] if z else None, random_state=seed, **settings
        )
        for (x, y, z), seed in zip(checked, seeds, strict=True)
    )


def _check_query(query, n_columns: int) -> tuple[list[int], list[int], list[int]]:
    """A query as three lists of column indices, checked against ``data``'s columns."""
    if not isinstance(query, Sequence) or len(query) not in (2, 3):
        raise ValueError(f"each query must be (x, y) or (x, y, z); got {query!r}")
    parts = [_columns(part, n_columns, query) for part in query]
    if len(parts) == 2 or not parts[2]:
        parts = [parts[0], parts[1], []]
    x, y, z = parts
    if not x or not y:
        raise ValueError(f"x and y of a query need at least one column; got {query!r}")
    shared = (set(x) & set(y)) | (set(x) & set(z)) | (set(y) & set(z))
    if shared:
        raise ValueError(f"x, y and z of a query must not share columns; {query!r} shares {shared}")
    return x, y, z


def _columns(part, n_columns: int, query) -> list[int]:
    if part is None:
        return []
    indices = [part] if isinstance(part, Integral) else list(part)
    for index in indices:
        if not isinstance(index, Integral) or not -n_columns <= index < n_columns:
            raise ValueError(
                f"query {query!r} names column {index!r}; data has {n_columns} columns"
            )
    return [int(index) % n_columns for index in indices]
