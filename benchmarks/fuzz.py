"""Fuzz yaiba for a time budget: the normaliser, the MeCab wrapper, the model (score,
predict_proba, predict, explain), ``yaiba score`` on generated CSV/JSONL/text files,
loading crafted model files (``model-file``), and the HTTP service (``serve``).

Every input is checked against the invariants of yaiba.testing (the same checks the
CI property tests run): nothing raises, one output per input in order, finite probabilities
in [0, 1], deterministic, batch equals one by one. A violation is recorded (input saved as
JSON under --artifacts) and fuzzing goes on; the exit code is 1 if any was found.

The ``model-file`` target starts from a small valid model file (the model's arrays cut to a
4096-feature space) and applies 1-4 mutations: metadata (deep nesting, huge or non-finite
numbers, wrong types, missing and unknown keys, raw JSON edits, stale checksums), values
(NaN/inf, huge values, wrong dtypes and shapes, dropped, extra and unknown members) and bytes
(flips, truncation). Invariant: ``yaiba.load`` returns a model whose scores are finite
probabilities, or raises ModelFormatError; anything else is a failure.

The ``serve`` target posts bodies built from the generated posts (valid requests to both
endpoints, with reasons and spans; the posts' bytes as the body; truncated JSON; wrong types)
to the ``yaiba serve`` application, called in process through ASGI (needs ``yaiba[serve]``).
Invariant: no 5xx; a valid request gets one result per post; anything else gets a 4xx JSON
error envelope.

Engines: ``atheris`` (coverage-guided libFuzzer; ``pip install atheris``) or ``hypothesis``
(random with shrinking; installed by ``make test``). Default: atheris when importable.

    python benchmarks/fuzz.py --minutes 10               # table, then one JSON object
    python benchmarks/fuzz.py --minutes 1 --engine hypothesis --json
    python benchmarks/fuzz.py --minutes 2 --targets model-file --json
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import json
import math
import os
import sys
import tempfile
import time
import traceback
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

TARGETS = ("normalizer", "tokenizer", "model", "cli", "model-file", "serve")
FORMATS = ("csv", "jsonl", "txt")

# -- the model-file target ----------------------------------------------------------------

Choose = Callable[[int, int], int]  # an integer in [lo, hi], from the engine
BASE_FEATURES = 4096


def _deep(depth: int, leaf=0):
    for _ in range(depth):
        leaf = [leaf]
    return leaf


ODD_VALUES = (
    lambda: None,
    lambda: True,
    lambda: False,
    lambda: 0,
    lambda: -1,
    lambda: 1,
    lambda: 2**31,
    lambda: 2**63,
    lambda: 10**30,
    lambda: -(10**30),
    lambda: 1e308,
    lambda: 1e-320,
    lambda: float("nan"),
    lambda: float("inf"),
    lambda: float("-inf"),
    lambda: 0.5,
    lambda: "",
    lambda: "x",
    lambda: "nan",
    lambda: "262144",
    lambda: "攻撃",
    lambda: "\udcff",
    lambda: [],
    lambda: {},
    lambda: [1, 2],
    lambda: [1, 2, 3],
    lambda: [0, 0],
    lambda: ["a", "b"],
    lambda: {"a": 1},
    lambda: {"attack": 2.0},
    lambda: _deep(150),
    lambda: "x" * 100_000,
)
RAW_NUMBERS = ("1e400", "-1e400", "NaN", "Infinity", "-Infinity", "9" * 5000, "-0", "1" + "0" * 400, "0.0")


def model_file_base(model_path: str) -> tuple[dict, dict]:
    """A small valid model file's metadata and arrays: the model cut to 4096 features."""
    from yaiba.core import persist

    meta, arrays = persist.read(model_path)
    for head in meta["heads"]:
        keep = arrays[f"{head}.rows"] < BASE_FEATURES
        arrays[f"{head}.rows"] = arrays[f"{head}.rows"][keep]
        arrays[f"{head}.weights"] = arrays[f"{head}.weights"][keep]
        meta["heads"][head]["params"]["n_features"] = BASE_FEATURES
    meta["features"]["n_features"] = BASE_FEATURES
    meta["info"] = {"training": meta.get("info", {}).get("training", {})}
    return meta, arrays


def _paths(node, prefix=()):
    """Every key path into nested dicts and lists (the node itself first)."""
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list) and len(node) <= 8:
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


def _at(node, path):
    for k in path:
        node = node[k]
    return node


