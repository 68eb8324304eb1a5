"""Loaders for labelled data: the public Japanese datasets and your own CSV/JSONL/pandas.

Every loader returns a pandas DataFrame with columns ``text``, ``label`` (yaiba's labels:
``attack`` or ``not_attack`` for the public sets, whatever you have for your own), ``kind``
(attack kind where the source tells it, else ""), ``source`` and ``id``. The mappings follow
the datasets README and are documented per function. Nothing is downloaded: pass a path,
or set ``YAIBA_DATASETS`` to the folder that holds the datasets.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from yaiba.io.posts import read_labelled

COLUMNS = ["id", "text", "label", "kind", "source"]


def datasets_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """``path``, else ``$YAIBA_DATASETS``; raises FileNotFoundError naming what was tried."""
    chosen = path if path is not None else os.environ.get("YAIBA_DATASETS")
    if chosen is None:
        raise FileNotFoundError("no datasets folder: pass a path or set YAIBA_DATASETS")
    p = Path(chosen)
    if not p.is_dir():
        raise FileNotFoundError(f"datasets folder not found: {p}")
    return p


def _frame(
    ids: Iterable[Any], texts: Iterable[Any], labels: Iterable[Any], kinds: Iterable[Any], source: str
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [str(i) for i in ids],
            "text": [str(t) for t in texts],
            "label": [str(v) for v in labels],
            "kind": [str(v) for v in kinds],
            "source": source,
        },
        columns=COLUMNS,
    )


def _file(path: str | os.PathLike[str], rel: str) -> Path:
    """The dataset file: ``path`` itself, or ``rel`` inside a dataset folder or the datasets root."""
    p = Path(path)
    if not p.is_dir():
        if not p.is_file():
            raise FileNotFoundError(f"no such file: {p}")
        return p
    for candidate in (p / Path(rel).name, p / rel):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{rel} not found under {p}")


def load_inspection_ai(path: str | os.PathLike[str]) -> pd.DataFrame:
    """inspection-ai ``subset.csv``: ``attack`` when Toxic + Very Toxic votes exceed Not Toxic + Hard to Say.

    The kind is ``discrimination`` when the 差別 category has votes, ``doxxing`` for the
    privacy category, else ``insult`` for attacks.
    """
    f = _file(path, "inspection_ai/subset.csv")
    df = pd.read_csv(f, dtype={"text": str}, keep_default_na=False)
    for col in ("text", "Not Toxic", "Hard to Say", "Toxic", "Very Toxic"):
        if col not in df.columns:
            raise ValueError(f"{f}: no column {col!r}; is this inspection-ai subset.csv?")
    attack = (df["Toxic"] + df["Very Toxic"]) > (df["Not Toxic"] + df["Hard to Say"])
    kind = np.where(
        df.get("category_差別", 0) > 0,
        "discrimination",
        np.where(df.get("category_出会い・プライバシー侵害", 0) > 0, "doxxing", "insult"),
    )
    return _frame(
        df["id"], df["text"], np.where(attack, "attack", "not_attack"), np.where(attack, kind, ""), "inspection_ai"
    )


def load_rtp_lx(path: str | os.PathLike[str]) -> pd.DataFrame:
    """RTP-LX ``RTP_LX_JA.json`` (JSON lines): ``attack`` when the mean Toxicity annotation is >= 3.

    The kind is the highest of IdentityAttack (discrimination), Violence (threat) and Insult
    (insult) mean scores. ``id`` is the row's ``Index``.
    """
    f = _file(path, "rtp_lx/RTP_LX_JA.json")
    rows = []
    with open(f, encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                ann = rec["Annotations"]
                rows.append((rec["Index"], rec["Prompt"] + (rec.get("Completion") or ""), ann))
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise ValueError(f"{f}: line {line_no} is not an RTP-LX record ({exc})") from None
    kinds_by = {"IdentityAttack": "discrimination", "Violence": "threat", "Insult": "insult"}
    labels, kinds = [], []
    for _, _, ann in rows:
        attack = float(ann["Toxicity"]) >= 3
        labels.append("attack" if attack else "not_attack")
        kinds.append(kinds_by[max(kinds_by, key=lambda k: float(ann.get(k, 0)))] if attack else "")
    return _frame([r[0] for r in rows], [r[1] for r in rows], labels, kinds, "rtp_lx")


def load_nishika(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Nishika hate-speech ``train.csv``: ``attack`` (kind ``discrimination``) when ``label`` is 1.

    Licence unstated: use for evaluation and research only, never to train a shipped model.
    """
    f = _file(path, "nishika_hate_speech/train.csv")
    df = pd.read_csv(f, dtype={"text": str, "id": str}, keep_default_na=False)
    if "label" not in df.columns:
        raise ValueError(f"{f}: no column 'label'; is this the Nishika train.csv?")
    attack = df["label"].astype(int) == 1
    out = _frame(
        df["id"],
        df["text"],
        np.where(attack, "attack", "not_attack"),
        np.where(attack, "discrimination", ""),
        "nishika",
    )
    out["board"] = df.get("source", "")
    return out


