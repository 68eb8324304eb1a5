"""The ``yaiba`` command line (``python -m yaiba`` or the ``yaiba`` script)."""

from yaiba.cli.main import main

__all__ = ["main"]
