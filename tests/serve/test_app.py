"""Bad input, limits and slow clients against a real server: clear 4xx JSON errors, never a 5xx,
other clients served meanwhile, and correct answers afterwards.

The shared server runs with ``--max-body-bytes 262144 --body-timeout 3`` (and the default
``--max-posts 1000``).
"""

from __future__ import annotations

import http.client
import json
import threading

import pytest

SCORE = "/v1/score"
ANALYZE = "/v1alpha1/comments:analyze"
LIMIT = 262144


def check_error(reply, status, field=None, words=()):
    assert reply.status == status, (reply.status, reply.body)
    assert reply.headers["content-type"] == "application/json"
    error = reply.json()["error"]
    assert error["code"] == status and isinstance(error["status"], str) and error["message"]
    assert error.get("field") == field
    for word in words:
        assert word in error["message"], error["message"]
    return error


BAD_BODIES = [
    (b"", None, ["empty"]),
    (b"{", None, ["not valid JSON"]),
    (b'{"posts": ["a",]}', None, ["not valid JSON"]),
    (b"null", None, ["JSON object"]),
    (b"[]", None, ["JSON object"]),
    (b'"posts"', None, ["JSON object"]),
    (b'{"posts": null}', "posts", ["null"]),
    (b'{"posts": "one post"}', "posts", ["a string"]),
    (b'{"posts": {"0": "a"}}', "posts", ["an object"]),
    (b'{"posts": ["ok", null]}', "posts[1]", ["null"]),
    (b'{"posts": ["ok", 3]}', "posts[1]", ["a number"]),
    (b'{"posts": [true]}', "posts[0]", ["a boolean"]),
    (b'{"posts": [["nested"]]}', "posts[0]", ["a list"]),
    (b'{"posts": ["a"], "reasons": "yes"}', "reasons", ["true or false"]),
    (b'{"posts": ["a"], "reasons": NaN}', "reasons", ["true or false"]),
    (b'{"posts": ["a"], "spans": 1}', "spans", ["true or false"]),
    (b'{"posts": ["a"], "offsets": "bytes"}', "offsets", ["utf16"]),
    (b'{"post": ["a"]}', "post", ["unknown field"]),
    (b"{}", "posts", ["missing"]),
    (b"\xff\xfe{}", None, ["UTF-8", "0xff"]),
    (b'{"posts": ["\xe3\x81"]}', None, ["UTF-8"]),
    ('{"posts": ["あ"]}'.encode("utf-16"), None, ["UTF-8"]),
    ('{"posts": ["あ"]}'.encode("cp932"), None, ["UTF-8"]),
    (b"[" * 100_000, None, ["JSON"]),
    (b'{"posts": [' + b"9" * 5000 + b"]}", None, ["JSON"]),
    (b'{"posts": [1e999]}', "posts[0]", ["a number"]),
]


@pytest.mark.parametrize("body,field,words", BAD_BODIES)
def test_bad_bodies_are_400_naming_what_is_wrong(server, body, field, words):
    check_error(server.post(SCORE, raw=body), 400, field, words)


@pytest.mark.parametrize("body", [b"", b"{", b"null", b"\xff{}", b"[" * 100_000, b'{"comment": null}'])
def test_bad_bodies_to_the_perspective_endpoint_are_400(server, body):
    check_error(server.post(ANALYZE, raw=body), 400, None if body != b'{"comment": null}' else "comment")


def test_a_byte_order_mark_is_skipped(server):
    reply = server.post(SCORE, raw=b'\xef\xbb\xbf{"posts": ["\xe3\x81\x82"]}')
    assert reply.status == 200 and len(reply.json()["results"]) == 1


def test_ten_thousand_posts_are_refused_naming_the_limit(server):
    reply = server.post(SCORE, {"posts": ["w"] * 10_000})
    error = check_error(reply, 413, "posts", ["10000", "1000", "--max-posts"])
    assert error["status"] == "PAYLOAD_TOO_LARGE"
    assert server.post(SCORE, {"posts": ["w"] * 1000}).status == 200  # the limit itself is fine


def test_a_body_over_the_limit_is_413_after_reading_it(server):
    body = json.dumps({"posts": ["あ" * 1000] * 200}).encode("ascii")  # about 1.2 MB
    assert len(body) > LIMIT
    reply = server.post(SCORE, raw=body)
    check_error(reply, 413, None, [str(LIMIT), "--max-body-bytes"])
    assert reply.headers["connection"] == "close"


def test_a_body_at_the_limit_is_accepted(server):
    head, tail = b'{"posts": ["', b'"]}'
    body = head + b"w" * (LIMIT - len(head) - len(tail)) + tail
    assert len(body) == LIMIT
    assert server.post(SCORE, raw=body).status == 200


