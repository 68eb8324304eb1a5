"""The JSON helpers behind every endpoint, and the worker settings (no server needed)."""

from __future__ import annotations

import json

import pytest

from yaiba.serve.settings import ServeSettings
from yaiba.serve.wire import RequestError, decode, encode, utf16_offset


@pytest.mark.parametrize("text", ["", "abc", "監督は最悪", "😀あ😀い", "a\ud800b", "𠮷野家😀"])
def test_utf16_offsets_index_the_utf16_encoding(text):
    at = utf16_offset(text)
    units = text.encode("utf-16-le", "surrogatepass")
    for i in range(len(text) + 1):
        for j in range(i, len(text) + 1):
            assert units[2 * at(i) : 2 * at(j)].decode("utf-16-le", "surrogatepass") == text[i:j]


def test_encode_writes_utf8_and_escapes_only_when_it_must():
    assert encode({"t": "死ね"}) == '{"t":"死ね"}'.encode()
    body = encode({"t": "\ud800死ね"})
    assert body == b'{"t":"\\ud800\\u6b7b\\u306d"}' and json.loads(body) == {"t": "\ud800死ね"}


@pytest.mark.parametrize(
    "body,words",
    [
        (b"  ", "empty"),
        (b"\x80", "0x80 at offset 0"),
        (b'{"a": 1', "line 1 column 8"),
        (b"[" * 50_000, "usable"),
        (b"1" * 5000, "usable"),
    ],
)
def test_decode_refuses_with_a_400_saying_why(body, words):
    with pytest.raises(RequestError) as info:
        decode(body)
    assert info.value.code == 400 and words in info.value.message
    assert json.loads(info.value.body())["error"]["status"] == "INVALID_ARGUMENT"


def test_settings_round_trip_and_are_checked():
    s = ServeSettings(model="m.npz", threshold=0.7, max_body_bytes=10, max_posts=2, threads=3, body_timeout=1.5)
    assert ServeSettings.from_json(s.to_json()) == s
    for bad in ({"max_posts": 0}, {"threads": True}, {"body_timeout": 0}, {"threshold": 1.5}):
        with pytest.raises(ValueError):
            ServeSettings(**bad)
    with pytest.raises(ValueError, match="unknown"):
        ServeSettings.from_json('{"workers": 2}')
