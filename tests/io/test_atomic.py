"""Output files (yaiba.io.atomic), through ``yaiba score``, ``yaiba train`` and directly:
only a regular file or a new path is ever written; an existing file keeps its mode; the
umask is never changed, not even for a moment."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from yaiba.cli.main import main
from yaiba.errors import DataError
from yaiba.io import atomic

ATTACK = "お前みたいなクズは生きてる価値ない"


def _input(tmp_path: Path) -> Path:
    src = tmp_path / "in.csv"
    src.write_text(f"id,text\n1,{ATTACK}\n2,店員さんの対応が丁寧\n", encoding="utf-8")
    return src


def _score(src: Path, out: str | Path, model_path: Path) -> int:
    return main(["score", str(src), "-o", str(out), "--model", str(model_path)])


def _special_outputs(tmp_path: Path) -> dict[str, Path]:
    """Paths in tmp_path that are not regular files. Only links point outside tmp_path, so
    that code which replaces the path (today's) replaces the link, never /dev/null itself."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    to_null = tmp_path / "null-link"
    to_null.symlink_to("/dev/null")
    to_stdout = tmp_path / "stdout-link"
    to_stdout.symlink_to("/proc/self/fd/1")
    folder = tmp_path / "folder"
    folder.mkdir()
    return {"fifo": fifo, "link to /dev/null": to_null, "link to /proc/self/fd/1": to_stdout, "folder": folder}


def _kind(path: Path) -> tuple[bool, int]:
    st = os.lstat(path)
    return stat.S_ISLNK(st.st_mode), stat.S_IFMT(st.st_mode)


@pytest.mark.parametrize("name", ["fifo", "link to /dev/null", "link to /proc/self/fd/1", "folder"])
def test_output_onto_a_special_file_is_refused_not_replaced(model_path, tmp_path, capsys, name):
    src = _input(tmp_path)
    target = _special_outputs(tmp_path)[name]
    before = _kind(target)
    assert _score(src, target, model_path) in (1, 2)
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert target.name in err
    assert _kind(target) == before  # still the FIFO, the link or the folder
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_a_character_device_is_refused(tmp_path):
    """A device node made in tmp_path (root only), so that nothing real is at risk."""
    dev = tmp_path / "null"
    try:
        os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, AttributeError, OSError):
        pytest.skip("cannot make a device node here")
    with pytest.raises(DataError, match="not a regular file"), atomic.atomic_output(dev) as fh:
        fh.write("x")
    assert stat.S_ISCHR(os.lstat(dev).st_mode)


def test_a_link_even_to_a_regular_file_is_refused_and_kept(tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    with pytest.raises(DataError, match="symbolic link"), atomic.atomic_output(link) as fh:
        fh.write("new\n")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "old\n"


def test_output_onto_the_input_is_refused(model_path, tmp_path, capsys):
    src = _input(tmp_path)
    before = src.read_bytes()
    assert _score(src, src, model_path) == 2
    assert "input" in capsys.readouterr().err
    alias = tmp_path / "alias.csv"
    os.link(src, alias)
    assert _score(src, alias, model_path) == 2
    assert src.read_bytes() == before


def test_stdout_is_still_dash(model_path, tmp_path, capsys):
    assert _score(_input(tmp_path), "-", model_path) == 0
    assert capsys.readouterr().out.startswith("id,text,label")


@pytest.mark.parametrize("mode", [0o600, 0o444, 0o640])
def test_an_existing_output_keeps_its_mode(model_path, tmp_path, mode):
    src = _input(tmp_path)
    out = tmp_path / "out.csv"
    out.write_text("old\n", encoding="utf-8")
    out.chmod(mode)
    assert _score(src, out, model_path) == 0
    assert stat.S_IMODE(out.stat().st_mode) == mode
    assert out.read_text(encoding="utf-8").startswith("id,text")


def test_a_read_only_model_keeps_its_mode(small_model, tmp_path):
    path = tmp_path / "model.npz"
    small_model.save(path)
    path.chmod(0o444)
    small_model.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o444


def test_a_new_output_gets_the_umask_mode(tmp_path):
    old = os.umask(0o027)
    try:
        with atomic.atomic_output(tmp_path / "new.csv") as fh:
            fh.write("x\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.csv").stat().st_mode) == 0o640


def test_chmod_like_new_file_never_changes_the_umask(tmp_path, monkeypatch):
    """Another thread creating files meanwhile must never see umask 0."""
    seen: list[int] = []
    real_umask = os.umask

    def spy(mask: int) -> int:
        seen.append(mask)
        return real_umask(mask)

    monkeypatch.setattr(os, "umask", spy)
    part = tmp_path / "x.part"
    part.write_text("x", encoding="utf-8")
    part.chmod(0o600)
    atomic.chmod_like_new_file(part)
    assert seen == []  # os.umask was not called at all
    current = real_umask(0o022)
    real_umask(current)
    assert stat.S_IMODE(part.stat().st_mode) == 0o666 & ~current


def test_chmod_like_new_file_without_proc(tmp_path, monkeypatch):
    """Where /proc cannot tell the umask, a probe file does; it leaves nothing behind."""
    monkeypatch.setattr(atomic, "_umask", lambda: None)
    part = tmp_path / "x.part"
    part.write_text("x", encoding="utf-8")
    old = os.umask(0o077)
    try:
        atomic.chmod_like_new_file(part)
    finally:
        os.umask(old)
    assert stat.S_IMODE(part.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.part"]