def load_criticism_vs_attack(path: str | os.PathLike[str]) -> pd.DataFrame:
    """The project's dev set ``dev.csv``: labels are already yaiba's; ``kind`` is its ``subtype``."""
    f = _file(path, "criticism_vs_attack/dev.csv")
    df = pd.read_csv(f, dtype=str, keep_default_na=False)
    out = _frame(df["id"], df["text"], df["label"], df["subtype"], "criticism_vs_attack")
    out["pair_id"] = df.get("pair_id", "")
    return out


def load_labelled_ids(path: str | os.PathLike[str], labels: str | os.PathLike[str]) -> pd.DataFrame:
    """Real open2ch posts labelled by the project (``data/real/open2ch_labels.csv``), text joined by id.

    The label file holds ids and labels only (the posts' licence allows no copy); the text
    comes from the Nishika folder under ``path`` (``train.csv`` and ``unlabelled.csv``), looked
    up by the label file's ``id`` and ``file`` columns. Every id must be found. For evaluation
    and model selection only, never to train a shipped model.
    """
    frame = pd.read_csv(labels, dtype=str, keep_default_na=False)
    missing_cols = {"id", "file", "label", "kind"} - set(frame.columns)
    if missing_cols:
        raise ValueError(f"{labels}: missing column(s) {', '.join(sorted(missing_cols))}")
    texts: dict[tuple[str, str], str] = {}
    for name in sorted(set(frame["file"])):
        src = pd.read_csv(_file(path, f"nishika_hate_speech/{name}"), dtype=str, keep_default_na=False)
        texts.update(((name, i), s) for i, s in zip(src["id"], src["text"]))
    keys = list(zip(frame["file"], frame["id"]))
    absent = [k for k in keys if k not in texts]
    if absent:
        raise ValueError(f"{labels}: {len(absent)} id(s) not found in {path}, e.g. {absent[0][1]} in {absent[0][0]}")
    out = _frame(frame["id"], [texts[k] for k in keys], frame["label"], frame["kind"], "open2ch_dev")
    for col in frame.columns:
        if col not in out.columns and col != "file":
            out[col] = frame[col].to_numpy()
    return out


def load_table(
    data: str | os.PathLike[str] | pd.DataFrame,
    text_col: str = "text",
    label_col: str = "label",
    kind_col: str | None = None,
) -> pd.DataFrame:
    """Your own labelled posts from a CSV/TSV/JSONL file or a DataFrame.

    Rows with a missing text or label raise ValueError naming the row and column.
    """
    if not isinstance(data, pd.DataFrame):
        where = os.fspath(data)
        texts, labels, more = read_labelled(
            where, text_col, label_col, [kind_col] if kind_col else [], optional_cols=["id"]
        )
        ids = more["id"] if all(i is not None for i in more["id"]) else range(len(texts))
        kinds = [k or "" for k in more[kind_col]] if kind_col else [""] * len(texts)
        return _frame(ids, texts, labels, kinds, Path(where).stem)
    df, where = data, "DataFrame"
    for col in [text_col, label_col] + ([kind_col] if kind_col else []):
        if col not in df.columns:
            raise ValueError(f"{where}: no column {col!r} (columns: {', '.join(map(str, df.columns))})")
    for col in (text_col, label_col):
        values = df[col]
        bad = values.isna() | values.map(lambda v: not isinstance(v, str) if col == text_col else v == "")
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise ValueError(f"{where}: row {i} has no usable value in column {col!r}")
    frame_kinds = df[kind_col].fillna("").astype(str) if kind_col else [""] * len(df)
    frame_ids = df["id"] if "id" in df.columns else range(len(df))
    return _frame(frame_ids, df[text_col], df[label_col].astype(str), frame_kinds, "table")
