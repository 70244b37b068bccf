"""skmine: neural mutual-information estimation as scikit-learn estimators."""

from ._dim import DeepInfoMaxJSD
from ._mine import MINE

__all__ = ["MINE", "DeepInfoMaxJSD"]
__version__ = "0.1.0"
