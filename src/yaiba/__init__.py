"""yaiba (刃): tell criticism (批判) from personal attack (誹謗中傷) in Japanese posts.

>>> import yaiba
>>> clf = yaiba.load()                       # the shipped model; no network, no writes
>>> clf.predict(["この采配は最悪。説明してほしい"])  # doctest: +SKIP
['criticism']
"""

from __future__ import annotations

from yaiba.core.attribution import Phrase
from yaiba.core.estimator import AttackClassifier
from yaiba.core.explain import Evidence, Explanation
from yaiba.errors import DataError, ModelFormatError, TokenizerError, YaibaError
from yaiba.evaluation.crossval import CrossValidation, cross_validate
from yaiba.evaluation.evaluate import evaluate
from yaiba.evaluation.report import EvaluationReport
from yaiba.evaluation.thresholds import ThresholdChoice, threshold_for_precision
from yaiba.frame import score_frame
from yaiba.io import datasets
from yaiba.metadata import __version__
from yaiba.model import Model, Prediction, SentenceScore, load, train
from yaiba.reasons import Reason
from yaiba.safety.help_resources import HelpResource, help_resources
from yaiba.safety.nudging import Nudge, nudge

__all__ = [
    "AttackClassifier",
    "CrossValidation",
    "DataError",
    "EvaluationReport",
    "Evidence",
    "Explanation",
    "HelpResource",
    "Model",
    "ModelFormatError",
    "Nudge",
    "Phrase",
    "Prediction",
    "Reason",
    "SentenceScore",
    "ThresholdChoice",
    "TokenizerError",
    "YaibaError",
    "__version__",
    "cross_validate",
    "datasets",
    "evaluate",
    "help_resources",
    "load",
    "nudge",
    "score_frame",
    "threshold_for_precision",
    "train",
]
