"""POST /v1alpha1/comments:analyze over real HTTP: Perspective API's request and response shapes.

The request bodies are the ones in Perspective's API reference (``AnalyzeComment`` request,
response and example, conversationai/perspectiveapi ``2-api/methods.md``).
"""

from __future__ import annotations

import copy

import pytest

ANALYZE = "/v1alpha1/comments:analyze"

# Perspective's documented example request, as published (an English comment)
DOC_EXAMPLE = {
    "comment": {"text": "What kind of idiot name is foo? Sorry, I like your name."},
    "languages": ["en"],
    "requestedAttributes": {"TOXICITY": {}, "UNSUBSTANTIAL": {}},
}

# Perspective's documented request template with every field filled in
DOC_FULL = {
    "comment": {"text": "😀お前なんか消えろ。死ね！今日はいい天気", "type": "PLAIN_TEXT"},
    "context": {"entries": [{"text": "前の投稿", "type": "PLAIN_TEXT"}]},
    "requestedAttributes": {"TOXICITY": {"scoreType": "PROBABILITY", "scoreThreshold": 0.0}},
    "languages": ["ja"],
    "doNotStore": True,
    "clientToken": "comment-53922",
    "sessionId": "session-1",
    "communityId": "/forum/movies",
    "spanAnnotations": True,
}

ALL = ("TOXICITY", "SEVERE_TOXICITY", "IDENTITY_ATTACK", "INSULT", "THREAT", "ATTACK", "CRITICISM")


def check_score(score):
    assert set(score) == {"value", "type"} and score["type"] == "PROBABILITY"
    assert isinstance(score["value"], float) and 0.0 <= score["value"] <= 1.0


def check_response(body, attributes, text, *, spans):
    """An AnalyzeCommentResponse: attributeScores mirroring the request, languages, spans in UTF-16."""
    assert set(body) <= {"attributeScores", "languages", "detectedLanguages", "clientToken"}
    assert list(body["attributeScores"]) == list(attributes)
    assert body["languages"] == ["ja"] and body["detectedLanguages"] in (["ja"], [])
    units = text.encode("utf-16-le")
    for entry in body["attributeScores"].values():
        check_score(entry["summaryScore"])
        assert ("spanScores" in entry) == spans
        for span in entry.get("spanScores", []):
            assert set(span) == {"begin", "end", "score"}
            assert 0 <= span["begin"] < span["end"] <= len(units) // 2
            check_score(span["score"])


def test_the_documented_example_gets_perspectives_language_error(server):
    """The reference's own example asks for English: refused the way Perspective refuses a
    language an attribute does not support, in Google's error envelope."""
    reply = server.post(ANALYZE, DOC_EXAMPLE)
    assert reply.status == 400
    error = reply.json()["error"]
    assert error["code"] == 400 and error["status"] == "INVALID_ARGUMENT"
    assert error["message"] == "Attribute TOXICITY does not support request languages: en"
    (detail,) = error["details"]
    assert detail["@type"] == "type.googleapis.com/google.commentanalyzer.v1alpha1.Error"
    assert detail["errorType"] == "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"
    assert detail["languageNotSupportedByAttributeError"]["attribute"] == "TOXICITY"
    assert detail["languageNotSupportedByAttributeError"]["requestedLanguages"] == ["en"]


def test_the_documented_example_in_japanese_is_answered(server):
    body = copy.deepcopy(DOC_EXAMPLE)
    body["comment"]["text"] = "名前がダサすぎて草。まあ嘘、いい名前だと思うよ"
    body["languages"] = ["ja"]
    body["dropUnsupportedAttributes"] = True  # UNSUBSTANTIAL is not one of yaiba's
    reply = server.post(ANALYZE, body)
    assert reply.status == 200, reply.body
    check_response(reply.json(), ["TOXICITY"], body["comment"]["text"], spans=False)
    assert "clientToken" not in reply.json()


def test_an_unsupported_attribute_is_a_400_naming_it(server):
    body = copy.deepcopy(DOC_EXAMPLE)
    body["languages"] = ["ja"]
    reply = server.post(ANALYZE, body)
    assert reply.status == 400
    assert "UNSUBSTANTIAL" in reply.json()["error"]["message"]
    assert reply.json()["error"]["field"] == "requestedAttributes.UNSUBSTANTIAL"


def test_every_documented_field_is_accepted_and_the_token_echoed(server):
    reply = server.post(ANALYZE, DOC_FULL)
    assert reply.status == 200, reply.body
    body = reply.json()
    check_response(body, ["TOXICITY"], DOC_FULL["comment"]["text"], spans=True)
    assert body["clientToken"] == "comment-53922"
    assert body["detectedLanguages"] == ["ja"]


def test_all_attributes_are_yaibas_probabilities(server, model):
    text = "😀お前なんか消えろ。死ね！今日はいい天気。ガイジは黙ってろ"
    reply = server.post(ANALYZE, {"comment": {"text": text}, "requestedAttributes": {a: {} for a in ALL}})
    assert reply.status == 200, reply.body
    body = reply.json()
    check_response(body, ALL, text, spans=False)
    got = {a: s["summaryScore"]["value"] for a, s in body["attributeScores"].items()}
    proba = dict(zip(model.classes_, model.predict_proba([text])[0].tolist()))
    joint = dict(zip(model.kinds_, model.predict_kind_proba([text])[0].tolist()))
    expected = {
        "TOXICITY": proba["attack"],
        "ATTACK": proba["attack"],
        "CRITICISM": proba["criticism"],
        "INSULT": joint["insult"],
        "THREAT": joint["threat"] + joint["death_wish"],
        "IDENTITY_ATTACK": joint["discrimination"],
        "SEVERE_TOXICITY": joint["threat"] + joint["death_wish"] + joint["doxxing"] + joint["discrimination"],
    }
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, abs=2e-6), name
    assert got["SEVERE_TOXICITY"] <= got["TOXICITY"] and got["THREAT"] <= got["SEVERE_TOXICITY"]