def test_a_chunked_body_over_the_limit_is_413(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    try:
        chunks = (b'{"posts": ["' if i == 0 else b"w" * 65536 for i in range(8))  # never closed: over first
        conn.request("POST", SCORE, body=chunks, encode_chunked=True)
        resp = conn.getresponse()
        assert resp.status == 413
        assert json.loads(resp.read())["error"]["status"] == "PAYLOAD_TOO_LARGE"
    finally:
        conn.close()


def test_a_huge_declared_body_is_refused_before_it_is_sent(server, raw_reply):
    """A client that waits for 100 Continue (curl does for large bodies) gets 413 instead."""
    with server.connect() as sock:
        sock.sendall(
            b"POST /v1/score HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000000000\r\nExpect: 100-continue\r\n\r\n"
        )
        reply = raw_reply(sock)
    check_error(reply, 413, None, ["--max-body-bytes"])


def test_expect_100_continue_within_the_limit_is_served(server, raw_reply):
    body = json.dumps({"posts": ["お前なんか消えろ"]}).encode("ascii")
    with server.connect() as sock:
        sock.sendall(
            b"POST /v1/score HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
        )
        assert raw_reply(sock).status == 100
        sock.sendall(body)
        reply = raw_reply(sock)
    assert reply.status == 200 and reply.json()["results"][0]["label"] == "attack"


def test_unknown_paths_and_methods_get_json_errors(server):
    check_error(server.get("/v2/score"), 404, None, ["/v2/score"])
    reply = server.get(SCORE)
    check_error(reply, 405, None, ["GET"])
    assert reply.headers["allow"] == "POST"
    check_error(server.post("/healthz", {}), 405)
    check_error(server.request("PUT", ANALYZE, b"{}"), 405)


def test_a_connection_goes_on_after_a_bad_request(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    try:
        for body, status in ((b"{", 400), (b'{"posts": ["w"]}', 200), (b'{"posts": [1]}', 400), (b"{}", 400)):
            conn.request("POST", SCORE, body=body)
            resp = conn.getresponse()
            resp.read()
            assert resp.status == status
    finally:
        conn.close()


def test_a_stalled_client_does_not_stop_others_and_gets_408(server, raw_reply, example_posts):
    """One client sends half its body and stalls, another half its headers: the others are
    served meanwhile; the first is told 408 once the body timeout (3 s) is up."""
    expected = server.post(SCORE, {"posts": example_posts}).json()
    with server.connect() as half_body, server.connect() as half_head:
        half_body.sendall(b"POST /v1/score HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n" + b'{"posts": [')
        half_head.sendall(b"POST /v1/score HTTP/1.1\r\nHost: t\r\nContent-Le")
        for _ in range(3):
            assert server.get("/healthz").status == 200
            assert server.post(SCORE, {"posts": example_posts}).json() == expected
        reply = raw_reply(half_body)
        check_error(reply, 408, None, ["--body-timeout"])
        assert reply.headers["connection"] == "close"
    assert server.post(SCORE, {"posts": example_posts}).json() == expected


def test_scoring_does_not_block_the_event_loop(server, example_posts):
    """While a long request is on a scoring thread, /healthz answers and reports it, and a
    short request is answered correctly."""
    long_posts = [p for p in example_posts if "消えろ" in p or "クビ" in p] * 250  # attacks: reasons are slow
    long_posts = long_posts[:1000]
    expected_short = server.post(SCORE, {"posts": example_posts[:2]}).json()
    answer = {}
    slow = threading.Thread(
        target=lambda: answer.update(reply=server.post(SCORE, {"posts": long_posts, "reasons": True}))
    )
    slow.start()
    seen = None
    while slow.is_alive() and seen is None:
        health = server.get("/healthz").json()
        if health["scoring_now"] >= 1:
            seen = health
    short = server.post(SCORE, {"posts": example_posts[:2]}).json()
    slow.join()
    assert seen is not None, "the long request was never seen on a scoring thread"
    assert short == expected_short
    reply = answer["reply"]
    results = reply.json()["results"]
    assert reply.status == 200 and len(results) == len(long_posts)
    assert all(r["reasons"] is not None for r in results if r["label"] == "attack")


def test_model_and_health_endpoints(server):
    info = server.get("/v1/model").json()
    assert info["classes"] == ["attack", "criticism", "neutral"]
    assert info["kinds"] == [
        "death_wish",
        "defamation",
        "discrimination",
        "doxxing",
        "insult",
        "repost_attack",
        "threat",
    ]
    assert info["limits"] == {"max_body_bytes": LIMIT, "max_posts": 1000, "body_timeout_seconds": 3.0}
    assert info["info"]["training"]["n_rows"] > 0 and info["yaiba"]
    assert set(info["perspective_attributes"]) == {
        "TOXICITY",
        "SEVERE_TOXICITY",
        "IDENTITY_ATTACK",
        "INSULT",
        "THREAT",
        "ATTACK",
        "CRITICISM",
    }
    health = server.get("/healthz").json()
    assert health["status"] == "ok" and health["requests_served"] >= 1


def test_after_all_of_the_above_the_server_still_answers_correctly(server, model, posts):
    """Last in this file: the bad input left the server answering as it should."""
    results = server.post(SCORE, {"posts": posts}).json()["results"]
    pred = model.predict_batch(posts)
    assert [r["label"] for r in results] == pred.labels
    assert [r["p_attack"] for r in results] == pytest.approx(pred.proba[:, 0].tolist(), abs=1e-6)
    assert "Traceback" not in server.stderr()