def _odd_array(choose: Choose, a: np.ndarray) -> tuple[str, np.ndarray]:
    kind = choose(0, 13)
    if kind == 0 and a.size and a.dtype.kind == "f":
        a = a.copy()
        a.flat[choose(0, a.size - 1)] = (np.nan, np.inf, -np.inf)[choose(0, 2)]
        return "non-finite value", a
    if kind == 1 and a.dtype.kind in "fi":
        with np.errstate(all="ignore"):  # float32 overflows to inf: also a case
            return "scaled by 1e30", (a.astype(np.float64) * 1e30).astype(
                a.dtype if a.dtype.kind == "f" else np.float64
            )
    if kind == 2:
        dtype = (np.float64, np.float16, np.int64, np.int32, np.uint8, np.bool_, "<U3")[choose(0, 6)]
        with np.errstate(all="ignore"):
            try:
                return f"dtype {np.dtype(dtype)}", a.astype(dtype)
            except (ValueError, TypeError, OverflowError):
                return "strings", np.array(["nan"] * a.size).reshape(a.shape)
    if kind == 3:
        return "2-d", a.reshape(1, -1)
    if kind == 4:
        return "one more element", np.concatenate([a.ravel(), a.ravel()[:1]]) if a.size else np.zeros(1, a.dtype)
    if kind == 5:
        return "one element less", a.ravel()[:-1]
    if kind == 6:
        return "empty", a.ravel()[:0]
    if kind == 7:
        return "transposed", a.T.copy() if a.ndim == 2 else a[::-1].copy()
    if kind == 8 and a.dtype.kind == "i":
        a = a.copy()
        if a.size:
            a.flat[choose(0, a.size - 1)] = (-1, 2**31 - 1, BASE_FEATURES, 0)[choose(0, 3)]
        return "odd index", a
    if kind == 9:
        return "reversed", a[::-1].copy()
    if kind == 10 and a.dtype.kind == "U":
        return "blank strings", np.full(a.shape, "", dtype="<U1")
    if kind == 11:
        return "scalar", np.asarray(a.ravel()[0] if a.size else 0)
    if kind == 12:
        return "big", np.zeros(choose(0, 2_000_000), dtype=np.float32)
    return "duplicated first", np.concatenate([a.ravel()[:1], a.ravel()[:-1]]) if a.size else a


