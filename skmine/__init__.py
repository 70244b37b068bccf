"""skmine: neural mutual-information estimation as scikit-learn estimators."""

from ._mine import MINE

__all__ = ["MINE"]
__version__ = "0.1.0"
