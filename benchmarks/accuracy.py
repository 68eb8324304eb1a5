"""Accuracy of yaiba against two baselines on the public datasets, on the same splits.

Models
------
yaiba     ``yaiba.train`` with its defaults (the shipped model's recipe), fitted on each fold.
tfidf_lr  naive baseline: TF-IDF of fugashi (unidic-lite) word 1-2-grams plus character
          1-3-grams, scikit-learn ``LogisticRegression`` with its defaults; raw text.
fasttext  fastText supervised on fugashi tokens (epoch 25, lr 0.5, word 1-2-grams, dim 100,
          one thread, seed 0); needs ``pip install 'yaiba[bench]'``, else reported as skipped.

Protocol
--------
Stratified k-fold cross-validation (default 5 folds, shuffled with seed 0), the same folds for
every model; each metric is the mean (and standard deviation) over folds. F1 is the attack
class's F1 for binary data and macro-F1 for the 3-class criticism_vs_attack; PR-AUC (average
precision) and ROC-AUC are of P(attack) against attack-versus-rest. ``--quick`` (for CI) uses
3 folds on a stratified sample of at most 200 rows per dataset.

Datasets (read from ``--datasets``, default ``$YAIBA_DATASETS`` or ``../shared/datasets``),
mapped to attack / other as the datasets' README suggests:
inspection_ai (Toxic + Very Toxic votes > Not Toxic + Hard to Say), rtp_lx (mean Toxicity >= 3),
nishika (label 1), criticism_vs_attack (3-class, and attack versus rest). nishika and
criticism_vs_attack are used for evaluation only: nothing here is shipped.

Usage::

    python benchmarks/accuracy.py            # table, then one JSON object
    python benchmarks/accuracy.py --json     # only the JSON
    python benchmarks/accuracy.py --quick    # small and fast
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, f1_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import FeatureUnion, make_pipeline
from threadpoolctl import threadpool_limits

import yaiba
from yaiba import datasets as ds

ROOT = Path(__file__).resolve().parents[1]
POSITIVE, OTHER = "attack", "other"


@dataclass
class Dataset:
    name: str
    texts: list[str]
    labels: np.ndarray  # str labels; POSITIVE is the attack class
    multiclass: bool = False


def _binary(flags) -> np.ndarray:
    return np.where(np.asarray(flags, dtype=bool), POSITIVE, OTHER)


def load_datasets(root: Path, only: list[str] | None) -> list[Dataset]:
    """The public sets through yaiba.datasets (labels mapped as its README documents)."""
    binary = [
        Dataset(name, list(df["text"]), _binary(df["label"] == "attack"))
        for name, df in (
            ("inspection_ai", ds.load_inspection_ai(root)),
            ("rtp_lx", ds.load_rtp_lx(root)),
            ("nishika", ds.load_nishika(root)),
        )
    ]
    cva = ds.load_criticism_vs_attack(root)
    out = [
        *binary,
        Dataset("cva_3class", list(cva["text"]), cva["label"].to_numpy(dtype=str), multiclass=True),
        Dataset("cva_attack", list(cva["text"]), _binary(cva["label"] == "attack")),
    ]
    if only:
        unknown = set(only) - {d.name for d in out}
        if unknown:
            raise SystemExit(f"unknown dataset(s) {sorted(unknown)}; choose from {[d.name for d in out]}")
        out = [d for d in out if d.name in only]
    return out


def _tokens(texts: list[str]) -> list[str]:
    import fugashi
    import unidic_lite

    tagger = fugashi.GenericTagger(
        f'-Owakati -d "{unidic_lite.DICDIR}" -r "{os.path.join(unidic_lite.DICDIR, "mecabrc")}"'
    )
    return [tagger.parse(" ".join(t.split())) or "" for t in texts]  # one line per post


class YaibaModel:
    name = "yaiba"

    def fit(self, texts, tokens, labels):
        self.clf = yaiba.train(texts, labels, positive_label=POSITIVE)
        return self

    def predict(self, texts, tokens):
        proba = self.clf.predict_proba(texts)
        return self.clf.labels_from_proba(proba), proba[:, self.clf.classes_.index(POSITIVE)]


class TfidfModel:
    name = "tfidf_lr"

    def fit(self, texts, tokens, labels):
        words = TfidfVectorizer(tokenizer=str.split, token_pattern=None, lowercase=False, ngram_range=(1, 2))
        chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), lowercase=False)
        self.pipe = make_pipeline(
            FeatureUnion([("w", _Column(0, words)), ("c", _Column(1, chars))]),
            LogisticRegression(max_iter=1000),
        )
        self.pipe.fit(list(zip(tokens, texts)), labels)
        return self

    def predict(self, texts, tokens):
        x = list(zip(tokens, texts))
        proba = self.pipe.predict_proba(x)
        classes = list(self.pipe.classes_)
        return list(classes[i] for i in proba.argmax(axis=1)), proba[:, classes.index(POSITIVE)]


class _Column:
    """Apply a vectorizer to one element of (tokens, text) pairs."""

    def __init__(self, i: int, vec: TfidfVectorizer):
        self.i, self.vec = i, vec

    def fit(self, x, y=None):
        self.vec.fit([r[self.i] for r in x])
        return self

    def transform(self, x):
        return self.vec.transform([r[self.i] for r in x])

    def fit_transform(self, x, y=None):
        return self.vec.fit_transform([r[self.i] for r in x])

    def get_params(self, deep=True):
        return {"i": self.i, "vec": self.vec}


class FastTextModel:
    name = "fasttext"
    PARAMS = dict(epoch=25, lr=0.5, wordNgrams=2, dim=100, minCount=1, loss="softmax", thread=1, seed=0, verbose=0)

    def fit(self, texts, tokens, labels):
        import fasttext

        with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8", delete=False) as fh:
            for tok, lab in zip(tokens, labels):
                fh.write(f"__label__{lab} {tok}\n")
            path = fh.name
        try:
            self.model = fasttext.train_supervised(path, **self.PARAMS)
        finally:
            os.unlink(path)
        self.classes = sorted(set(labels))
        return self

    def predict(self, texts, tokens):
        # fasttext-wheel 0.9.2 under numpy 2: predict() on a list returns wrong probabilities
        # (every label gets the top one) and on one line raises; the binding's per-line
        # predict returns correct (probability, label) pairs.
        col = {f"__label__{c}": j for j, c in enumerate(self.classes)}
        proba = np.zeros((len(tokens), len(self.classes)))
        for i, tok in enumerate(tokens):
            for p, name in self.model.f.predict(tok + "\n", -1, 0.0, "strict"):
                proba[i, col[name]] = p
        if not np.allclose(proba.sum(axis=1), 1.0, atol=1e-3):
            raise RuntimeError("fastText probabilities do not sum to 1: check the fasttext package")
        proba /= proba.sum(axis=1, keepdims=True)
        return [self.classes[j] for j in proba.argmax(axis=1)], proba[:, self.classes.index(POSITIVE)]


def available_models(names: list[str]) -> tuple[list[Callable], dict[str, str]]:
    makers, skipped = [], {}
    for name in names:
        if name == "yaiba":
            makers.append(YaibaModel)
        elif name == "tfidf_lr":
            makers.append(TfidfModel)
        elif name == "fasttext":
            try:
                import fasttext  # noqa: F401
            except ImportError:
                skipped["fasttext"] = "not installed: pip install 'yaiba[bench]'"
                continue
            makers.append(FastTextModel)
        else:
            raise SystemExit(f"unknown model {name!r}; choose from yaiba, tfidf_lr, fasttext")
    return makers, skipped


def _sample(d: Dataset, max_rows: int | None, seed: int) -> Dataset:
    if not max_rows or len(d.texts) <= max_rows:
        return d
    keep, _ = train_test_split(np.arange(len(d.texts)), train_size=max_rows, stratify=d.labels, random_state=seed)
    keep = np.sort(keep)
    return Dataset(d.name, [d.texts[i] for i in keep], d.labels[keep], d.multiclass)


def run(datasets: list[Dataset], makers: list[Callable], folds: int, seed: int, log) -> list[dict]:
    results = []
    for d in datasets:
        tokens = _tokens(d.texts)
        y = d.labels
        splits = list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))
        per_model: dict[str, list[dict]] = {m.name: [] for m in makers}
        for k, (tr, te) in enumerate(splits):
            for make in makers:
                model = make()
                t0 = time.perf_counter()
                model.fit([d.texts[i] for i in tr], [tokens[i] for i in tr], list(y[tr]))
                fit_s = time.perf_counter() - t0
                pred, p_attack = model.predict([d.texts[i] for i in te], [tokens[i] for i in te])
                truth = y[te] == POSITIVE
                f1 = (
                    f1_score(y[te], pred, average="macro")
                    if d.multiclass
                    else f1_score(truth, np.asarray(pred) == POSITIVE)
                )
                per_model[make.name].append(
                    {
                        "fold": k,
                        "n_test": len(te),
                        "test_attack": int(truth.sum()),
                        "f1": float(f1),
                        "pr_auc": float(average_precision_score(truth, p_attack)),
                        "roc_auc": float(roc_auc_score(truth, p_attack)),
                        "fit_s": fit_s,
                    }
                )
                log(f"{d.name} fold {k} {make.name}: F1 {f1:.3f}")
        for name, rows in per_model.items():
            entry = {
                "dataset": d.name,
                "model": name,
                "n": len(y),
                "folds": folds,
                "attack_share": float(np.mean(y == POSITIVE)),
                "f1_kind": "macro" if d.multiclass else "attack",
            }
            for key in ("f1", "pr_auc", "roc_auc", "fit_s"):
                values = [r[key] for r in rows]
                entry[f"{key}_mean"] = float(np.mean(values))
                entry[f"{key}_std"] = float(np.std(values, ddof=1))
            entry["per_fold"] = rows
            results.append(entry)
    return results


def table(results: list[dict]) -> str:
    head = f"{'dataset':<15}{'n':>6}{'attack':>8}  {'model':<10}{'F1':>14}{'PR-AUC':>14}{'ROC-AUC':>14}{'fit s':>8}"
    lines = [head, "-" * len(head)]
    for r in results:
        cell = lambda k: f"{r[k + '_mean']:.3f}±{r[k + '_std']:.3f}"  # noqa: E731
        lines.append(
            f"{r['dataset']:<15}{r['n']:>6}{r['attack_share']:>8.2f}  {r['model']:<10}"
            f"{cell('f1'):>14}{cell('pr_auc'):>14}{cell('roc_auc'):>14}{r['fit_s_mean']:>8.1f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--datasets", default=os.environ.get("YAIBA_DATASETS", str(ROOT.parent / "shared" / "datasets")))
    p.add_argument("--folds", type=int, default=None, help="stratified folds (default 5; 3 with --quick)")
    p.add_argument(
        "--max-rows", type=int, default=None, help="stratified sample per dataset (default all; 200 with --quick)"
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--models", default="yaiba,tfidf_lr,fasttext")
    p.add_argument("--only", nargs="+", metavar="DATASET", help="inspection_ai rtp_lx nishika cva_3class cva_attack")
    p.add_argument("--quick", action="store_true", help="3 folds on at most 200 rows per dataset (CI)")
    p.add_argument("--json", action="store_true", help="print only the JSON object")
    args = p.parse_args(argv)
    folds = args.folds or (3 if args.quick else 5)
    max_rows = args.max_rows or (200 if args.quick else None)
    root = Path(args.datasets)
    if not root.is_dir():
        print(f"datasets folder {root} not found: pass --datasets or set YAIBA_DATASETS", file=sys.stderr)
        return 1
    makers, skipped = available_models(args.models.split(","))
    data = [_sample(d, max_rows, args.seed) for d in load_datasets(root, args.only)]
    log = (lambda msg: print(msg, file=sys.stderr)) if not args.json else (lambda msg: None)
    with threadpool_limits(1):  # one BLAS thread: threaded L-BFGS is slower on 2 cores
        results = run(data, makers, folds, args.seed, log)
    report = {
        "benchmark": "accuracy",
        "protocol": f"stratified {folds}-fold cross-validation, seed {args.seed}, same folds for every model; "
        "mean and sample std over folds",
        "max_rows": max_rows,
        "skipped_models": skipped,
        "versions": {"yaiba": yaiba.__version__, "python": platform.python_version()},
        "results": results,
    }
    if not args.json:
        print(table(results))
        for name, why in skipped.items():
            print(f"{name}: skipped ({why})")
        print()
    print(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
