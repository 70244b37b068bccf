"""Feature selection by neural mutual information, for scikit-learn's selectors and pipelines."""

from ._joint import JointMutualInfoSelector
from ._univariate import FeatureMutualInfoResult, feature_mutual_info, mutual_info_neural

__all__ = [
    "FeatureMutualInfoResult",
    "JointMutualInfoSelector",
    "feature_mutual_info",
    "mutual_info_neural",
]
