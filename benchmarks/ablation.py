"""Which parts of the shipped recipe earn their keep: train variants, measure each the same way.

Every variant trains on the shipped model's data (``yaiba.recipe.default_model``: corpus + inspection_ai +
rtp_lx minus its held-out rows) and is measured by ``yaiba.recipe.default_model.measure`` on data it never
saw: dev.csv (attack F1, criticism and counter-speech/victim-report rows predicted attack),
RTP-LX held-out ROC-AUC, Nishika PR-AUC (attack, group attack); plus attack recall on the
obfuscated variants of data/obfuscation.csv. Variants that switch off something internal
(quote marks, conjunctions, the v2 normaliser) patch it in a child process of their own.

Usage: ``python benchmarks/ablation.py [--variants full,no_lexicon,...] [--json]``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from _common import ROOT, emit, machine, parser

VARIANTS = {
    "full": {},
    "no_lexicon": {"settings": {"lexicon": False}},
    "no_char_view": {"settings": {"char_ngrams": (0, 0)}},
    "no_word_view": {"settings": {"word_ngrams": (0, 0)}},
    "no_calibration": {"settings": {"calibrate": False}},
    "no_class_weights": {"settings": {"class_weight": None}},
    "normaliser_v1": {"settings": {"normalizer": 1}},
    "no_quote_marks": {"settings": {"lexicon_quotes": False}},
    "no_conjunctions": {"settings": {"lexicon_conjunctions": False}},
    "corpus_only": {"patch": "corpus_only"},
    "public_weight_1": {"patch": "public_weight_1"},
}

CHILD = r"""
import json, sys
import numpy as np, pandas as pd
import yaiba
from yaiba.recipe import default_model as recipe
spec = json.loads(sys.argv[1]); datasets = sys.argv[2]; root = sys.argv[3]
for k, v in spec.get("settings", {}).items():
    recipe.SETTINGS[k] = tuple(v) if isinstance(v, list) else v
patch = spec.get("patch")
if patch == "public_weight_1":
    recipe.PUBLIC_WEIGHT = 1.0
elif patch == "corpus_only":
    full = recipe.training_frame
    recipe.training_frame = lambda corpus, d: full(corpus, d).query("source == 'corpus'")
model = recipe.build(f"{root}/data/corpus.csv", datasets)
m = recipe.measure(model, datasets)
obf = pd.read_csv(f"{root}/data/obfuscation.csv", dtype=str, keep_default_na=False)
att = obf[obf.label == "attack"]
p = model.score(att.text)
clean, var = (att.evasion == "clean").to_numpy(), (att.evasion != "clean").to_numpy()
dev = m["dev"]; sub = dev["by_subtype"]
stance = [sub[k] for k in ("counter_speech", "victim_report")]
print(json.dumps({
    "dev_macro_f1": dev["macro_f1"], "dev_attack_f1": dev["per_class"]["attack"]["f1"],
    "dev_criticism_as_attack": dev["per_class"]["criticism"]["predicted_attack"],
    "dev_stance_as_attack": sum(s["n"] * s["predicted_attack"] for s in stance) / sum(s["n"] for s in stance),
    "rtp_roc_auc": m["rtp_lx_holdout"]["roc_auc"], "nishika_pr_auc": m["nishika"]["pr_auc_attack"],
    "nishika_group_pr_auc": m["nishika"].get("pr_auc_group_attack"),
    "obfuscated_recall": float((p[var] >= 0.5).mean()), "clean_recall": float((p[clean] >= 0.5).mean()),
}))
"""

COLUMNS = [
    "dev_macro_f1",
    "dev_attack_f1",
    "dev_criticism_as_attack",
    "dev_stance_as_attack",
    "rtp_roc_auc",
    "nishika_pr_auc",
    "nishika_group_pr_auc",
    "obfuscated_recall",
]


def main() -> int:
    p = parser(__doc__.split("\n")[0], posts=0)
    p.add_argument("--variants", default=",".join(VARIANTS))
    args = p.parse_args()
    results = {}
    for name in args.variants.split(","):
        if name not in VARIANTS:
            sys.exit(f"unknown variant {name!r}; choose from {', '.join(VARIANTS)}")
        out = subprocess.run(
            [sys.executable, "-c", CHILD, json.dumps(VARIANTS[name]), args.datasets, str(ROOT)],
            capture_output=True,
            text=True,
        )
        if out.returncode != 0:
            sys.exit(f"variant {name} failed:\n{out.stderr[-2000:]}")
        results[name] = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"done: {name}", file=sys.stderr, flush=True)
    rows = [[n] + [f"{r[c]:.3f}" if r[c] is not None else "-" for c in COLUMNS] for n, r in results.items()]
    emit({"benchmark": "ablation", "machine": machine(), "results": results}, rows, ["variant"] + COLUMNS, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
