"""yaiba (刃): tell criticism (批判) from personal attack (誹謗中傷) in Japanese posts.

>>> import yaiba
>>> clf = yaiba.load()                       # the shipped model; no network, no writes
>>> clf.predict(["この采配は最悪。説明してほしい"])  # doctest: +SKIP
['criticism']
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .crossval import CrossValidation, cross_validate
from .errors import ModelFormatError, TokenizerError, YaibaError
from .estimator import AttackClassifier
from .evaluate import EvaluationReport, evaluate
from .explain import Evidence, Explanation
from .model import Model, load, train
from .nudging import Nudge, nudge
from .reasons import Phrase, Reason
from .support import HelpResource, help_resources
from .thresholds import ThresholdChoice, threshold_for_precision

try:
    __version__ = version("yaiba")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "AttackClassifier",
    "CrossValidation",
    "EvaluationReport",
    "Evidence",
    "Explanation",
    "HelpResource",
    "Model",
    "ModelFormatError",
    "Nudge",
    "Phrase",
    "Reason",
    "ThresholdChoice",
    "TokenizerError",
    "YaibaError",
    "__version__",
    "cross_validate",
    "evaluate",
    "help_resources",
    "load",
    "nudge",
    "threshold_for_precision",
    "train",
]
