"""Optional Ed25519 signatures: save(signing_key=) and load(trusted_keys=).

The checksum of a model file detects damage only (an editor recomputes it); a signature
proves the file came from the holder of a key you trust.
"""

from __future__ import annotations

import json
import sys
import zipfile

import numpy as np
import pytest
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

import yaiba
from yaiba import ModelFormatError


def _pem_private(key, password: bytes | None = None) -> bytes:
    enc = ser.BestAvailableEncryption(password) if password else ser.NoEncryption()
    return key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.PKCS8, enc)


def _pem_public(key) -> bytes:
    return key.public_key().public_bytes(ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo)


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    """Two key pairs (ours, theirs), each as objects and as PEM files."""
    folder = tmp_path_factory.mktemp("keys")
    out = {}
    for name in ("ours", "theirs"):
        key = ed25519.Ed25519PrivateKey.generate()
        (folder / f"{name}.pem").write_bytes(_pem_private(key))
        (folder / f"{name}.pub.pem").write_bytes(_pem_public(key))
        out[name] = key
        out[f"{name}.pem"] = folder / f"{name}.pem"
        out[f"{name}.pub.pem"] = folder / f"{name}.pub.pem"
    return out


@pytest.fixture(scope="module")
def signed_path(small_model, keys, tmp_path_factory):
    path = tmp_path_factory.mktemp("signed") / "signed.npz"
    small_model.save(path, signing_key=keys["ours"])
    return path


def _meta_and_arrays(path):
    from yaiba.core import persist

    return persist.read(path)


