"""Write-then-rename: a file appears at its path only once everything was written."""

from __future__ import annotations

import os
import secrets
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

from yaiba.errors import DataError


def _umask() -> int | None:
    """The process umask, read without changing it (Linux: /proc/self/status); None if unknown."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return None


def _new_file_mode(folder: str | os.PathLike[str]) -> int:
    """The mode ``open()`` gives a new file in ``folder``, found without touching the umask.

    os.umask() can only be read by setting it, which for a moment would make files other
    threads create world-writable. Where /proc tells the umask, that is used; elsewhere a
    probe file is created with mode 0666 (the kernel applies the umask) and removed.
    """
    umask = _umask()
    if umask is not None:
        return 0o666 & ~umask
    for _ in range(100):
        probe = os.path.join(folder, f".yaiba-mode-probe.{os.getpid()}.{secrets.token_hex(8)}")
        try:
            fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        except OSError:
            break
        try:
            return stat.S_IMODE(os.fstat(fd).st_mode)
        finally:
            os.close(fd)
            os.unlink(probe)
    return 0o644  # a common umask's result; never wider than what 022 allows


def chmod_like_new_file(path: str | os.PathLike[str]) -> None:
    """Give a mkstemp file (mode 0600) the mode open() would have given it.

    The process umask is not changed (not even for a moment): see :func:`_new_file_mode`.
    """
    os.chmod(path, _new_file_mode(os.path.dirname(os.path.abspath(path))))


def _keep_owner_and_mode(tmp: str, existing: os.stat_result) -> None:
    """Give ``tmp`` the mode, and where permitted the owner and group, of the file it replaces."""
    if hasattr(os, "chown"):
        try:
            os.chown(tmp, existing.st_uid, existing.st_gid)
        except OSError:  # not permitted (not root): keep ours, try the group alone
            with suppress(OSError):
                os.chown(tmp, -1, existing.st_gid)
    os.chmod(tmp, stat.S_IMODE(existing.st_mode))  # after chown, which may clear set-id bits


def output_target(path: str | os.PathLike[str]) -> tuple[Path, os.stat_result | None]:
    """Where output for ``path`` goes, and the file there now (None for a new path).

    Anything that is not a regular file or a new path is refused with DataError, never
    replaced: a folder, a device such as /dev/null, a FIFO, a socket, and a symbolic link
    (it may lead to /proc/self/fd/1 or a device; give the path of the file it points to).
    """
    target = Path(path)
    try:
        st: os.stat_result | None = os.lstat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise DataError(f"{path}: cannot write there: {exc.strerror}") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        what = (
            "a folder"
            if stat.S_ISDIR(st.st_mode)
            else "a symbolic link"
            if stat.S_ISLNK(st.st_mode)
            else "not a regular file"
        )
        raise DataError(f"{path} is {what}; refusing to replace it (give a file path, or - for stdout)")
    folder = target.parent
    if not folder.is_dir():
        raise DataError(f"{path}: folder {folder} does not exist")
    return target, st


@contextmanager
def atomic_output(path: str | os.PathLike[str], *, binary: bool = False) -> Iterator[IO[Any]]:
    """A handle on a temporary file beside ``path``, renamed to ``path`` when the block ends.

    ``"-"`` means stdout (text only). If the block raises (or is interrupted), the temporary
    file is removed and ``path`` is left as it was. Only a regular file or a new path is
    written (see :func:`output_target`); an existing file keeps its mode, and its owner
    where permitted.
    """
    if os.fspath(path) == "-":
        if binary:
            raise DataError("binary output cannot go to stdout")
        yield sys.stdout
        sys.stdout.flush()
        return
    target, existing = output_target(path)
    folder = target.parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise DataError(f"{path}: cannot write in folder {folder}: {exc.strerror}") from None
    try:
        if binary:
            with os.fdopen(fd, "wb") as fh:
                yield fh
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                yield fh
        if existing is not None:
            _keep_owner_and_mode(tmp, existing)
        else:
            chmod_like_new_file(tmp)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
