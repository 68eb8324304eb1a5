"""The ``yaiba`` command: score, train, eval, info (and report-counts, nudge: cli_safety.py;
spark-score: cli_spark.py).

Exit codes: 0 success; 1 a data or model error (one line on stderr naming the file, row and
column); 2 a usage error; 130 interrupted (Ctrl-C) and 143 terminated (SIGTERM), in which
case no output file is left behind; 141 when the reader of stdout went away (``| head``).
"""

from __future__ import annotations

import argparse
import codecs
import json
import os
import signal
import sys
import tempfile
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from . import __version__
from .cli_safety import HANDLERS as SAFETY_HANDLERS
from .cli_safety import add_commands as add_safety_commands
from .cli_spark import HANDLERS as SPARK_HANDLERS
from .cli_spark import add_commands as add_spark_commands
from .errors import ModelFormatError, TokenizerError, YaibaError
from .persist import chmod_like_new_file
from .records import FORMATS, DataError, Reader, Row, Writer, detect_format

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so cleanup runs."""


def _encoding(name: str) -> str:
    try:
        codecs.lookup(name)
    except LookupError:
        raise argparse.ArgumentTypeError(f"unknown encoding {name!r} (e.g. utf-8, cp932)") from None
    return name


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="yaiba", description="Tell criticism from personal attack in Japanese posts.")
    p.add_argument("--version", action="version", version=f"yaiba {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("score", help="score posts in a CSV, JSONL or text file")
    s.add_argument("input", help="CSV, JSONL or text file (one post per line); - for stdin")
    s.add_argument("-o", "--output", default="-", help="output file (default: stdout)")
    s.add_argument("--text-col", default="text", help="column/field holding the post (CSV, JSONL)")
    s.add_argument("--threshold", type=float, help="predict attack when P(attack) >= this")
    s.add_argument("--model", help="model file (default: the shipped model)")
    s.add_argument("--in-format", choices=FORMATS, help="input format (default: from the extension; stdin: txt)")
    s.add_argument("--out-format", choices=(*FORMATS[:2], "table"),
                   help="output format (default: from -o's extension, else as the input; text becomes csv)")
    s.add_argument("--encoding", default="utf-8", type=_encoding,
                   help="input encoding, e.g. cp932 for Shift_JIS (default utf-8)")
    s.add_argument("--prefix", default="", help="prefix for the added columns (if the input already has e.g. 'label')")
    s.add_argument("--batch-size", type=int, default=2048)
    s.add_argument("--n-jobs", type=int, default=None, help="worker processes (-1: every core)")
    s.add_argument("--cache", type=int, default=0, metavar="N",
                   help="remember the scores of the last N distinct posts (repeated posts cost nothing)")
    s.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: when stderr is a terminal)")

    t = sub.add_parser("train", help="train a model on labelled posts")
    t.add_argument("data", nargs="+", help="labelled CSV or JSONL file(s)")
    t.add_argument("--text-col", default="text")
    t.add_argument("--label-col", default="label")
    t.add_argument("--kind-col", help="column with the attack kind (trains the kind head)")
    t.add_argument("--positive-label", default="attack")
    t.add_argument("-o", "--output", required=True, help="where to write the model (.npz)")
    t.add_argument("--C", type=float, default=None, help="inverse regularisation strength")
    t.add_argument("--target-precision", type=float, metavar="P",
                   help="store the threshold on P(positive) reaching precision P on out-of-fold predictions")
    t.add_argument("--cv-folds", type=int, default=5, help="folds for --target-precision (default 5)")
    t.add_argument("--encoding", default="utf-8", type=_encoding)

    e = sub.add_parser("eval", help="evaluate a model on labelled posts")
    e.add_argument("model", help="model file, or 'default' for the shipped model")
    e.add_argument("data", help="labelled CSV or JSONL file")
    e.add_argument("--text-col", default="text")
    e.add_argument("--label-col", default="label")
    e.add_argument("--by", metavar="COL", help="also report the share predicted attack per value of COL (e.g. subtype)")
    e.add_argument("--json", action="store_true", help="print JSON instead of a table")
    e.add_argument("--target-precision", type=float, metavar="P",
                   help="find the threshold on P(attack) reaching precision P, and the recall it keeps")
    e.add_argument("--report", metavar="DIR", help="write PNG plots, index.html and report.json to DIR")
    e.add_argument("--worst", type=int, default=10, metavar="N", help="explain the N most confident errors (default 10)")
    e.add_argument("--binary", action="store_true",
                   help="score attack versus rest (labels other than the positive one count as 'not_attack')")
    e.add_argument("--threshold", type=float, help="predict attack when P(attack) >= this (overrides the model's)")
    e.add_argument("--encoding", default="utf-8", type=_encoding)

    b = sub.add_parser("build-model", help="train the shipped default model by its recipe (see models/README.md)")
    b.add_argument("--datasets", default=os.environ.get("YAIBA_DATASETS"),
                   help="folder of the public datasets (default: $YAIBA_DATASETS)")
    b.add_argument("--corpus", default="data/corpus.csv")
    b.add_argument("-o", "--output", default="models/default.npz")

    sub.add_parser("info", help="versions of yaiba, the model, the dictionary and libraries")
    add_safety_commands(sub)
    add_spark_commands(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    old = signal.getsignal(signal.SIGTERM)
    try:
        signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread
        old = None
    try:
        handlers = {"score": _score, "train": _train, "eval": _eval, "build-model": _build_model,
                    "info": _info, **SAFETY_HANDLERS, **SPARK_HANDLERS}
        return handlers[args.command](args)
    except UsageError as exc:
        print(f"yaiba {args.command}: usage error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (DataError, ModelFormatError, TokenizerError, YaibaError, FileNotFoundError, ValueError) as exc:
        print(f"yaiba {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_DATA
    except KeyboardInterrupt:
        print(f"yaiba {args.command}: interrupted; no output written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of stdout went away (| head): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except _Terminated:
        print(f"yaiba {args.command}: terminated; no output written", file=sys.stderr)
        return 143
    finally:
        if old is not None:
            signal.signal(signal.SIGTERM, old)


def _on_sigterm(signum, frame) -> None:
    raise _Terminated()


def _load(path: str | None):
    from .model import load

    return load(None if path in (None, "default") else path)


@contextmanager
def _atomic_output(path: str) -> Iterator[IO[str]]:
    """stdout, or a temporary file renamed to ``path`` only when everything was written."""
    if path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    target = Path(path)
    if not target.parent.exists():
        raise DataError(f"{path}: folder {target.parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
        chmod_like_new_file(tmp)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _score(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    if args.batch_size < 1:
        raise UsageError("--batch-size must be >= 1")
    if args.threshold is not None and not 0.0 <= args.threshold <= 1.0:
        raise UsageError("--threshold must be between 0 and 1")
    in_fmt = detect_format(args.input if args.input != "-" else "", args.in_format)
    out_fmt = args.out_format or (
        detect_format(args.output) if args.output != "-" and Path(args.output).suffix else None
    ) or ("csv" if in_fmt == "txt" else in_fmt)
    if out_fmt == "txt":
        out_fmt = "csv"
    if args.cache < 0:
        raise UsageError("--cache must be >= 0")
    model = _load(args.model)
    if args.cache:
        model = model.with_cache(args.cache)
    positive = model.positive_label or model.classes_[-1]
    if args.threshold is not None:
        model = model.with_thresholds({positive: args.threshold})
    p = args.prefix
    prob_cols = [f"p_{positive}"] + [f"p_{c}" for c in model.classes_ if c != positive]
    added = [f"{p}label", *(p + c for c in prob_cols)] + ([f"{p}kind"] if model.kinds_ else []) + [f"{p}error"]
    errors = 0
    with Reader(args.input, in_fmt, args.text_col, args.encoding) as reader:
        existing = set(reader.header or [])
        clash = sorted(existing & set(added)) or (
            sorted({args.text_col} & set(added)) if in_fmt != "csv" else []
        )
        if clash:
            raise UsageError(
                f"{args.input} already has column(s) {', '.join(clash)}; pass --prefix yaiba_ to name the added ones"
            )
        if in_fmt == "jsonl" and out_fmt == "csv":
            print(f"yaiba score: CSV output keeps only the {args.text_col!r} field of JSONL input; "
                  "use JSONL output to keep every field", file=sys.stderr)
        with _atomic_output(args.output) as out, tqdm(
            unit=" posts", disable=None if args.progress is None else not args.progress, file=sys.stderr
        ) as bar:
            writer = Writer(out, out_fmt, reader.header, added, args.text_col)
            for chunk in reader.chunks(args.batch_size):
                errors += _score_rows(model, chunk, positive, prob_cols, p, args.n_jobs)
                writer.write(chunk)
                bar.update(len(chunk))
    if errors:
        print(f"yaiba score: {errors} row(s) could not be scored; see the {p}error column", file=sys.stderr)
    return EXIT_OK


def _score_rows(model, rows: list[Row], positive: str, prob_cols: list[str], p: str, n_jobs) -> int:
    ok = [r for r in rows if r.error is None]
    if ok:
        proba = model.predict_proba([r.text for r in ok], n_jobs=n_jobs)
        labels = model.labels_from_proba(proba)
        kinds: list[str | None] = [None] * len(ok)
        if model.kinds_:  # kinds only for the rows called attacks
            hit = [i for i, lab in enumerate(labels) if lab == model.positive_label]
            for i, kind in zip(hit, model.kind_of([ok[i].text for i in hit])):
                kinds[i] = kind
        order = [positive] + [c for c in model.classes_ if c != positive]
        cols = [model.classes_.index(c) for c in order]
        for r, row_p, lab, kind in zip(ok, proba, labels, kinds):
            r.extra[f"{p}label"] = lab
            for name, c in zip(prob_cols, cols):
                r.extra[p + name] = round(float(row_p[c]), 6)
            if model.kinds_:
                r.extra[f"{p}kind"] = kind
    for r in rows:
        if r.error is not None:
            r.extra[f"{p}error"] = r.error
    return len(rows) - len(ok)


def _read_labelled(path: str, text_col: str, label_col: str, extra_col: str | None, encoding: str):
    fmt = detect_format(path)
    if fmt == "txt":
        raise UsageError(f"{path}: labelled data must be CSV or JSONL")
    texts, labels, extras = [], [], []
    with Reader(path, fmt, text_col, encoding) as reader:
        if fmt == "csv":
            header = reader.header or []
            for col in [label_col] + ([extra_col] if extra_col else []):
                if col not in header:
                    raise DataError(f"{path}: no column {col!r} (columns: {', '.join(header)})")
        for chunk in reader.chunks(4096):
            for r in chunk:
                if r.error is not None:
                    raise DataError(f"{path}: {r.error}")
                get = (lambda c: r.fields[reader.header.index(c)]) if fmt == "csv" else r.fields.get
                label = get(label_col)
                if label in (None, ""):
                    raise DataError(f"{path}: line {r.line}: column {label_col!r} is empty")
                texts.append(r.text)
                labels.append(str(label))
                extras.append(get(extra_col) if extra_col else None)
    return texts, labels, extras


def _train(args: argparse.Namespace) -> int:
    from .model import train

    texts, labels, kinds, sources = [], [], [], []
    for path in args.data:
        t, y, k = _read_labelled(path, args.text_col, args.label_col, args.kind_col, args.encoding)
        texts += t
        labels += y
        kinds += k
        sources.append({"path": os.path.basename(path), "rows": len(t)})
    options = {} if args.C is None else {"C": args.C}
    info: dict = {"sources": sources}
    threshold = None
    if args.target_precision is not None:
        threshold, info["threshold"] = _fit_threshold(texts, labels, args, options)
    model = train(
        texts,
        labels,
        kinds=kinds if args.kind_col else None,
        positive_label=args.positive_label,
        info=info,
        **options,
    )
    if threshold is not None:
        model = model.with_thresholds({args.positive_label: threshold})
    model.save(args.output)
    print(f"wrote {args.output}: {len(texts)} posts, classes {', '.join(model.classes_)}", file=sys.stderr)
    return EXIT_OK


def _fit_threshold(texts: list[str], labels: list[str], args: argparse.Namespace, options: dict) -> tuple[float, dict]:
    """The threshold on out-of-fold P(positive) reaching --target-precision, and its record."""
    from .crossval import cross_validate

    target, positive = args.target_precision, args.positive_label
    if not 0.0 < target <= 1.0:
        raise UsageError("--target-precision must be in (0, 1]")
    if args.cv_folds < 2:
        raise UsageError("--cv-folds must be >= 2")
    if positive not in set(labels):
        raise UsageError(f"--target-precision: no row is labelled {positive!r} (set --positive-label)")
    cv = cross_validate(texts, labels, args.cv_folds, positive_label=positive, **options)
    choice = cv.threshold_for_precision(target)
    if not choice.reached:
        raise YaibaError(
            f"no threshold on out-of-fold P({positive}) reaches precision {target:g} "
            f"(best {choice.best_precision:.3f} at {choice.best_threshold:.4f}); no model written"
        )
    print(
        f"threshold for {positive}: P >= {choice.threshold:.4f} (out-of-fold precision {choice.precision:.3f}, "
        f"recall {choice.recall:.3f}, {args.cv_folds}-fold cross-validation)",
        file=sys.stderr,
    )
    return choice.threshold, {"label": positive, "folds": args.cv_folds, **choice.to_dict()}


def _eval(args: argparse.Namespace) -> int:
    from .evaluate import evaluate
    from .metrics import group_shares

    if args.target_precision is not None and not 0.0 < args.target_precision <= 1.0:
        raise UsageError("--target-precision must be in (0, 1]")
    if args.threshold is not None and not 0.0 <= args.threshold <= 1.0:
        raise UsageError("--threshold must be between 0 and 1")
    if args.worst < 0:
        raise UsageError("--worst must be >= 0")
    model = _load(args.model)
    if args.threshold is not None:
        model = model.with_thresholds({model.positive_label or model.classes_[-1]: args.threshold})
    texts, labels, groups = _read_labelled(args.data, args.text_col, args.label_col, args.by, args.encoding)
    report = evaluate(model, texts, labels, target_precision=args.target_precision, worst=args.worst,
                      binary=args.binary)
    if args.by:
        report.metrics["group_col"] = args.by
        report.metrics["by_group"] = group_shares(groups, report.predicted)
    if args.report:
        try:
            html = report.save(args.report)
        except ImportError as exc:
            raise YaibaError(str(exc)) from None
        print(f"wrote {html}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.to_dict(curves=False), ensure_ascii=False, indent=1))
    else:
        print(report)
    return EXIT_OK


def _build_model(args: argparse.Namespace) -> int:
    from . import recipe

    if not args.datasets:
        raise UsageError("pass --datasets DIR or set YAIBA_DATASETS")
    model = recipe.build(args.corpus, args.datasets)
    model.info["metrics"] = recipe.measure(model, args.datasets)
    model.save(args.output)
    m = model.info["metrics"]
    dev = m["dev"]
    print(
        f"wrote {args.output}\n"
        f"dev: macro-F1 {dev['macro_f1']:.3f}, attack F1 {dev['per_class']['attack']['f1']:.3f}, "
        f"criticism predicted attack {dev['per_class']['criticism']['predicted_attack']:.3f}\n"
        f"rtp_lx held out: ROC-AUC {m['rtp_lx_holdout']['roc_auc']:.3f}\n"
        f"nishika: PR-AUC {m['nishika']['pr_auc_attack']:.3f} (attack), "
        f"{m['nishika'].get('pr_auc_group_attack', float('nan')):.3f} (group attack)",
        file=sys.stderr,
    )
    return EXIT_OK


def _info(args: argparse.Namespace) -> int:
    from . import persist
    from .model import default_model_path

    env = persist.environment()
    print(f"yaiba {__version__}")
    for k, v in env.items():
        if k != "yaiba":
            print(f"{k}: {v}")
    print(f"python: {sys.version.split()[0]}")
    try:
        path = default_model_path()
        model = _load(None)
        print(f"default model: {path} ({path.stat().st_size / 1e6:.1f} MB)")
        print(f"  classes: {', '.join(model.classes_)}; kinds: {', '.join(model.kinds_) or '-'}")
    except (FileNotFoundError, ModelFormatError) as exc:
        print(f"default model: unavailable ({exc})")
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
