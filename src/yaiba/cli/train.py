"""``yaiba train``, ``yaiba eval`` and ``yaiba build-model``: models from labelled posts."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import warnings
from typing import Any, cast

from yaiba.cli.common import EXIT_OK, UsageError, add_quiet, encoding, load_model, logged, probability, with_threshold
from yaiba.errors import DataError, YaibaError
from yaiba.evaluation import plots
from yaiba.evaluation.crossval import cross_validate
from yaiba.evaluation.evaluate import evaluate
from yaiba.evaluation.metrics import group_shares
from yaiba.io.posts import read_labelled
from yaiba.model import train
from yaiba.recipe import default_model as recipe


def add_commands(sub: Any) -> None:  # sub: argparse._SubParsersAction
    """Add ``train``, ``eval`` and ``build-model`` to the parser."""
    t = sub.add_parser("train", help="train a model on labelled posts")
    t.add_argument("data", nargs="+", help="labelled CSV or JSONL file(s)")
    t.add_argument("--text-col", default="text", help="column (CSV) or field (JSONL) holding the post")
    t.add_argument("--label-col", default="label", help="column or field holding the label")
    t.add_argument("--kind-col", help="column with the attack kind, to train the kind head (default: no kind head)")
    t.add_argument(
        "--positive-label", default="attack", help="the label P(positive) and thresholds are about (e.g. 1 for 0/1)"
    )
    t.add_argument("-o", "--output", required=True, help="where to write the model (.npz)")
    t.add_argument(
        "--C", type=float, default=None, help="inverse regularisation strength (default: 4.0, the estimator's)"
    )
    t.add_argument(
        "--target-precision",
        type=float,
        metavar="P",
        help="store the threshold on P(positive) reaching precision P on out-of-fold predictions "
        "(default: no stored threshold)",
    )
    t.add_argument("--cv-folds", type=int, default=5, help="cross-validation folds for --target-precision")
    t.add_argument("--encoding", default="utf-8", type=encoding, help="input encoding, e.g. cp932 for Shift_JIS")
    add_quiet(t)

    e = sub.add_parser("eval", help="evaluate a model on labelled posts")
    e.add_argument("model", help="model file, or 'default' for the shipped model")
    e.add_argument("data", help="labelled CSV or JSONL file")
    e.add_argument("--text-col", default="text", help="column (CSV) or field (JSONL) holding the post")
    e.add_argument("--label-col", default="label", help="column or field holding the true label")
    e.add_argument(
        "--id-col",
        metavar="COL",
        help="column naming each row: worst errors are named by it (default: a column 'id' if present, "
        "else the 0-based row number)",
    )
    e.add_argument(
        "--by",
        metavar="COL",
        help="also report the share predicted attack per value of COL, e.g. subtype (default: no groups)",
    )
    e.add_argument("--json", action="store_true", help="print JSON instead of a table")
    e.add_argument(
        "--target-precision",
        type=float,
        metavar="P",
        help="find the threshold on P(attack) reaching precision P, and the recall it keeps (default: none)",
    )
    e.add_argument(
        "--report",
        metavar="DIR",
        help="also write report.json, index.html and PNG plots to DIR (default: none); without matplotlib "
        "the plots are left out, with a note on stderr (pip install 'yaiba[plots]'), and the exit code stays 0",
    )
    e.add_argument("--worst", type=int, default=10, metavar="N", help="explain the N most confident errors")
    e.add_argument(
        "--binary",
        action="store_true",
        help="score attack versus rest (labels other than the positive one count as 'not_attack')",
    )
    e.add_argument(
        "--threshold",
        type=probability,
        help="predict attack when P(attack) >= this (default: the model's stored threshold)",
    )
    e.add_argument("--encoding", default="utf-8", type=encoding, help="input encoding, e.g. cp932 for Shift_JIS")
    add_quiet(e)

    b = sub.add_parser("build-model", help="train the shipped default model by its recipe (see models/README.md)")
    b.add_argument(
        "--datasets",
        default=os.environ.get("YAIBA_DATASETS"),
        help="folder of the public datasets inspection_ai and rtp_lx (default: $YAIBA_DATASETS; "
        "without either, the model learns from the corpus and --extra files only)",
    )
    b.add_argument(
        "--corpus",
        help="the project's labelled corpus (default: the copy packaged with yaiba, or data/corpus.csv of a checkout)",
    )
    b.add_argument(
        "--extra",
        action="append",
        default=[],
        metavar="FILE",
        help="your own labelled posts (CSV, TSV or JSONL; labels attack/criticism/neutral) added to the "
        "training rows; repeat for several files (default: none)",
    )
    b.add_argument(
        "--extra-weight",
        type=float,
        default=recipe.EXTRA_WEIGHT,
        metavar="W",
        help="weight of each --extra row (a corpus row weighs 1, a public row 2)",
    )
    b.add_argument("--text-col", default="text", help="column (CSV) or field (JSONL) of the post in --extra files")
    b.add_argument("--label-col", default="label", help="column of the label in --extra files")
    b.add_argument(
        "--kind-col",
        help="column of the attack kind in --extra files (default: 'kind' when a file has it; "
        "attacks without a kind train the label head only)",
    )
    b.add_argument("--encoding", default="utf-8", type=encoding, help="encoding of --extra files, e.g. cp932")
    b.add_argument("-o", "--output", required=True, help="where to write the model (make model: models/default.npz)")
    add_quiet(b)


def train_command(args: argparse.Namespace) -> int:
    """``yaiba train``: fit a model on labelled files and save it."""
    texts: list[str] = []
    labels: list[str] = []
    kinds: list[str | None] = []
    sources: list[dict[str, Any]] = []
    for path in args.data:
        t, y, more = read_labelled(
            path, args.text_col, args.label_col, [args.kind_col] if args.kind_col else [], args.encoding
        )
        k = more[args.kind_col] if args.kind_col else [None] * len(t)
        texts += t
        labels += y
        kinds += k
        sources.append({"path": os.path.basename(path), "rows": len(t)})
    if not texts:
        raise DataError(f"{', '.join(args.data)}: no labelled rows to train on")
    _check_positive_label(args.positive_label, labels)
    options = {} if args.C is None else {"C": args.C}
    info: dict[str, Any] = {"sources": sources}
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


def _check_positive_label(positive: str, labels: list[str]) -> None:
    """UsageError unless ``positive`` is one of ``labels`` (a model must know what P(positive) is of)."""
    present = sorted(set(labels))
    if positive not in present:
        shown = repr(present) if len(present) <= 10 else f"{present[:10]!r} and {len(present) - 10} more"
        raise UsageError(f'the positive label "{positive}" is not among the labels {shown}; pass --positive-label')


def _fit_threshold(
    texts: list[str], labels: list[str], args: argparse.Namespace, options: dict[str, Any]
) -> tuple[float, dict[str, Any]]:
    """The threshold on out-of-fold P(positive) reaching --target-precision, and its record."""
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
    threshold = cast(float, choice.threshold)  # set whenever the target is reached
    return threshold, {"label": positive, "folds": args.cv_folds, **choice.to_dict()}


def eval_command(args: argparse.Namespace) -> int:
    """``yaiba eval``: metrics (and optionally a report folder) of a model on labelled posts."""
    if args.target_precision is not None and not 0.0 < args.target_precision <= 1.0:
        raise UsageError("--target-precision must be in (0, 1]")
    if args.worst < 0:
        raise UsageError("--worst must be >= 0")
    if args.report and os.path.exists(args.report) and not os.path.isdir(args.report):
        raise UsageError(f"--report {args.report} is an existing file, not a folder")
    model = with_threshold(load_model(args.model), args.threshold)
    id_col = args.id_col or "id"  # --id-col must exist; a column 'id' is used when present
    texts, labels, more = read_labelled(
        args.data,
        args.text_col,
        args.label_col,
        [c for c in (args.by, args.id_col) if c],
        args.encoding,
        optional_cols=[] if args.id_col else ["id"],
    )
    if not texts:
        raise DataError(f"{args.data}: no labelled rows to evaluate on")
    groups = more[args.by] if args.by else [None] * len(texts)
    ids = more[id_col] if any(v is not None for v in more[id_col]) else None
    report = evaluate(
        model,
        texts,
        labels,
        target_precision=args.target_precision,
        worst=args.worst,
        binary=args.binary,
        ids=ids,
        model_source=args.model,
        data_source=args.data,
    )
    if args.by:
        report.metrics["group_col"] = args.by
        report.metrics["by_group"] = group_shares(groups, report.predicted)
    if args.json:  # the evaluation first: a report folder that fails later does not hide it
        print(json.dumps(report.to_dict(curves=False), ensure_ascii=False, indent=1))
    else:
        print(report)
    sys.stdout.flush()
    if args.report:
        drawn = plots.available()
        with warnings.catch_warnings():  # no matplotlib: said below in one line, not as a warning
            warnings.simplefilter("ignore", UserWarning)
            html = report.save(args.report)  # without matplotlib: report.json and index.html, with a note
        print(f"wrote {html}" + ("" if drawn else " and report.json, without plots"), file=sys.stderr)
        if not drawn:
            print(
                f"yaiba eval: the plots need matplotlib, which is not installed: {plots.INSTALL}",
                file=sys.stderr,
            )
    return EXIT_OK


def build_model_command(args: argparse.Namespace) -> int:
    """``yaiba build-model``: train the shipped default model by its recipe, plus ``--extra`` rows.

    Every input is checked before anything trains: the corpus, the datasets folder (a folder
    without the training sets is an error; a missing measurement set is skipped with a note)
    and each extra file (labels attack/criticism/neutral, else an error naming the line).
    """
    if not (math.isfinite(args.extra_weight) and args.extra_weight > 0):
        raise UsageError(f"--extra-weight must be a number > 0, got {args.extra_weight}")
    corpus = args.corpus if args.corpus is not None else recipe.default_corpus()
    if not os.path.isfile(corpus):
        raise DataError(f"{corpus}: no such file (--corpus)")
    notes = []
    if args.datasets:
        need, unmeasured = recipe.missing_datasets(args.datasets)
        if need:
            raise DataError(f"{args.datasets}: no {need[0]} in the datasets folder (the recipe trains on it)")
        notes += [f"not measured on {rel} (not in {args.datasets})" for rel in unmeasured]
    else:
        notes.append(
            "no --datasets (or YAIBA_DATASETS): trained without the public rows, so the model differs "
            "from the shipped one; not measured"
        )
    extras = [
        recipe.ExtraFile(path, args.text_col, args.label_col, args.kind_col, args.encoding) for path in args.extra
    ]
    model = recipe.build(corpus, args.datasets or None, extras=extras, extra_weight=args.extra_weight)
    if args.datasets:
        model.info["metrics"] = recipe.measure(model, args.datasets)
    model.save(args.output)
    lines = [f"wrote {args.output}"]
    for record in model.info["recipe"].get("extra", {}).get("files", []):
        lines.append(f"extra: {record['path']}: {record['rows']} rows (sha256 {record['sha256'][:12]}…)")
    lines += _metric_lines(model.info.get("metrics", {}))
    lines += [f"note: {n}" for n in notes]
    print("\n".join(lines), file=sys.stderr)
    return EXIT_OK


def _metric_lines(m: dict[str, Any]) -> list[str]:
    """What build-model prints of :func:`recipe.measure`'s numbers (the sets it measured)."""
    lines = []
    if "dev" in m:
        dev = m["dev"]
        lines.append(
            f"dev: macro-F1 {dev['macro_f1']:.3f}, attack F1 {dev['per_class']['attack']['f1']:.3f}, "
            f"criticism predicted attack {dev['per_class']['criticism']['predicted_attack']:.3f}"
        )
    if "rtp_lx_holdout" in m:
        lines.append(f"rtp_lx held out: ROC-AUC {m['rtp_lx_holdout']['roc_auc']:.3f}")
    if "nishika" in m:
        lines.append(
            f"nishika: PR-AUC {m['nishika']['pr_auc_attack']:.3f} (attack), "
            f"{m['nishika'].get('pr_auc_group_attack', float('nan')):.3f} (group attack)"
        )
    return lines


HANDLERS = {"train": logged(train_command), "eval": logged(eval_command), "build-model": logged(build_model_command)}
