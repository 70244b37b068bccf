"""Feature selection by neural mutual information, for scikit-learn's selectors and pipelines."""

from ._joint import JointMutualInfoSelector
from ._univariate import mutual_info_neural

__all__ = ["JointMutualInfoSelector", "mutual_info_neural"]
