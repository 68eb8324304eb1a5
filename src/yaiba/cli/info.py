"""``yaiba info``: versions and the default model, for bug reports."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from yaiba.cli.common import EXIT_OK, load_model
from yaiba.core import persist
from yaiba.errors import ModelFormatError
from yaiba.metadata import __version__
from yaiba.model import default_model_path


def add_commands(sub: Any) -> None:  # sub: argparse._SubParsersAction
    """Add ``info`` to the parser."""
    sub.add_parser("info", help="versions of yaiba, the model, the dictionary and libraries")


def info(args: argparse.Namespace) -> int:
    """``yaiba info``: versions of yaiba, the libraries, the dictionary and the default model."""
    env = persist.environment()
    print(f"yaiba {__version__}")
    for k, v in env.items():
        if k != "yaiba":
            print(f"{k}: {v}")
    print(f"python: {sys.version.split()[0]}")
    try:
        path = default_model_path()
        model = load_model(None)
        print(f"default model: {path} ({path.stat().st_size / 1e6:.1f} MB)")
        print(f"  classes: {', '.join(model.classes_)}; kinds: {', '.join(model.kinds_) or '-'}")
    except (FileNotFoundError, ModelFormatError) as exc:
        print(f"default model: unavailable ({exc})")
    return EXIT_OK


HANDLERS = {"info": info}
