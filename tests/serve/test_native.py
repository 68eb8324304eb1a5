"""POST /v1/score over real HTTP: the in-process scores, in order, with reasons and sentence spans."""

from __future__ import annotations

import json

import numpy as np


def test_results_are_the_in_process_scores_in_order(server, model, posts, example_posts):
    reply = server.post("/v1/score", {"posts": posts})
    assert reply.status == 200, reply.body
    assert reply.headers["content-type"] == "application/json"
    results = reply.json()["results"]
    pred = model.predict_batch(posts)
    assert len(results) == len(posts)
    for i, (result, row, label, kind) in enumerate(zip(results, pred.proba, pred.labels, pred.kinds)):
        assert list(result) == ["label", "p_attack", "p_criticism", "p_neutral", "kind"], i
        assert result["label"] == label and result["kind"] == kind, i
        for c, cls in enumerate(model.classes_):
            assert abs(result[f"p_{cls}"] - float(row[c])) <= 1e-6, (i, cls)
    empty = results[len(example_posts)]  # the post ""
    assert empty["p_attack"] == 0.0 and empty["label"] == "neutral"


def test_the_threshold_flag_decides_labels(server, posts):
    """--threshold 0.6: a post with P(attack) between 0.5 and 0.6 is not an attack."""
    info = server.get("/v1/model").json()
    assert info["thresholds"] == {"attack": server.threshold}
    for r in server.post("/v1/score", {"posts": posts}).json()["results"]:
        assert (r["label"] == "attack") == (r["p_attack"] >= server.threshold)


def test_one_post_alone_scores_as_in_a_batch(server, example_posts):
    posts = example_posts
    batch = server.post("/v1/score", {"posts": posts}).json()["results"]
    for post, expected in zip(posts, batch):
        assert server.post("/v1/score", {"posts": [post]}).json()["results"] == [expected]


def test_an_empty_list_gives_no_results(server):
    reply = server.post("/v1/score", {"posts": []})
    assert reply.status == 200 and reply.json() == {"results": []}


def test_reasons_name_the_phrases_of_attacks_only(server, model, example_posts):
    posts = example_posts
    results = server.post("/v1/score", {"posts": posts, "reasons": True}).json()["results"]
    expected = model.reasons(posts)
    assert any(r is not None for r in expected) and any(r is None for r in expected)
    for post, result, reason in zip(posts, results, expected):
        if reason is None:
            assert result["reasons"] is None
            continue
        got = result["reasons"]
        assert got["kind"] == reason.kind == result["kind"]
        assert got["message"] == reason.message
        assert [(p["start"], p["end"], p["text"]) for p in got["phrases"]] == [
            (p.start, p.end, p.text) for p in reason.phrases
        ]
        for p in got["phrases"]:
            assert post[p["start"] : p["end"]] == p["text"]


def test_spans_are_the_sentences_with_their_scores(server, model, posts, example_posts):
    results = server.post("/v1/score", {"posts": posts, "spans": True}).json()["results"]
    for post, result, sentences in zip(posts, results, model.sentence_scores(posts)):
        spans = result["spans"]
        assert [(s["start"], s["end"], s["text"]) for s in spans] == [(s.start, s.end, s.text) for s in sentences]
        for span, sentence in zip(spans, sentences):
            assert post[span["start"] : span["end"]] == span["text"]
            assert abs(span["p_attack"] - sentence.proba["attack"]) <= 1e-6
            assert span["label"] == model.labels_from_proba(np.array([[sentence.proba[c] for c in model.classes_]]))[0]
    assert results[len(example_posts)]["spans"] == []  # ""
    assert results[len(example_posts) + 1]["spans"] == []  # white space only


def test_utf16_offsets_count_an_emoji_as_two(server):
    post = "😀お前なんか消えろ。死ね！今日はいい天気😀"
    cp = server.post("/v1/score", {"posts": [post], "spans": True})
    u16 = server.post("/v1/score", {"posts": [post], "spans": True, "offsets": "utf16"})
    cp_spans, u16_spans = cp.json()["results"][0]["spans"], u16.json()["results"][0]["spans"]
    units = post.encode("utf-16-le")
    for a, b in zip(cp_spans, u16_spans):
        assert units[2 * b["start"] : 2 * b["end"]].decode("utf-16-le") == a["text"] == post[a["start"] : a["end"]]
    assert (u16_spans[0]["start"], u16_spans[0]["end"]) == (0, cp_spans[0]["end"] + 1)


def test_a_lone_surrogate_comes_back_as_the_same_json_escape(server):
    post = "\ud800 死ね。"
    reply = server.post("/v1/score", {"posts": [post], "spans": True})
    assert reply.status == 200
    reply.body.decode("ascii")  # written with escapes: valid UTF-8 (ASCII) on the wire
    assert json.loads(reply.body)["results"][0]["spans"][0]["text"].startswith("\ud800")