def craft_model_file(base: tuple[dict, dict], choose: Choose) -> tuple[bytes, list[str]]:
    """Bytes of a mutated model file and the list of what was changed."""
    from yaiba.core import persist

    meta, arrays = copy.deepcopy(base[0]), {k: v.copy() for k, v in base[1].items()}
    done: list[str] = []
    raw: list[tuple[str, str]] = []  # (search, replace) in the JSON text, after the checksum
    checksum = choose(0, 9)  # 0: stale, 1: wrong type, else recomputed (what an editor does)
    byte_edit = choose(0, 14)  # 0: flip a byte, 1: truncate, else none
    for _ in range(choose(1, 4)):
        op = choose(0, 9)
        if op <= 2:  # set a value anywhere in the metadata
            paths = list(_paths(meta))[1:]
            path = paths[choose(0, len(paths) - 1)]
            value = ODD_VALUES[choose(0, len(ODD_VALUES) - 1)]()
            _at(meta, path[:-1])[path[-1]] = value
            done.append(f"meta{list(path)} = {str(value)[:40]!r}")
        elif op == 3:  # delete a key
            paths = [p for p in _paths(meta) if p and isinstance(_at(meta, p[:-1]), dict)]
            path = paths[choose(0, len(paths) - 1)]
            del _at(meta, path[:-1])[path[-1]]
            done.append(f"del meta{list(path)}")
        elif op == 4:  # an unknown key in some object
            objects = [p for p in _paths(meta) if isinstance(_at(meta, p), dict)]
            path = objects[choose(0, len(objects) - 1)]
            _at(meta, path)["evil"] = ODD_VALUES[choose(0, len(ODD_VALUES) - 1)]()
            done.append(f"meta{list(path)}['evil'] added")
        elif op == 5:  # raw JSON: a number no Python value writes, or nesting deeper than the recursion limit
            if choose(0, 1):
                number = RAW_NUMBERS[choose(0, len(RAW_NUMBERS) - 1)]
                target = ('"n_features": ', '"temperature": ', '"normalizer": ', '"format_version": ')[choose(0, 3)]
                raw.append((target, target + number + ', "_was": '))
                done.append(f"raw {target}{number[:12]}")
            else:
                depth = (40, 1000, 100_000)[choose(0, 2)]
                raw.append(('"info": ', '"info": ' + "[" * depth + "]" * depth + ', "_was": '))
                done.append(f"raw nesting {depth}")
        elif op <= 8:  # an array's values, dtype or shape
            names = sorted(arrays)
            name = names[choose(0, len(names) - 1)]
            what, arrays[name] = _odd_array(choose, arrays[name])
            done.append(f"{name}: {what}")
        else:  # drop or add a member
            sub = choose(0, 3)
            if sub == 0 and arrays:
                names = sorted(arrays)
                name = names[choose(0, len(names) - 1)]
                del arrays[name]
                done.append(f"drop {name}")
            else:
                name = ("label.extra", "evil.data", "kind.weights", "lexicon.notes")[sub]
                arrays[name] = np.zeros(choose(0, 1000), dtype=np.float32)
                done.append(f"add {name}")
    if checksum == 0:
        done.append("stale checksum")
    elif checksum == 1:
        meta["checksum"] = 5
        done.append("checksum not a string")
    else:
        try:
            meta["checksum"] = persist.checksum(meta, arrays)
        except (ValueError, TypeError, RecursionError):  # e.g. an int of > 4300 digits
            done.append("checksum not computable")
    try:
        text = json.dumps(meta, ensure_ascii=False)
    except (ValueError, RecursionError):
        text = "{}"
    for search, replace in raw:
        text = text.replace(search, replace, 1)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, a in {"meta": np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8), **arrays}.items():
            member = io.BytesIO()
            np.save(member, a, allow_pickle=False)
            zf.writestr(f"{name}.npy", member.getvalue())
    blob = buf.getvalue()
    if byte_edit == 0:
        i = choose(0, len(blob) - 1)
        blob = blob[:i] + bytes([blob[i] ^ 0xFF]) + blob[i + 1 :]
        done.append(f"byte {i} flipped")
    elif byte_edit == 1:
        blob = blob[: choose(0, len(blob))]
        done.append(f"cut to {len(blob)} bytes")
    return blob, done


def check_model_file(blob: bytes) -> bool:
    """Load crafted bytes: a usable model (True) or ModelFormatError (False); anything else raises."""
    import yaiba

    try:
        model = yaiba.load(blob)
    except yaiba.ModelFormatError:
        return False
    proba = model.predict_proba(["お前なんか消えろ", "この采配は最悪。説明してほしい", ""])
    if proba.shape != (3, len(model.classes_)) or not np.all(np.isfinite(proba)):
        raise AssertionError(f"loaded model gives non-finite or misshapen probabilities: {proba!r}")
    if not np.allclose(proba.sum(axis=1), 1, atol=1e-4) or (proba < 0).any() or (proba > 1).any():
        raise AssertionError(f"loaded model gives probabilities outside [0, 1] or not summing to 1: {proba!r}")
    if model.kinds_ and not all(math.isfinite(x) for x in model.predict_kind_proba(["お前なんか消えろ"]).ravel()):
        raise AssertionError("loaded model's kind head gives non-finite probabilities")
    return True


