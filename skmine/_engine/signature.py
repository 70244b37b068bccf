"""Signatures derived from another's, so that shared parameters are written once.

scikit-learn reads an estimator's parameters from ``inspect.signature(cls.__init__)``, which
honours ``__signature__``: ``get_params``, ``clone``, the ``repr``, the docstring's defaults
(``skmine._estimators.docs.fill_doc``) and ``help()`` all see the derived signature.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable


def derived_signature(
    source: Callable, *, drop: tuple[str, ...] = (), **defaults
) -> inspect.Signature:
    """``source``'s signature less the parameters ``drop``, with the given ``defaults`` changed."""
    signature = inspect.signature(source)
    unknown = (set(drop) | set(defaults)) - set(signature.parameters)
    if unknown:
        raise TypeError(f"{source.__qualname__} has no parameters {sorted(unknown)}")
    return signature.replace(
        parameters=[
            parameter.replace(default=defaults.get(name, parameter.default))
            for name, parameter in signature.parameters.items()
            if name not in drop
        ]
    )


def with_signature(signature: inspect.Signature) -> Callable[[Callable], Callable]:
    """Give a function taking ``**params`` the signature it accepts (for ``help()``, and for
    :func:`~sklearn.utils._param_validation.validate_params`, which binds to it)."""

    def decorate(func: Callable) -> Callable:
        func.__signature__ = signature
        return func

    return decorate


def derived_init(base_init: Callable, *, drop: tuple[str, ...] = (), **defaults) -> Callable:
    """An ``__init__`` with ``base_init``'s keyword-only parameters, ``drop`` removed and
    ``defaults`` changed, that stores every argument unchanged with the estimator's
    ``_set_init_params``, as ``base_init`` does."""
    signature = derived_signature(base_init, drop=drop, **defaults)

    def __init__(self, **params) -> None:
        bound = signature.bind(self, **params)
        bound.apply_defaults()
        self._set_init_params(bound.arguments)

    __init__.__signature__ = signature
    return __init__