def test_span_scores_are_sentences_in_utf16_units(server, model):
    text = DOC_FULL["comment"]["text"]
    reply = server.post(
        ANALYZE,
        {"comment": {"text": text}, "requestedAttributes": {a: {} for a in ALL}, "spanAnnotations": True},
    )
    body = reply.json()
    check_response(body, ALL, text, spans=True)
    sentences = model.sentence_scores([text])[0]
    units = text.encode("utf-16-le")
    toxicity = body["attributeScores"]["TOXICITY"]["spanScores"]
    assert [units[2 * s["begin"] : 2 * s["end"]].decode("utf-16-le") for s in toxicity] == [s.text for s in sentences]
    assert toxicity[0]["begin"] == 0 and toxicity[0]["end"] == len(sentences[0].text) + 1  # the emoji is two units
    for span, sentence in zip(toxicity, sentences):
        assert span["score"]["value"] == pytest.approx(sentence.proba["attack"], abs=2e-6)
    scores = body["attributeScores"]
    for i in range(len(sentences)):  # a kind attribute never exceeds TOXICITY of the same span
        for name in ("SEVERE_TOXICITY", "INSULT", "THREAT", "IDENTITY_ATTACK"):
            assert scores[name]["spanScores"][i]["score"]["value"] <= toxicity[i]["score"]["value"] + 1e-6


def test_score_threshold_leaves_out_lower_scores(server):
    text = "この采配は最悪。説明してほしい"
    reply = server.post(
        ANALYZE,
        {
            "comment": {"text": text},
            "requestedAttributes": {"TOXICITY": {"scoreThreshold": 0.9}, "CRITICISM": {"scoreThreshold": 0.5}},
        },
    )
    assert reply.status == 200
    scores = reply.json()["attributeScores"]
    assert "TOXICITY" not in scores  # a criticism: P(attack) is far below 0.9
    assert scores["CRITICISM"]["summaryScore"]["value"] >= 0.5


def test_language_codes_of_japanese_are_accepted(server):
    for languages in (["ja"], ["ja-JP"], ["JA"], [], None):
        body = {"comment": {"text": "おはよう"}, "requestedAttributes": {"TOXICITY": {}}, "languages": languages}
        assert server.post(ANALYZE, body).status == 200, languages
    body = {"comment": {"text": "おはよう"}, "requestedAttributes": {"TOXICITY": {}}, "languages": ["ja", "en"]}
    assert (
        server.post(ANALYZE, body).json()["error"]["details"][0]["errorType"] == "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"
    )


@pytest.mark.parametrize(
    "body,field",
    [
        ({"requestedAttributes": {"TOXICITY": {}}}, "comment"),
        ({"comment": {}, "requestedAttributes": {"TOXICITY": {}}}, "comment.text"),
        ({"comment": {"text": ""}, "requestedAttributes": {"TOXICITY": {}}}, "comment.text"),
        ({"comment": {"text": 5}, "requestedAttributes": {"TOXICITY": {}}}, "comment.text"),
        ({"comment": "text", "requestedAttributes": {"TOXICITY": {}}}, "comment"),
        ({"comment": {"text": "x", "type": "HTML"}, "requestedAttributes": {"TOXICITY": {}}}, "comment.type"),
        ({"comment": {"text": "x"}}, "requestedAttributes"),
        ({"comment": {"text": "x"}, "requestedAttributes": {}}, "requestedAttributes"),
        ({"comment": {"text": "x"}, "requestedAttributes": ["TOXICITY"]}, "requestedAttributes"),
        ({"comment": {"text": "x"}, "requestedAttributes": {"TOXICITY": 1}}, "requestedAttributes.TOXICITY"),
        (
            {"comment": {"text": "x"}, "requestedAttributes": {"TOXICITY": {"scoreType": "RAW"}}},
            "requestedAttributes.TOXICITY.scoreType",
        ),
        (
            {"comment": {"text": "x"}, "requestedAttributes": {"TOXICITY": {"scoreThreshold": "high"}}},
            "requestedAttributes.TOXICITY.scoreThreshold",
        ),
        ({"comment": {"text": "x"}, "requestedAttributes": {"TOXICITY": {}}, "languages": "ja"}, "languages"),
        ({"comment": {"text": "x"}, "requestedAttributes": {"TOXICITY": {}}, "languages": [None]}, "languages[0]"),
        ({"comment": {"text": "x"}, "requestedAttributes": {"TOXICITY": {}}, "doNotStore": "yes"}, "doNotStore"),
        ({"comment": {"text": "x"}, "requestedAttributes": {"TOXICITY": {}}, "clientToken": 7}, "clientToken"),
        ({"comment": {"text": "x"}, "requestedAttributes": {"TOXICITY": {}}, "spanAnnotations": 1}, "spanAnnotations"),
        ({"comment": {"text": "x"}, "requestedAttributes": {"TOXICITY": {}}, "extra": 1}, "extra"),
        (
            {"comment": {"text": "x"}, "requestedAttributes": {"PROFANITY": {}}, "dropUnsupportedAttributes": True},
            "requestedAttributes",
        ),
    ],
)
def test_malformed_requests_are_400_naming_the_field(server, body, field):
    reply = server.post(ANALYZE, body)
    assert reply.status == 400, reply.body
    error = reply.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT" and error["field"] == field and error["message"]
