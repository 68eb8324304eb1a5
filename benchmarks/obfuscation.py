"""How obfuscation changes P(attack): clean sentences against their evasive variants.

``data/obfuscation.csv`` (written for the project) holds clean attack and non-attack
sentences (``evasion == clean``) and, in the same ``group_id``, variants per evasion type:
width, spacing, symbols, zero_width, kana, kanji_sub, elongation, mixed (the classic ones);
ellipsis (死…ね), homoglyph (ѕhine with a Cyrillic ѕ), romaji (shine, korosu), fuseji (死●,
殺＊), emoji_pad (死🔥ね) (the new ones); and harmless look-alikes, each beside a clean
paraphrase: lookalike_city (あの市ね、), lookalike_honorific (山田氏ね、), lookalike_quiz
(正解は〇ね), lookalike_count (あと4ね), lookalike_shine_word (遅いしね, シネマ),
lookalike_kill_news (殺人事件の報道), lookalike_game_kill (キル数), lookalike_hyperbole
(死ぬほどうまい). For each type, and for the groups all / classic / new_variants /
lookalikes, this reports, on the variants and on their clean originals: attack recall
(P(attack) >= 0.5 on attack rows), false-positive rate (on not_attack rows), and the mean
change of P(attack).
Target (issue 5): recall on variants within 5 points of recall on the clean sentences, and
no rise in false positives.

Usage: ``python benchmarks/obfuscation.py [--model PATH] [--json]``.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import pandas as pd

import yaiba
from _common import ROOT, emit, machine, parser

CLASSIC = {"width", "spacing", "symbols", "zero_width", "kana", "kanji_sub", "elongation", "mixed"}
NEW_VARIANTS = {"ellipsis", "homoglyph", "romaji", "fuseji", "emoji_pad"}


def _group(data: pd.DataFrame, evasion: str) -> pd.DataFrame:
    if evasion == "all":
        return data[data.evasion != "clean"]
    if evasion == "classic":
        return data[data.evasion.isin(CLASSIC)]
    if evasion == "new_variants":
        return data[data.evasion.isin(NEW_VARIANTS)]
    if evasion == "lookalikes":
        return data[data.evasion.str.startswith("lookalike_")]
    return data[data.evasion == evasion]


def measure(clf: yaiba.Model, data: pd.DataFrame, threshold: float = 0.5) -> dict:
    p = clf.score(data["text"])
    data = data.assign(p=p, flagged=p >= threshold)
    clean = data[data.evasion == "clean"].set_index("group_id")
    out = {}
    groups = ["all", "classic", "new_variants", "lookalikes"]
    for evasion in groups + sorted(set(data.evasion) - {"clean"}):
        var = _group(data, evasion)
        if var.empty:
            continue
        base = clean.loc[var.group_id]
        row = {}
        for label, name in (("attack", "recall"), ("not_attack", "false_positive_rate")):
            mask = (var.label == label).to_numpy()
            if mask.any():
                row[f"{name}_variants"] = float(var.flagged.to_numpy()[mask].mean())
                row[f"{name}_clean"] = float(base.flagged.to_numpy()[mask].mean())
                row[f"mean_delta_p_{label}"] = float((var.p.to_numpy()[mask] - base.p.to_numpy()[mask]).mean())
                row[f"n_{label}"] = int(mask.sum())
        out[evasion] = row
    return out


def main() -> int:
    p = parser(__doc__.split("\n")[0], posts=0)
    p.add_argument("--data", default=str(ROOT / "data" / "obfuscation.csv"))
    args = p.parse_args()
    data = pd.read_csv(args.data, dtype=str, keep_default_na=False)
    clf = yaiba.load(args.model)
    res = measure(clf, data)
    rows = []
    for ev, r in res.items():
        rows.append(
            [
                ev,
                r.get("n_attack", 0),
                f"{r.get('recall_clean', float('nan')):.3f}",
                f"{r.get('recall_variants', float('nan')):.3f}",
                f"{r.get('mean_delta_p_attack', float('nan')):+.3f}",
                r.get("n_not_attack", 0),
                f"{r.get('false_positive_rate_clean', float('nan')):.3f}",
                f"{r.get('false_positive_rate_variants', float('nan')):.3f}",
            ]
        )
    a = res["all"]
    verdict = {
        "recall_gap": a["recall_clean"] - a["recall_variants"],
        "fp_rise": a["false_positive_rate_variants"] - a["false_positive_rate_clean"],
    }
    verdict["met"] = verdict["recall_gap"] <= 0.05 and verdict["fp_rise"] <= 0.0
    result = {"benchmark": "obfuscation", "machine": machine(), "results": res, "target": verdict}
    emit(
        result,
        rows,
        ["evasion", "n att", "recall clean", "recall var", "Δp att", "n non", "FP clean", "FP var"],
        args.json,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
