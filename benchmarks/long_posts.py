"""Do attacks survive in long posts? Each dev post buried after 0, 2, 5 and 10 harmless sentences.

Every attack and every criticism post of ``criticism_vs_attack/dev.csv`` is put after k
harmless sentences (written for this benchmark; everyday chatter, drawn with a fixed seed per
post), once joined directly (each sentence ends with 。) and once one sentence per line. For
each k it reports the share of attack posts the model flags (label == its positive class, by
its thresholds) and that share relative to k = 0 (target: >= 0.90 at k = 10), and the share of
criticism posts called attack (target: <= 0.05). It also reports attack F1 and criticism ->
attack on the dev set itself, unburied (targets: >= 0.90 and <= 0.05).

    python benchmarks/long_posts.py [--model FILE] [--json]

Needs: the datasets folder (YAIBA_DATASETS).
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

sys.path.insert(0, os.path.dirname(__file__))
import yaiba
from _common import emit, machine, parser

DEPTHS = (0, 2, 5, 10)
HARMLESS = (
    "今日は朝から雨が降っていた。",
    "駅前のパン屋さんが新しくなっていた。",
    "最近は寝る前に少しだけ本を読んでいる。",
    "週末は家の掃除をする予定だ。",
    "昼ごはんは近所の定食屋で食べた。",
    "新しいスニーカーを買ったので履き慣らしている。",
    "電車が少し遅れていたけど間に合った。",
    "夜になると風が涼しくて気持ちいい。",
    "久しぶりに実家の猫の写真が送られてきた。",
    "コーヒーを淹れる練習をしている。",
    "図書館で借りた本の返却日が近い。",
    "スーパーでみかんが安かった。",
    "先週から朝に散歩を始めた。",
    "部屋の植物に新しい芽が出ていた。",
    "明日は少し早起きしないといけない。",
    "友達と行くキャンプの準備をしている。",
    "テレビで旅番組を見ながら夕飯を食べた。",
    "自転車のタイヤに空気を入れた。",
    "今年の夏は去年より暑い気がする。",
    "カレーを多めに作ったので明日も食べる。",
    "近所の公園で桜がきれいに咲いていた。",
    "仕事帰りに本屋に寄った。",
    "ベランダで洗濯物がよく乾いた。",
    "ラジオで懐かしい曲が流れていた。",
    "弟が来週こっちに遊びに来る。",
    "午後は少し昼寝をした。",
    "新しい手帳を使い始めた。",
    "雨上がりに虹が見えた。",
    "冷蔵庫の中を整理した。",
    "駅の階段で知り合いに会った。",
    "スマホの写真を整理していたら時間が過ぎた。",
    "夕方の空がオレンジ色だった。",
    "お茶を飲みながらのんびりしている。",
    "来月の旅行の宿を予約した。",
    "天気予報では明日は晴れるらしい。",
    "郵便局で荷物を受け取った。",
    "朝ごはんにトーストと卵を食べた。",
    "隣の家から焼き魚のいい匂いがした。",
    "久しぶりに長い距離を歩いた。",
    "机の上を片付けたら気分がすっきりした。",
)
JOINERS = {"sentences": "", "lines": "\n"}


def bury(texts: list[str], k: int, joiner: str, seed: int) -> list[str]:
    """Each text after ``k`` distinct harmless sentences (a fixed draw per text)."""
    rng = np.random.default_rng(seed)
    out = []
    for text in texts:
        filler = [HARMLESS[i] for i in rng.choice(len(HARMLESS), size=k, replace=False)]
        out.append(joiner.join([*filler, text]))
    return out


def flagged(model: yaiba.Model, texts: list[str]) -> np.ndarray:
    return np.array(model.predict(texts)) == model.positive_class


def main() -> None:
    ap = parser(__doc__.splitlines()[0], posts=0)
    args = ap.parse_args()
    path = os.path.join(args.datasets, "criticism_vs_attack", "dev.csv")
    if not os.path.isfile(path):
        sys.exit(f"benchmark needs {path} (set YAIBA_DATASETS or pass --datasets)")
    dev = pd.read_csv(path, dtype=str, keep_default_na=False)
    model = yaiba.load(args.model)
    attacks = dev.text[dev.label == "attack"].tolist()
    criticism = dev.text[dev.label == "criticism"].tolist()
    results: dict[str, dict[str, dict[str, float]]] = {}
    rows = []
    for name, joiner in JOINERS.items():
        results[name] = {}
        base = None
        for k in DEPTHS:
            hit = float(flagged(model, bury(attacks, k, joiner, seed=k)).mean())
            crit = float(flagged(model, bury(criticism, k, joiner, seed=100 + k)).mean())
            base = hit if base is None else base
            relative = hit / base if base else float("nan")
            results[name][str(k)] = {
                "attack_flagged": round(hit, 4),
                "relative_to_alone": round(relative, 4),
                "criticism_to_attack": round(crit, 4),
            }
            rows.append([name, k, f"{hit:.3f}", f"{relative:.3f}", f"{crit:.3f}"])
    pred = np.array(model.predict(dev.text.tolist()))
    y = dev.label.to_numpy()
    positive = model.positive_class
    dev_scores = {
        "attack_f1": round(float(f1_score(y == "attack", pred == positive)), 4),
        "criticism_to_attack": round(float((pred[y == "criticism"] == positive).mean()), 4),
    }
    rows.append(
        ["dev (unburied)", "-", f"F1 {dev_scores['attack_f1']:.3f}", "", f"{dev_scores['criticism_to_attack']:.3f}"]
    )
    result = {
        "benchmark": "long_posts",
        "machine": machine(),
        "model": args.model or "default",
        "posts": {"attack": len(attacks), "criticism": len(criticism)},
        "results": results,
        "dev": dev_scores,
        "targets": {"relative_to_alone_at_10": 0.9, "criticism_to_attack": 0.05, "dev_attack_f1": 0.9},
    }
    emit(
        result,
        rows,
        ["joined as", "harmless before", "attack flagged", "relative to alone", "criticism -> attack"],
        args.json,
    )


if __name__ == "__main__":
    main()
