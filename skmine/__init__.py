"""skmine: neural mutual-information estimation as scikit-learn estimators."""

from ._dim import DeepInfoMaxJSD
from ._mine import MINE
from ._minee import MINEE

__all__ = ["MINE", "MINEE", "DeepInfoMaxJSD"]
__version__ = "0.1.0"
