"""Optional Ed25519 signatures of model files (needs ``pip install 'yaiba[sign]'``).

A signature is stored in the model's metadata under ``"signature"``: the algorithm, the
signer's raw public key (hex, only to name it in messages; it is never trusted by itself) and
an Ed25519 signature (hex) of the file's SHA-256 checksum. The checksum covers the metadata
(without ``checksum`` and ``signature``) and every array, and :mod:`yaiba.core.persist` checks
it against the content before any signature is verified, so a valid signature vouches for the
whole file. Unsigned files carry no ``signature`` key and read as before.

The checksum only detects corruption: anyone who edits a file can recompute it. A signature
proves the file was written by the holder of a private key you trust. Neither makes a model
safe to use if that key signed a bad model.

``cryptography`` is imported only when a key is used, so yaiba works without it until then.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from yaiba.errors import ModelFormatError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

FIELD = "signature"
ALGORITHM = "ed25519"
INSTALL_HINT = "pip install 'yaiba[sign]'"
_CONTEXT = b"yaiba-model-signature-v1\x00"  # signatures of model files cannot be replayed elsewhere
_HEX = re.compile(r"^[0-9a-f]*$")
_MAX_KEY_FILE = 64 * 1024

# a key object, a PEM file's path, or PEM bytes
PrivateKeySource = Union["Ed25519PrivateKey", str, "os.PathLike[str]", bytes]
PublicKeySource = Union["Ed25519PublicKey", str, "os.PathLike[str]", bytes]


def require() -> None:
    """Import cryptography, or raise an ImportError that says how to install it."""
    try:
        import cryptography.hazmat.primitives.asymmetric.ed25519  # noqa: F401
    except ImportError:
        raise ImportError(f"model signatures need the 'cryptography' package (>= 41): {INSTALL_HINT}") from None


def _pem(source: str | os.PathLike[str] | bytes, what: str) -> bytes:
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
        if not data.lstrip().startswith(b"-----BEGIN"):
            raise ValueError(f"{what}: bytes are not a PEM key (pass a path as str or Path)")
        return data
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"{what} not found: {path}")
    if path.stat().st_size > _MAX_KEY_FILE:
        raise ValueError(f"{what}: {path} is too large to be a PEM key")
    return path.read_bytes()


def load_private_key(key: PrivateKeySource) -> Ed25519PrivateKey:
    """An Ed25519 private key from a key object, a PEM file's path or PEM bytes (unencrypted PKCS#8)."""
    require()
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if isinstance(key, Ed25519PrivateKey):
        return key
    if not isinstance(key, (str, os.PathLike, bytes, bytearray)):
        raise TypeError(
            f"signing_key must be an Ed25519 private key, a PEM path or PEM bytes, not {type(key).__name__}"
        )
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    data = _pem(key, "private key")
    try:
        loaded = load_pem_private_key(data, password=None)
    except TypeError:
        raise ValueError("the private key is encrypted; yaiba reads unencrypted PEM keys only") from None
    except Exception as exc:
        raise ValueError(f"not a PEM private key ({exc})") from None
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError(f"only Ed25519 keys are supported, got {type(loaded).__name__}")
    return loaded


def load_public_key(key: PublicKeySource) -> Ed25519PublicKey:
    """An Ed25519 public key from a key object, a PEM file's path or PEM bytes."""
    require()
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if isinstance(key, Ed25519PublicKey):
        return key
    if not isinstance(key, (str, os.PathLike, bytes, bytearray)):
        raise TypeError(f"trusted keys must be Ed25519 public keys, PEM paths or PEM bytes, not {type(key).__name__}")
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    data = _pem(key, "public key")
    try:
        loaded = load_pem_public_key(data)
    except Exception as exc:
        raise ValueError(f"not a PEM public key ({exc})") from None
    if not isinstance(loaded, Ed25519PublicKey):
        raise ValueError(f"only Ed25519 keys are supported, got {type(loaded).__name__}")
    return loaded


def public_keys(keys: Iterable[PublicKeySource]) -> list[Ed25519PublicKey]:
    """Every trusted key loaded; at least one."""
    if isinstance(keys, (str, bytes, bytearray, os.PathLike)):
        keys = [keys]
    loaded = [load_public_key(k) for k in keys]
    if not loaded:
        raise ValueError("trusted_keys is empty: pass at least one public key (or None to skip verification)")
    return loaded


def raw_public(key: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def fingerprint(raw: bytes) -> str:
    """A short name of a public key: the first 16 hex digits of SHA-256 of its 32 raw bytes."""
    return hashlib.sha256(raw).hexdigest()[:16]


def sign(checksum: str, key: PrivateKeySource) -> dict[str, str]:
    """The ``signature`` metadata of a file with this checksum, signed with ``key``."""
    private = load_private_key(key)
    return {
        "algorithm": ALGORITHM,
        "key": raw_public(private.public_key()).hex(),
        "value": private.sign(_CONTEXT + checksum.encode("ascii")).hex(),
    }


def check_field(value: Any, where: str) -> None:
    """Refuse a ``signature`` entry that is not shaped like one (no cryptography needed)."""
    if (
        not isinstance(value, dict)
        or set(value) != {"algorithm", "key", "value"}
        or value["algorithm"] != ALGORITHM
        or not all(isinstance(value[k], str) and _HEX.match(value[k]) for k in ("key", "value"))
        or len(value["key"]) != 64
        or len(value["value"]) != 128
    ):
        raise ModelFormatError(f"{where}: the signature entry of the metadata is malformed")


def verify(meta: Mapping[str, Any], trusted: list[Ed25519PublicKey], where: str) -> str:
    """Check that ``meta`` (already checksum-verified) is signed by one of ``trusted``; return its fingerprint."""
    require()
    from cryptography.exceptions import InvalidSignature

    sig = meta.get(FIELD)
    if sig is None:
        raise ModelFormatError(f"{where}: the model file is not signed, but trusted keys were given")
    check_field(sig, where)
    message = _CONTEXT + str(meta["checksum"]).encode("ascii", "replace")
    value = bytes.fromhex(sig["value"])
    for key in trusted:
        try:
            key.verify(value, message)
        except InvalidSignature:
            continue
        return fingerprint(raw_public(key))
    claimed = fingerprint(bytes.fromhex(sig["key"]))
    trusted_names = ", ".join(fingerprint(raw_public(k)) for k in trusted)
    raise ModelFormatError(
        f"{where}: the signature is not valid for any trusted key (file says it was signed by key "
        f"{claimed}; trusted: {trusted_names})"
    )


def generate() -> tuple[bytes, bytes]:
    """A new Ed25519 key pair as (private PEM, public PEM); the private PEM is unencrypted."""
    require()
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
        PublicFormat,
    )

    private = Ed25519PrivateKey.generate()
    return (
        private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()),
        private.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo),
    )
