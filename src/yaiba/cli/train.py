"""``yaiba train``, ``yaiba eval`` and ``yaiba build-model``: models from labelled posts."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, cast

from yaiba.cli.common import EXIT_OK, UsageError, encoding, load_model, probability, with_threshold
from yaiba.errors import DataError, YaibaError
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
    t.add_argument("--text-col", default="text")
    t.add_argument("--label-col", default="label")
    t.add_argument("--kind-col", help="column with the attack kind (trains the kind head)")
    t.add_argument("--positive-label", default="attack")
    t.add_argument("-o", "--output", required=True, help="where to write the model (.npz)")
    t.add_argument("--C", type=float, default=None, help="inverse regularisation strength")
    t.add_argument(
        "--target-precision",
        type=float,
        metavar="P",
        help="store the threshold on P(positive) reaching precision P on out-of-fold predictions",
    )
    t.add_argument("--cv-folds", type=int, default=5, help="folds for --target-precision (default 5)")
    t.add_argument("--encoding", default="utf-8", type=encoding)

    e = sub.add_parser("eval", help="evaluate a model on labelled posts")
    e.add_argument("model", help="model file, or 'default' for the shipped model")
    e.add_argument("data", help="labelled CSV or JSONL file")
    e.add_argument("--text-col", default="text")
    e.add_argument("--label-col", default="label")
    e.add_argument("--by", metavar="COL", help="also report the share predicted attack per value of COL (e.g. subtype)")
    e.add_argument("--json", action="store_true", help="print JSON instead of a table")
    e.add_argument(
        "--target-precision",
        type=float,
        metavar="P",
        help="find the threshold on P(attack) reaching precision P, and the recall it keeps",
    )
    e.add_argument("--report", metavar="DIR", help="write PNG plots, index.html and report.json to DIR")
    e.add_argument(
        "--worst", type=int, default=10, metavar="N", help="explain the N most confident errors (default 10)"
    )
    e.add_argument(
        "--binary",
        action="store_true",
        help="score attack versus rest (labels other than the positive one count as 'not_attack')",
    )
    e.add_argument(
        "--threshold", type=probability, help="predict attack when P(attack) >= this (overrides the model's)"
    )
    e.add_argument("--encoding", default="utf-8", type=encoding)

    b = sub.add_parser("build-model", help="train the shipped default model by its recipe (see models/README.md)")
    b.add_argument(
        "--datasets",
        default=os.environ.get("YAIBA_DATASETS"),
        help="folder of the public datasets (default: $YAIBA_DATASETS)",
    )
    b.add_argument("--corpus", default="data/corpus.csv")
    b.add_argument("-o", "--output", default="models/default.npz")


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
    texts, labels, more = read_labelled(
        args.data, args.text_col, args.label_col, [args.by] if args.by else [], args.encoding
    )
    if not texts:
        raise DataError(f"{args.data}: no labelled rows to evaluate on")
    groups = more[args.by] if args.by else [None] * len(texts)
    report = evaluate(
        model, texts, labels, target_precision=args.target_precision, worst=args.worst, binary=args.binary
    )
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


def build_model_command(args: argparse.Namespace) -> int:
    """``yaiba build-model``: train the shipped default model by its recipe."""
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


HANDLERS = {"train": train_command, "eval": eval_command, "build-model": build_model_command}
