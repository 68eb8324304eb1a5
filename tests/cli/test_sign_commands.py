"""`yaiba keygen`, `yaiba sign` and `yaiba verify` (exit 0 valid, 1 invalid)."""

from __future__ import annotations

import os
import shutil
import stat
import sys

import pytest

import yaiba
from yaiba import ModelFormatError
from yaiba.cli.main import main


@pytest.fixture(scope="module")
def keypairs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clikeys")
    for name in ("ours", "theirs"):
        assert main(["keygen", str(folder / f"{name}.pem")]) == 0
    return folder


def test_keygen_writes_a_private_key_only_its_owner_reads_and_a_public_key(keypairs, capsys, tmp_path):
    private, public = keypairs / "ours.pem", keypairs / "ours.pub.pem"
    assert private.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert public.read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    # never overwrites a key by accident
    before = private.read_bytes()
    assert main(["keygen", str(private)]) == 2
    assert private.read_bytes() == before
    assert "exists" in capsys.readouterr().err
    other = tmp_path / "k.pem"
    assert main(["keygen", str(other), "--public", str(tmp_path / "elsewhere.pem")]) == 0
    assert (tmp_path / "elsewhere.pem").is_file()


def test_sign_then_verify(model_path, keypairs, tmp_path, capsys):
    out = tmp_path / "signed.npz"
    assert main(["sign", str(model_path), "--key", str(keypairs / "ours.pem"), "-o", str(out)]) == 0
    assert "signed with key" in capsys.readouterr().out
    assert main(["verify", str(out), "--key", str(keypairs / "ours.pub.pem")]) == 0
    assert "valid signature" in capsys.readouterr().out
    yaiba.load(out, trusted_keys=[keypairs / "ours.pub.pem"])
    # several trusted keys: valid if one of them signed
    assert (
        main(["verify", str(out), "--key", str(keypairs / "theirs.pub.pem"), "--key", str(keypairs / "ours.pub.pem")])
        == 0
    )


def test_verify_exits_1_for_another_key_and_for_an_unsigned_file(model_path, keypairs, tmp_path, capsys):
    out = tmp_path / "signed.npz"
    assert main(["sign", str(model_path), "--key", str(keypairs / "ours.pem"), "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["verify", str(out), "--key", str(keypairs / "theirs.pub.pem")]) == 1
    assert "INVALID" in capsys.readouterr().err
    assert main(["verify", str(model_path), "--key", str(keypairs / "ours.pub.pem")]) == 1
    err = capsys.readouterr().err
    assert "not signed" in err and "Traceback" not in err


def test_sign_in_place_keeps_the_model(model_path, keypairs, tmp_path):
    copy = tmp_path / "copy.npz"
    shutil.copy(model_path, copy)
    assert main(["sign", str(copy), "--key", str(keypairs / "theirs.pem")]) == 0
    assert yaiba.load(copy, trusted_keys=[keypairs / "theirs.pub.pem"]).classes_ == yaiba.load(model_path).classes_
    assert sorted(os.listdir(tmp_path)) == ["copy.npz"]


def test_sign_refuses_a_damaged_model_and_writes_nothing(model_path, keypairs, tmp_path, capsys):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(model_path.read_bytes()[:-100])
    out = tmp_path / "out.npz"
    assert main(["sign", str(bad), "--key", str(keypairs / "ours.pem"), "-o", str(out)]) == 1
    assert not out.exists()
    assert "Traceback" not in capsys.readouterr().err
    with pytest.raises(ModelFormatError):
        yaiba.load(bad)


def test_sign_with_a_public_key_is_an_error(model_path, keypairs, tmp_path, capsys):
    out = tmp_path / "out.npz"
    assert main(["sign", str(model_path), "--key", str(keypairs / "ours.pub.pem"), "-o", str(out)]) == 1
    assert "private key" in capsys.readouterr().err
    assert not out.exists()


def test_without_cryptography_the_commands_say_how_to_install_it(model_path, keypairs, tmp_path, capsys, monkeypatch):
    for name in [m for m in sys.modules if m == "cryptography" or m.startswith("cryptography.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "cryptography", None)
    assert main(["verify", str(model_path), "--key", str(keypairs / "ours.pub.pem")]) == 1
    assert "pip install 'yaiba[sign]'" in capsys.readouterr().err
    assert main(["sign", str(model_path), "--key", str(keypairs / "ours.pem"), "-o", str(tmp_path / "o.npz")]) == 1
    assert "pip install 'yaiba[sign]'" in capsys.readouterr().err
    assert main(["keygen", str(tmp_path / "k.pem")]) == 1
    assert "pip install 'yaiba[sign]'" in capsys.readouterr().err
    assert not (tmp_path / "k.pem").exists()
