"""``yaiba sign``, ``yaiba verify`` and ``yaiba keygen``: Ed25519 signatures of model files.

Needs ``pip install 'yaiba[sign]'`` (the ``cryptography`` package). A signature proves a model
file was written by the holder of a private key you trust; the checksum every file carries
only detects damage. Neither makes a model that a trusted key signed safe to use.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from yaiba.cli.common import EXIT_DATA, EXIT_OK, UsageError
from yaiba.core import codec, persist, signing
from yaiba.errors import ModelFormatError


def add_commands(sub: Any) -> None:  # sub: argparse._SubParsersAction
    """Add ``sign``, ``verify`` and ``keygen`` to the parser."""
    s = sub.add_parser("sign", help="sign a model file with an Ed25519 private key (needs yaiba[sign])")
    s.add_argument("model", help="model file to sign")
    s.add_argument("--key", required=True, help="private key (PEM, unencrypted), e.g. from `yaiba keygen`")
    s.add_argument("-o", "--output", help="write the signed model here (default: replace MODEL)")
    v = sub.add_parser("verify", help="check a model file's signature: exit 0 valid, 1 not (needs yaiba[sign])")
    v.add_argument("model", help="model file to check")
    v.add_argument("--key", required=True, action="append", help="trusted public key (PEM); repeat to trust several")
    k = sub.add_parser("keygen", help="create an Ed25519 key pair for signing models (needs yaiba[sign])")
    k.add_argument("private", help="where to write the private key (PEM, mode 0600)")
    k.add_argument("--public", help="where to write the public key (default: PRIVATE with .pub.pem)")
    k.add_argument("--force", action="store_true", help="overwrite existing key files")


def _no_crypto(command: str, exc: ImportError) -> int:
    print(f"yaiba {command}: error: {exc}", file=sys.stderr)
    return EXIT_DATA


def sign(args: argparse.Namespace) -> int:
    """``yaiba sign``: check the model, then write it with a signature of its checksum."""
    try:
        key = signing.load_private_key(args.key)
    except ImportError as exc:
        return _no_crypto("sign", exc)
    where = persist.describe_source(args.model)
    meta, arrays = persist.read(args.model)
    codec.decode(meta, arrays, where)  # never sign a file that would not load
    out = args.output or args.model
    persist.write(out, meta, arrays, signing_key=key)
    name = signing.fingerprint(signing.raw_public(key.public_key()))
    print(f"{out}: signed with key {name} (checksum {meta['checksum'][:16]}...)")
    return EXIT_OK


def verify(args: argparse.Namespace) -> int:
    """``yaiba verify``: exit 0 when the model is valid and signed by one of the keys, else 1."""
    try:
        keys = signing.public_keys(args.key)
    except ImportError as exc:
        return _no_crypto("verify", exc)
    where = persist.describe_source(args.model)
    try:
        meta, arrays = persist.read(args.model, trusted_keys=keys)
        name = signing.verify(meta, keys, where)
        codec.decode(meta, arrays, where)
    except ModelFormatError as exc:
        print(f"yaiba verify: INVALID: {exc}", file=sys.stderr)
        return EXIT_DATA
    print(f"{args.model}: valid signature by trusted key {name}")
    return EXIT_OK


def keygen(args: argparse.Namespace) -> int:
    """``yaiba keygen``: a new key pair; the private key file is readable by its owner only."""
    private = Path(args.private)
    public = Path(args.public) if args.public else private.with_name(private.name.removesuffix(".pem") + ".pub.pem")
    if private == public:
        raise UsageError("--public must differ from the private key's path")
    if not args.force:
        for path in (private, public):
            if path.exists():
                raise UsageError(f"{path} exists; pass --force to overwrite it")
    try:
        private_pem, public_pem = signing.generate()
    except ImportError as exc:
        return _no_crypto("keygen", exc)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if args.force else os.O_EXCL)
    fd = os.open(private, flags, 0o600)
    with os.fdopen(fd, "wb") as fh:
        os.fchmod(fh.fileno(), 0o600)  # also when --force replaced a wider file
        fh.write(private_pem)
    public.write_bytes(public_pem)
    name = signing.fingerprint(signing.raw_public(signing.load_public_key(public_pem)))
    print(f"private key: {private} (keep it secret)\npublic key: {public} (give it to who loads your models)")
    print(f"key {name}")
    return EXIT_OK


HANDLERS = {"sign": sign, "verify": verify, "keygen": keygen}