def _write_raw(path, meta, arrays):
    import io

    with zipfile.ZipFile(path, "w") as zf:
        for name, arr in {"meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **arrays}.items():
            buf = io.BytesIO()
            np.save(buf, arr)
            zf.writestr(f"{name}.npy", buf.getvalue())
    return path


def test_signed_model_loads_with_its_public_key_in_every_form(small_model, signed_path, keys):
    pub = keys["ours.pub.pem"]
    for trusted in ([keys["ours"].public_key()], [pub], [str(pub)], [pub.read_bytes()], [keys["theirs.pub.pem"], pub]):
        model = yaiba.load(signed_path, trusted_keys=trusted)
        np.testing.assert_array_equal(model.score(["テスト"]), small_model.score(["テスト"]))


def test_signing_key_may_be_a_pem_path_or_pem_bytes(small_model, keys, tmp_path):
    for i, key in enumerate((keys["ours.pem"], str(keys["ours.pem"]), keys["ours.pem"].read_bytes())):
        path = tmp_path / f"m{i}.npz"
        small_model.save(path, signing_key=key)
        yaiba.load(path, trusted_keys=[keys["ours.pub.pem"]])
    blob = small_model.to_bytes(signing_key=keys["ours"])
    yaiba.load(blob, trusted_keys=[keys["ours.pub.pem"]])


def test_signed_file_loads_as_before_without_trusted_keys(signed_path):
    assert yaiba.load(signed_path).classes_


def test_unsigned_file_is_refused_when_keys_are_trusted(model_path, keys):
    with pytest.raises(ModelFormatError, match="not signed"):
        yaiba.load(model_path, trusted_keys=[keys["ours.pub.pem"]])


def test_shipped_unsigned_model_is_refused_when_keys_are_trusted(keys):
    with pytest.raises(ModelFormatError, match="not signed"):
        yaiba.load(None, trusted_keys=[keys["ours.pub.pem"]])


def test_file_signed_by_another_key_is_refused(signed_path, keys):
    with pytest.raises(ModelFormatError, match="not valid for any trusted key"):
        yaiba.load(signed_path, trusted_keys=[keys["theirs.pub.pem"]])


def test_edited_signed_file_with_recomputed_checksum_is_refused(signed_path, keys, tmp_path):
    """The attack a checksum cannot stop: edit, recompute the checksum, keep the signature."""
    from yaiba.core import persist

    meta, arrays = _meta_and_arrays(signed_path)
    meta["heads"]["label"]["temperature"] = meta["heads"]["label"]["temperature"] * 3
    meta["checksum"] = persist.checksum(meta, arrays)
    bad = _write_raw(tmp_path / "edited.npz", meta, arrays)
    assert yaiba.load(bad).classes_  # the checksum alone is satisfied
    with pytest.raises(ModelFormatError, match="not valid"):
        yaiba.load(bad, trusted_keys=[keys["ours.pub.pem"]])


def test_signature_copied_onto_another_file_is_refused(signed_path, model_path, keys, tmp_path):
    signed_meta, _ = _meta_and_arrays(signed_path)
    meta, arrays = _meta_and_arrays(model_path)
    meta["signature"] = signed_meta["signature"]
    meta["info"] = {"other": True}
    from yaiba.core import persist

    meta["checksum"] = persist.checksum(meta, arrays)
    bad = _write_raw(tmp_path / "copied.npz", meta, arrays)
    with pytest.raises(ModelFormatError, match="not valid"):
        yaiba.load(bad, trusted_keys=[keys["ours.pub.pem"]])


def test_claimed_signer_is_not_trusted_by_itself(small_model, keys, tmp_path):
    """Signed by an untrusted key that names a trusted key as its signer: refused."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    path = tmp_path / "liar.npz"
    small_model.save(path, signing_key=keys["theirs"])
    meta, arrays = _meta_and_arrays(path)
    meta["signature"]["key"] = keys["ours"].public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    bad = _write_raw(tmp_path / "liar2.npz", meta, arrays)
    with pytest.raises(ModelFormatError, match="not valid"):
        yaiba.load(bad, trusted_keys=[keys["ours.pub.pem"]])


def test_resigning_replaces_the_signature(signed_path, keys, tmp_path):
    model = yaiba.load(signed_path)
    path = tmp_path / "resigned.npz"
    model.save(path, signing_key=keys["theirs"])
    yaiba.load(path, trusted_keys=[keys["theirs.pub.pem"]])
    with pytest.raises(ModelFormatError):
        yaiba.load(path, trusted_keys=[keys["ours.pub.pem"]])


@pytest.mark.parametrize("kind", ["rsa", "garbage", "missing", "encrypted", "public"])
def test_unusable_signing_key_is_refused_and_nothing_is_written(small_model, keys, tmp_path, kind):
    if kind == "rsa":
        key = _pem_private(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    elif kind == "garbage":
        key = b"-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n"
    elif kind == "missing":
        key = tmp_path / "nope.pem"
    elif kind == "encrypted":
        key = _pem_private(keys["ours"], password=b"secret")
    else:
        key = keys["ours.pub.pem"]
    path = tmp_path / "m.npz"
    with pytest.raises((ValueError, FileNotFoundError)):
        small_model.save(path, signing_key=key)
    assert not path.exists()


def test_trusted_keys_that_are_not_public_keys_are_errors(signed_path, keys):
    with pytest.raises(ValueError, match="empty"):
        yaiba.load(signed_path, trusted_keys=[])
    with pytest.raises(ValueError, match="public key"):
        yaiba.load(signed_path, trusted_keys=[keys["ours.pem"].read_bytes()])
    with pytest.raises(TypeError):
        yaiba.load(signed_path, trusted_keys=[42])


def test_without_cryptography_signing_names_the_extra_and_loading_still_works(
    small_model, signed_path, keys, tmp_path, monkeypatch
):
    for name in [m for m in sys.modules if m == "cryptography" or m.startswith("cryptography.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "cryptography", None)
    with pytest.raises(ImportError, match=r"pip install 'yaiba\[sign\]'"):
        small_model.save(tmp_path / "m.npz", signing_key=keys["ours.pem"])
    with pytest.raises(ImportError, match=r"pip install 'yaiba\[sign\]'"):
        yaiba.load(signed_path, trusted_keys=[keys["ours.pub.pem"]])
    assert yaiba.load(signed_path).classes_  # no keys: cryptography is never imported
    small_model.save(tmp_path / "plain.npz")


def test_signature_is_optional_metadata_and_the_format_version_is_unchanged(signed_path, model_path):
    from yaiba.core import persist

    signed, _ = _meta_and_arrays(signed_path)
    plain, _ = _meta_and_arrays(model_path)
    assert signed["format_version"] == plain["format_version"] == 1
    assert set(signed) - set(plain) == {"signature"}
    assert signed["signature"]["algorithm"] == "ed25519"
    assert signed["checksum"] == plain["checksum"]  # same model, same checksum: the signature is not in it
    assert persist.FORMAT_VERSION == 1
