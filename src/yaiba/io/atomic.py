"""Write-then-rename: a file appears at its path only once everything was written."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from yaiba.errors import DataError


def chmod_like_new_file(path: str | os.PathLike[str]) -> None:
    """Give a mkstemp file (mode 0600) the mode open() would have given it."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


@contextmanager
def atomic_output(path: str | os.PathLike[str], *, binary: bool = False) -> Iterator[IO[Any]]:
    """A handle on a temporary file beside ``path``, renamed to ``path`` when the block ends.

    ``"-"`` means stdout (text only). If the block raises (or is interrupted), the temporary
    file is removed and ``path`` is left as it was.
    """
    if os.fspath(path) == "-":
        if binary:
            raise DataError("binary output cannot go to stdout")
        yield sys.stdout
        sys.stdout.flush()
        return
    target = Path(path)
    folder = target.parent
    if not folder.exists():
        raise DataError(f"{path}: folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    try:
        if binary:
            with os.fdopen(fd, "wb") as fh:
                yield fh
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                yield fh
        chmod_like_new_file(tmp)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
