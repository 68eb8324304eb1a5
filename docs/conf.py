"""Sphinx configuration for the yaiba API reference (``make docs``)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

# Document the source tree, whether or not yaiba is installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import yaiba  # noqa: E402

project = "yaiba"
author = "yaiba developers"
copyright = "yaiba developers"
version = release = yaiba.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]

# numpydoc-style docstrings only.
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"show-inheritance": True}

# pyspark is optional (yaiba[spark]); mock it only when it is not installed.
autodoc_mock_imports = [] if importlib.util.find_spec("pyspark") else ["pyspark"]

# Offline build: no intersphinx, no network.
templates_path: list[str] = []
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_static_path: list[str] = []
