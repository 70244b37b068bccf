"""The scikit-learn estimators: parameters, documentation and fitted attributes (private)."""
