"""Sphinx configuration of the skmine documentation."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import skmine

project = "skmine"
author = "The skmine developers"
copyright = "The skmine developers"
release = version = skmine.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "examples/*.py"]
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
autodoc_member_order = "bysource"
html_theme = "alabaster"
html_static_path = []
nitpicky = False

# numpydoc validation: `sphinx -W` fails on a public object whose docstring is missing or
# misdocuments its parameters or returns. Excluded, with the reason:
#   ES01  no extended summary: short functions need none;
#   EX01  no Examples section: the estimators and one-liners have them, helpers need none;
#   SA01  no See Also section: cross-references are added where they help, not everywhere;
#   SA03  See Also descriptions must be capitalised: stylistic;
#   SS05  summary must start with an infinitive verb: class and dataset summaries are noun
#         phrases ("Mutual information neural estimation ..."), as in scikit-learn;
#   SS06  summary must fit one line: a few summaries run over, kept readable instead;
#   RT02  return value must be named: results are unnamed types, as in scikit-learn;
#   PR08, PR09, RT04, RT05  capitalisation and full stops of descriptions, stylistic.
numpydoc_validation_checks = {
    "all",
    "ES01",
    "EX01",
    "SA01",
    "SA03",
    "SS05",
    "SS06",
    "RT02",
    "PR08",
    "PR09",
    "RT04",
    "RT05",
}
# Result records (frozen dataclasses the package returns, never built by users) document
# their fields as Attributes, so numpydoc's check of constructor parameters does not apply;
# TASKS is module data, whose attribute docstring numpydoc's layout checks misread.
numpydoc_validation_exclude = {
    r"^skmine\.EstimateResult$",
    r"^skmine\.independence\.CITestResult$",
    r"^skmine\.independence\.ConfidenceInterval$",
    r"^skmine\.feature_selection\.FeatureMutualInfoResult$",
    r"^skmine\.datasets\.Task$",
    r"^skmine\.datasets\.TASKS$",
}
