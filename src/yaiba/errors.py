"""Exceptions raised by yaiba."""

from __future__ import annotations


class YaibaError(Exception):
    """Base class of every error yaiba raises on purpose."""


class ModelFormatError(YaibaError, ValueError):
    """A model file is missing, truncated, tampered with, or of an unsupported version."""


class TokenizerError(YaibaError, RuntimeError):
    """fugashi/MeCab could not start with the unidic-lite dictionary."""


class DataError(YaibaError, ValueError):
    """An input file cannot be read at all (missing column, undecodable bytes, ...)."""
