"""Fuzz yaiba for a time budget: the normaliser, the MeCab wrapper, the model (score,
predict_proba, predict, explain) and ``yaiba score`` on generated CSV/JSONL/text files.

Every input is checked against the invariants of yaiba.testing (the same checks the
CI property tests run): nothing raises, one output per input in order, finite probabilities
in [0, 1], deterministic, batch equals one by one. A violation is recorded (input saved as
JSON under --artifacts) and fuzzing goes on; the exit code is 1 if any was found.

Engines: ``atheris`` (coverage-guided libFuzzer; ``pip install atheris``) or ``hypothesis``
(random with shrinking; installed by ``make test``). Default: atheris when importable.

    python benchmarks/fuzz.py --minutes 10               # table, then one JSON object
    python benchmarks/fuzz.py --minutes 1 --engine hypothesis --json
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

TARGETS = ("normalizer", "tokenizer", "model", "cli")
FORMATS = ("csv", "jsonl", "txt")


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
            else:
                folder = self.work / f"cli{self.counts['cli']}"
                folder.mkdir()
                with contextlib.redirect_stderr(io.StringIO()):  # "N row(s) could not be scored"
                    r.check_cli(self.main, self.model, self.model_path, folder, texts, fmt)
                folder.rmdir()
        except Exception as exc:  # a violated invariant or a crash: keep the input, go on
            self._record(target, texts, fmt, exc)

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


def _texts_from_bytes(data: bytes):
    """Atheris: build (target, texts, format) from libFuzzer's bytes."""
    import atheris

    from yaiba.testing import JAPANESE, ODD_PIECES

    fdp = atheris.FuzzedDataProvider(data)
    target = TARGETS[fdp.ConsumeIntInRange(0, len(TARGETS) - 1)]
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


def run_atheris(fuzzer: Fuzzer, seconds: float, seed: int, finish) -> None:
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
        target, texts, fmt = _texts_from_bytes(data)
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


def run_hypothesis(fuzzer: Fuzzer, seconds: float, seed: int, finish) -> None:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed
    from hypothesis import strategies as st

    from yaiba.testing import strategies

    _, texts_st = strategies()
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
    @given(st.sampled_from(TARGETS), texts_st, st.sampled_from(FORMATS))
    def one(target, texts, fmt):
        if fuzzer.time_up():
            raise TimeUp
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
    args = ap.parse_args(argv)

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
            "inputs_per_target": {t: fuzzer.counts[t] for t in TARGETS},
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
            for t in TARGETS:
                print(f"{t:12} {fuzzer.counts[t]:>8}")
            print(f"result: {result['result']}")
            for f in fuzzer.failures[:10]:
                print(f"  {f['target']}: {f['error'][:120]}  ({f['saved']})")
            print()
        print(json.dumps(result, ensure_ascii=False))
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1 if fuzzer.failures else 0)  # also ends libFuzzer, which never returns

    (run_atheris if engine == "atheris" else run_hypothesis)(fuzzer, seconds, args.seed, finish)
    return 2  # not reached


if __name__ == "__main__":
    sys.exit(main())
