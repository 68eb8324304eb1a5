"""Deriving the nudge rule: grouped cross-validation on labelled posts.

``python -m yaiba.nudge_rule data/corpus.csv -o src/yaiba/resources/nudge_rule.json``
(``make nudge-rule``) trains ``yaiba.train`` models on k-1 folds of the corpus, scores the
held-out fold, and picks the P(attack) threshold that leaves the widest margin to both
targets of :func:`yaiba.nudge`: at most ``max_criticism`` of criticism rows nudged, at least
``min_attack`` of attack rows. Minimal pairs never straddle folds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from yaiba.io.atomic import atomic_output
from yaiba.safety.nudging import MAX_CRITICISM, MIN_ATTACK
from yaiba.validation import check_labels, check_texts


def choose_threshold(
    p_criticism: np.ndarray,
    p_attack: np.ndarray,
    *,
    max_criticism: float = MAX_CRITICISM,
    min_attack: float = MIN_ATTACK,
) -> tuple[float, dict[str, float]]:
    """The threshold leaving the widest margin on both targets, from held-out P(attack).

    Among cut points between observed scores, maximise ``min(max_criticism - c(t),
    a(t) - min_attack)`` where c(t) and a(t) are the shares of criticism and attack rows with
    P(attack) >= t; ties go to the middle of the best run. Returns the threshold and the rates
    at it.
    """
    pc = np.sort(np.asarray(p_criticism, dtype=np.float64))
    pa = np.sort(np.asarray(p_attack, dtype=np.float64))
    if not len(pc) or not len(pa):
        raise ValueError("need held-out scores of both criticism and attack rows")
    values = np.unique(np.concatenate([pc, pa, [0.0, 1.0]]))
    cuts = np.concatenate([[values[0]], (values[:-1] + values[1:]) / 2, [np.nextafter(values[-1], 2)]])
    cuts = cuts[(cuts > 0) & (cuts <= 1)]
    c = (len(pc) - np.searchsorted(pc, cuts, side="left")) / len(pc)  # share >= cut
    a = (len(pa) - np.searchsorted(pa, cuts, side="left")) / len(pa)
    slack = np.minimum(max_criticism - c, a - min_attack)
    best = np.flatnonzero(np.isclose(slack, slack.max()))
    pick = best[len(best) // 2]
    t = float(cuts[pick])
    return t, {"criticism_nudged": float(c[pick]), "attack_nudged": float(a[pick]), "slack": float(slack[pick])}


def derive_threshold(
    texts: Sequence[str],
    labels: Sequence[str],
    groups: Sequence[str] | None = None,
    *,
    folds: int = 5,
    max_criticism: float = MAX_CRITICISM,
    min_attack: float = MIN_ATTACK,
    random_state: int = 0,
    extra: Any = None,
    **train_options: Any,
) -> dict[str, Any]:
    """Derive the nudge threshold by grouped k-fold cross-validation on labelled posts.

    Parameters
    ----------
    texts, labels
        Labelled posts (labels include ``criticism`` and ``attack``).
    groups : optional
        Group of each post (e.g. ``pair_id``; '' for none): a group never straddles folds,
        so a minimal pair's members are never one in training and one held out.
    extra : DataFrame, optional
        Rows (``text``, ``label``, ``weight``) added to every training fold and never held
        out: the public data of the shipped model's recipe, so the fold models are trained
        the way the shipped model is.
    **train_options
        Passed to :func:`yaiba.train` (use the recipe of the model the rule is for).

    Returns
    -------
    dict
        ``threshold``, the cross-validated rates at it, and the settings.
    """
    from sklearn.model_selection import StratifiedGroupKFold

    from yaiba.model import train

    items = check_texts(texts)
    y = check_labels(labels, len(items))
    g = np.asarray(
        [str(v) if v else f"row{i}" for i, v in enumerate(groups)]
        if groups is not None
        else [f"row{i}" for i in range(len(items))]
    )
    cv = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=random_state)
    oof = np.full(len(items), np.nan)
    for train_idx, test_idx in cv.split(np.zeros(len(y)), y, g):
        fold_texts, fold_labels = [items[i] for i in train_idx], list(y[train_idx])
        weights = None
        if extra is not None:
            fold_texts += list(extra["text"])
            fold_labels += list(extra["label"])
            weights = [1.0] * len(train_idx) + list(extra["weight"])
        model = train(fold_texts, fold_labels, sample_weight=weights, **train_options)
        oof[test_idx] = model.score([items[i] for i in test_idx])
    t, rates = choose_threshold(
        oof[y == "criticism"], oof[y == "attack"], max_criticism=max_criticism, min_attack=min_attack
    )
    rates["neutral_nudged"] = float((oof[y == "neutral"] >= t).mean()) if (y == "neutral").any() else float("nan")
    return {
        "rule": "nudge when P(attack) >= threshold",
        "threshold": round(t, 6),
        "cross_validation": {k: round(v, 4) for k, v in rates.items()},
        "targets": {"max_criticism_nudged": max_criticism, "min_attack_nudged": min_attack},
        "method": (
            f"{folds}-fold StratifiedGroupKFold (groups: minimal pairs) out-of-fold P(attack) of "
            "yaiba.train models; threshold maximising the smaller margin to the two targets"
        ),
        "rows": {str(k): int((y == k).sum()) for k in np.unique(y)},
        "train_options": train_options,
        "random_state": random_state,
    }


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: Iterable[str] | None = None) -> int:
    """``python -m yaiba.nudge_rule CORPUS... -o RULE.json``: derive and write the rule."""
    import pandas as pd

    from yaiba.metadata import __version__

    p = argparse.ArgumentParser(prog="python -m yaiba.nudge_rule", description="derive the nudge threshold")
    p.add_argument("data", nargs="+", help="labelled CSV file(s) (the training corpus of the model)")
    p.add_argument("-o", "--output", default="-", help="where to write the rule JSON (default stdout)")
    p.add_argument("--text-col", default="text")
    p.add_argument("--label-col", default="label")
    p.add_argument("--group-col", default="pair_id", help="minimal-pair column ('' for none)")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--datasets", help="add the shipped recipe's public rows (yaiba.recipe) to every training fold")
    args = p.parse_args(list(argv) if argv is not None else None)
    frames, sources = [], []
    for path in args.data:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        for col in (args.text_col, args.label_col, *([args.group_col] if args.group_col else [])):
            if col not in df.columns:
                print(f"{path}: no column {col!r}", file=sys.stderr)
                return 1
        frames.append(df)
        sources.append({"path": Path(path).as_posix(), "rows": len(df), "sha256": _sha256(Path(path))})
    data = pd.concat(frames, ignore_index=True)
    groups = data[args.group_col].tolist() if args.group_col else None
    extra = None
    if args.datasets:
        from yaiba.recipe import default_model as recipe

        extra = recipe.public_frame(args.datasets)
    record = derive_threshold(
        data[args.text_col].tolist(), data[args.label_col].tolist(), groups, folds=args.folds, extra=extra
    )
    record["data"] = sources
    if extra is not None:
        record["public_data"] = {
            "rows": len(extra),
            "added_to": "every training fold",
            "from": "yaiba.recipe.public_frame (the shipped model's public rows)",
        }
    record["derived_with"] = {"yaiba": __version__, "date": dt.date.today().isoformat()}
    text = json.dumps(record, ensure_ascii=False, indent=1) + "\n"
    with atomic_output(args.output) as fh:  # "-": stdout
        fh.write(text)
    if args.output != "-":
        print(
            f"wrote {args.output}: threshold {record['threshold']} (cv: {record['cross_validation']})", file=sys.stderr
        )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