class Fuzzer:
    """Runs one input against one target and keeps the counts and the failures."""

    def __init__(self, model_path: str | None, artifacts: Path, deadline: float) -> None:
        import yaiba
        from yaiba import cli

        self.model = yaiba.load(model_path)
        self.model_path = model_path or str(yaiba.model.default_model_path())
        self.main = cli.main
        self.artifacts = artifacts
        self.deadline = deadline
        self.counts: Counter[str] = Counter()
        self.chars = 0
        self.failures: list[dict] = []
        self.work = Path(tempfile.mkdtemp(prefix="yaiba-fuzz-"))
        self.base = model_file_base(self.model_path)
        self.loaded = 0  # crafted model files that loaded (the rest raised ModelFormatError)
        self.serve_app = None  # built on the first serve input

    def run_model_file(self, choose: Choose) -> None:
        self.counts["model-file"] += 1
        blob, done = b"", ["(crafting failed)"]
        try:
            blob, done = craft_model_file(self.base, choose)
            self.loaded += check_model_file(blob)
        except Exception as exc:  # anything but ModelFormatError escaped, or a loaded model misbehaves
            n = len(self.failures)
            path = self.artifacts / f"failure-{n:03d}-model-file.npz"
            path.write_bytes(blob)
            path.with_suffix(".json").write_text(json.dumps({"changes": done, "error": traceback.format_exc()}))
            self.failures.append(
                {
                    "target": "model-file",
                    "format": "npz",
                    "error": f"{type(exc).__name__}: {exc}"[:300],
                    "input": "; ".join(done)[:300],
                    "saved": str(path),
                }
            )
            print(f"FAILURE model-file: {type(exc).__name__}: {str(exc)[:200]}  file saved to {path}", file=sys.stderr)

    def run(self, target: str, texts: list[str], fmt: str = "csv") -> None:
        from yaiba import testing as r

        self.counts[target] += 1
        self.chars += sum(map(len, texts))
        try:
            if target == "normalizer":
                for t in texts:
                    r.check_normalizer(t)
            elif target == "tokenizer":
                for t in texts:
                    r.check_tokenizer(t)
            elif target == "model":
                r.check_model(self.model, texts, explain=2)
            elif target == "serve":
                self.check_serve(texts)
            else:
                folder = self.work / f"cli{self.counts['cli']}"
                folder.mkdir()
                with contextlib.redirect_stderr(io.StringIO()):  # "N row(s) could not be scored"
                    r.check_cli(self.main, self.model, self.model_path, folder, texts, fmt)
                folder.rmdir()
        except Exception as exc:  # a violated invariant or a crash: keep the input, go on
            self._record(target, texts, fmt, exc)

    def check_serve(self, texts: list[str]) -> None:
        """Post bodies made from ``texts`` to the service app: no 5xx, results or a 4xx error."""
        if self.serve_app is None:
            from yaiba.serve import ServeSettings, create_app

            self.serve_app = create_app(ServeSettings(), self.model)
            self.serve_app.state.service.start()  # the scoring threads (the lifespan's job under uvicorn)
        limit = self.serve_app.state.service.settings.max_body_bytes
        valid = json.dumps({"posts": texts}).encode()
        full = json.dumps({"posts": texts, "reasons": True, "spans": True, "offsets": "utf16"}).encode()
        first = texts[0] if texts else ""
        comment = {"comment": {"text": first}, "requestedAttributes": {a: {} for a in SERVE_ATTRIBUTES}}
        analyze = json.dumps({**comment, "spanAnnotations": True, "languages": ["ja"]}).encode()
        raw = "".join(texts).encode("utf-8", "surrogatepass")
        cases = [
            ("/v1/score", valid, len(texts)),
            ("/v1/score", full, len(texts)),
            ("/v1alpha1/comments:analyze", analyze, 1 if first else None),
            ("/v1/score", raw, None),
            ("/v1alpha1/comments:analyze", raw, None),
            ("/v1/score", valid[: len(valid) // 2], None),
            ("/v1/score", json.dumps({"posts": [*texts, None]}).encode(), None),
            ("/v1/score", json.dumps(texts).encode(), None),
            ("/v1alpha1/comments:analyze", json.dumps({"comment": texts}).encode(), None),
        ]
        for path, body, expected in cases:
            status, answer = _asgi_post(self.serve_app, path, body)
            if status >= 500:
                raise AssertionError(f"{path}: HTTP {status} for a {len(body)}-byte body: {answer[:300]!r}")
            value = json.loads(answer)
            if status == 200:
                n = len(value["results"]) if path == "/v1/score" else 1
                if expected is None and body not in (raw,):
                    raise AssertionError(f"{path}: HTTP 200 for a request that is not valid: {body[:200]!r}")
                if expected is not None and n != expected:
                    raise AssertionError(f"{path}: {n} results for {expected} posts")
            else:
                error = value["error"]
                if error["code"] != status or not error["message"]:
                    raise AssertionError(f"{path}: malformed error envelope {value!r}")
                if expected is not None and not (status == 413 and len(body) > limit):
                    raise AssertionError(f"{path}: HTTP {status} for a valid request: {error['message']}")

    def _record(self, target: str, texts: list[str], fmt: str, exc: Exception) -> None:
        n = len(self.failures)
        path = self.artifacts / f"failure-{n:03d}-{target}.json"
        path.write_text(json.dumps({"target": target, "format": fmt, "texts": texts, "error": traceback.format_exc()}))
        self.failures.append(
            {
                "target": target,
                "format": fmt,
                "error": f"{type(exc).__name__}: {exc}"[:300],
                "input": repr(texts)[:300],
                "saved": str(path),
            }
        )
        print(f"FAILURE {target}: {type(exc).__name__}: {str(exc)[:200]}  input saved to {path}", file=sys.stderr)

    def time_up(self) -> bool:
        return time.monotonic() >= self.deadline


SERVE_ATTRIBUTES = ("TOXICITY", "SEVERE_TOXICITY", "IDENTITY_ATTACK", "INSULT", "THREAT", "ATTACK", "CRITICISM")


def _asgi_post(app, path: str, body: bytes) -> tuple[int, bytes]:
    """POST ``body`` to the ASGI ``app`` in this process: (status, response body)."""
    import asyncio

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }
    messages: list[dict] = []

    async def call() -> None:
        delivered = False

        async def receive() -> dict:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()  # the client never goes away
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            messages.append(message)

        await app(scope, receive, send)

    asyncio.run(call())
    return messages[0]["status"], b"".join(m.get("body", b"") for m in messages[1:])


def _texts_from_bytes(data: bytes, targets: tuple[str, ...] = TARGETS):
    """Atheris: build (target, texts, format) from libFuzzer's bytes (texts: a chooser for model-file)."""
    import atheris

    from yaiba.testing import JAPANESE, ODD_PIECES

    fdp = atheris.FuzzedDataProvider(data)
    target = targets[fdp.ConsumeIntInRange(0, len(targets) - 1)]
    if target == "model-file":
        return target, fdp.ConsumeIntInRange, ""
    fmt = FORMATS[fdp.ConsumeIntInRange(0, 2)]
    texts = []
    for _ in range(fdp.ConsumeIntInRange(1, 5)):
        parts = []
        for _ in range(fdp.ConsumeIntInRange(0, 6)):
            kind = fdp.ConsumeIntInRange(0, 3)
            if kind == 0:  # any code point, surrogates included
                parts.append(fdp.ConsumeUnicode(fdp.ConsumeIntInRange(0, 64)))
            elif kind == 1:
                parts.append(ODD_PIECES[fdp.ConsumeIntInRange(0, len(ODD_PIECES) - 1)])
            elif kind == 2:
                parts.append(JAPANESE[fdp.ConsumeIntInRange(0, len(JAPANESE) - 1)])
            else:  # a long repetition: chunking, elongation
                piece = ODD_PIECES[fdp.ConsumeIntInRange(0, len(ODD_PIECES) - 1)]
                parts.append(piece * fdp.ConsumeIntInRange(2, 400))
        texts.append("".join(parts))
    return target, texts, fmt


def run_atheris(fuzzer: Fuzzer, seconds: float, seed: int, finish, targets: tuple[str, ...] = TARGETS) -> None:
    import random

    import atheris

    corpus = fuzzer.artifacts / f"corpus-{seed}"  # a few random seeds of useful length
    corpus.mkdir(exist_ok=True)
    rng = random.Random(seed)
    for i in range(32):
        (corpus / f"seed{i}").write_bytes(rng.randbytes(rng.randint(64, 8192)))

    def one_input(data: bytes) -> None:
        if fuzzer.time_up():
            finish({"engine": "atheris", "atheris": _version("atheris"), "corpus": str(corpus)})
        target, texts, fmt = _texts_from_bytes(data, targets)
        if target == "model-file":
            fuzzer.run_model_file(texts)
        else:
            fuzzer.run(target, texts, fmt)

    argv = [
        sys.argv[0],
        str(corpus),
        f"-seed={seed}",
        f"-max_total_time={int(seconds) + 600}",
        "-max_len=16384",
        "-len_control=0",
        "-rss_limit_mb=6144",
        "-timeout=300",
        f"-artifact_prefix={fuzzer.artifacts}/",
    ]
    atheris.Setup(argv, one_input)
    atheris.Fuzz()  # never returns: one_input calls finish() when the time is up


def run_hypothesis(fuzzer: Fuzzer, seconds: float, seed: int, finish, targets: tuple[str, ...] = TARGETS) -> None:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed
    from hypothesis import strategies as st

    from yaiba.testing import strategies

    _, texts_st = strategies()
    # the model-file target's choices, drawn up front with the other arguments (draws inside the
    # test would make the last, cut-short example of a round "flaky" to hypothesis)
    tape_st = st.lists(st.integers(0, 2**32 - 1), min_size=64, max_size=64)
    rounds = 0

    class TimeUp(Exception):
        pass

    @settings(
        max_examples=200,
        deadline=None,
        database=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.sampled_from(targets), texts_st, st.sampled_from(FORMATS), tape_st)
    def one(target, texts, fmt, tape):
        if fuzzer.time_up():
            raise TimeUp
        if target == "model-file":
            fuzzer.run_model_file(_tape_chooser(tape))
        else:
            fuzzer.run(target, texts, fmt)

    while not fuzzer.time_up():
        rounds += 1
        try:
            hseed(seed + rounds)(one)()
        except TimeUp:
            break
        except Exception:  # a failure the checks did not catch (should not happen)
            fuzzer._record("hypothesis", [], "", sys.exc_info()[1])
    finish({"engine": "hypothesis", "hypothesis": _version("hypothesis"), "rounds": rounds})


def _tape_chooser(tape: list[int]) -> Choose:
    """Choices in [lo, hi] read in turn from a list of drawn integers (round and round)."""
    position = iter(range(10**9))

    def choose(lo: int, hi: int) -> int:
        return lo + tape[next(position) % len(tape)] % (hi - lo + 1)

    return choose


def _version(dist: str) -> str:
    from importlib.metadata import version

    return version(dist)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0, help="time budget (default 10)")
    ap.add_argument("--engine", choices=("auto", "atheris", "hypothesis"), default="auto")
    ap.add_argument("--model", help="model file (default: the shipped model)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--artifacts",
        default=str(Path(tempfile.gettempdir()) / "yaiba-fuzz"),
        help="where failing inputs (and libFuzzer crash files) are saved",
    )
    ap.add_argument("--json", action="store_true", help="print only the JSON object")
    ap.add_argument(
        "--targets",
        default=",".join(TARGETS),
        help=f"comma-separated targets to fuzz (default: all of {','.join(TARGETS)})",
    )
    args = ap.parse_args(argv)
    targets = tuple(t.strip() for t in args.targets.split(",") if t.strip())
    unknown = sorted(set(targets) - set(TARGETS))
    if unknown or not targets:
        ap.error(f"--targets: unknown {unknown}; choose from {','.join(TARGETS)}")

    engine = args.engine
    if engine == "auto":
        try:
            import atheris

            engine = "atheris"
        except ImportError:
            engine = "hypothesis"
    if engine == "atheris":
        import atheris

        with atheris.instrument_imports(include=["yaiba"]):  # coverage feedback from yaiba's code
            import yaiba
            import yaiba.cli.main  # noqa: F401
    seconds = args.minutes * 60
    Path(args.artifacts).mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    fuzzer = Fuzzer(args.model, Path(args.artifacts), start + seconds)
    start = time.monotonic()  # the budget is for fuzzing, not for loading the model
    fuzzer.deadline = start + seconds

    from _common import machine

    def finish(info: dict) -> None:
        elapsed = time.monotonic() - start
        total = sum(fuzzer.counts.values())
        result = {
            "benchmark": "fuzz",
            "command": " ".join([Path(sys.executable).name, *sys.argv]),
            **info,
            "machine": machine(),
            "seconds": round(elapsed, 1),
            "inputs": total,
            "inputs_per_target": {t: fuzzer.counts[t] for t in targets},
            "model_files_loaded": fuzzer.loaded if "model-file" in targets else None,
            "inputs_per_second": round(total / elapsed, 2) if elapsed else None,
            "characters": fuzzer.chars,
            "failures": fuzzer.failures,
            "result": "no invariant violated" if not fuzzer.failures else f"{len(fuzzer.failures)} failure(s)",
        }
        if not args.json:
            print(
                f"\nfuzz: {engine}, {elapsed / 60:.1f} min, {total} inputs ({result['inputs_per_second']}/s), "
                f"{fuzzer.chars} characters"
            )
            print(f"{'target':12} {'inputs':>8}")
            for t in targets:
                print(f"{t:12} {fuzzer.counts[t]:>8}")
            print(f"result: {result['result']}")
            for f in fuzzer.failures[:10]:
                print(f"  {f['target']}: {f['error'][:120]}  ({f['saved']})")
            print()
        print(json.dumps(result, ensure_ascii=False))
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1 if fuzzer.failures else 0)  # also ends libFuzzer, which never returns

    (run_atheris if engine == "atheris" else run_hypothesis)(fuzzer, seconds, args.seed, finish, targets)
    return 2  # not reached


if __name__ == "__main__":
    sys.exit(main())
