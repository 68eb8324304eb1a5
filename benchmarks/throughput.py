"""Throughput of yaiba against the tokenizer floor and naive pipelines, on real posts.

Measured in one run, so the ratios compare like with like:

- ``fugashi_wakati``: bare fugashi ``-Owakati`` (unidic-lite) over the raw posts: the floor;
- ``yaiba_1core`` / ``yaiba_all_cores``: ``clf.score(posts)`` with ``n_jobs=1`` / ``-1``
  (the worker pool is started by a warm-up call first);
- ``sklearn_batch`` / ``sklearn_post_by_post``: the naive pipeline of the issue,
  ``Pipeline(TfidfVectorizer(tokenizer=fugashi), LogisticRegression)`` trained on the corpus,
  tokenising with fugashi's standard ``Tagger`` (one Python object per word, as its README
  shows), called on the whole batch / post by post (on the first 2,000 posts, scaled);
- ``sklearn_wakati_batch`` / ``sklearn_wakati_post_by_post``: the same pipeline with the
  faster ``-Owakati`` tokenizer yaiba uses, a stronger baseline;
- ``fasttext``: fastText supervised (``pip install 'yaiba[bench]'``) on the same fugashi
  tokens, tokenisation included;
- ``cli_score_in_process`` / ``cli_score_n_jobs_2``: the ``yaiba score`` command (called
  in this process) on the posts as a text file, CSV out, in process / with ``--n-jobs 2``.

Posts: Nishika ``unlabelled.csv`` then ``train.csv`` texts repeated to ``--posts``. The runs
are interleaved, ``--repeat`` rounds of each, and the median round is reported, so that a
slow spell of a shared machine does not land on one run only.
Usage: ``python benchmarks/throughput.py [--posts 100000] [--json]``.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import pandas as pd

import yaiba
from _common import emit, machine, parser, real_posts, timed
from yaiba.cli.main import main as cli_main
from yaiba.text.tokenizer import new_tagger


def main() -> int:
    p = parser(__doc__.split("\n")[0], posts=20_000)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    posts = real_posts(args.datasets, args.posts)
    chars = sum(map(len, posts))
    clf = yaiba.load(args.model)
    tagger = new_tagger()
    corpus = pd.read_csv(
        os.path.join(os.path.dirname(__file__), "..", "data", "corpus.csv"), dtype=str, keep_default_na=False
    )

    def wakati_all():
        parse = tagger.parse
        return [parse(t) for t in posts]

    naive = _naive_pipeline(corpus, _word_tokenizer())
    naive_wakati = _naive_pipeline(corpus, lambda text: tagger.parse(text).split())
    ft = _fasttext(corpus, tagger)
    clf.score(posts[:5000], batch_size=1000, n_jobs=-1)  # start the worker pool
    runs = {
        "fugashi_wakati": wakati_all,
        "yaiba_1core": lambda: clf.score(posts, n_jobs=1),
        "yaiba_all_cores": lambda: clf.score(posts, n_jobs=-1),
        "sklearn_batch": lambda: naive.predict_proba(posts),
        "sklearn_wakati_batch": lambda: naive_wakati.predict_proba(posts),
    }
    if ft is not None:
        # the binding's per-line predict: fasttext-wheel's predict() is broken under numpy 2
        # (see benchmarks/accuracy.py); tokenisation included, as for yaiba
        predict = ft.f.predict
        runs["fasttext"] = lambda: [predict(tagger.parse(t) + "\n", -1, 0.0, "strict") for t in posts]
    few = posts[:2000]  # post by post is slow: timed on these, scaled to all posts
    runs["sklearn_post_by_post"] = lambda: [naive.predict_proba([t]) for t in few]
    runs["sklearn_wakati_post_by_post"] = lambda: [naive_wakati.predict_proba([t]) for t in few]
    folder = tempfile.TemporaryDirectory()
    cli_input = os.path.join(folder.name, "posts.txt")
    with open(cli_input, "w", encoding="utf-8") as fh:  # one post per line
        fh.writelines(" ".join(t.splitlines()) + "\n" for t in posts)
    cli_argv = ["score", cli_input, "-o", os.path.join(folder.name, "scored.csv"), "--no-progress"]
    cli_argv += ["--model", args.model] if args.model else []

    def cli(*extra: str) -> None:
        if cli_main([*cli_argv, *extra]) != 0:
            raise RuntimeError(f"yaiba score {' '.join(extra)} failed")

    # the command loads its own model, which would take over the library's worker pool:
    # its rounds run after the library's, and --n-jobs includes starting the workers
    cli_runs = {"cli_score_in_process": cli, "cli_score_n_jobs_2": lambda: cli("--n-jobs", "2")}
    rounds: dict[str, list[float]] = {name: [] for name in (*runs, *cli_runs)}
    for group in (runs, cli_runs):
        for _ in range(args.repeat):
            for name, fn in group.items():
                rounds[name].append(timed(fn, 1))
    seconds = {name: statistics.median(ts) for name, ts in rounds.items()}
    folder.cleanup()
    for name in ("sklearn_post_by_post", "sklearn_wakati_post_by_post"):
        seconds[name] *= len(posts) / len(few)

    floor = seconds["fugashi_wakati"]
    results = {
        name: {
            "seconds": round(s, 4),
            "posts_per_s": round(len(posts) / s, 1),
            "mchars_per_s": round(chars / s / 1e6, 3),
            "vs_floor": round(floor / s, 3),
        }
        for name, s in seconds.items()
    }
    one = seconds["yaiba_1core"]
    ratios = {
        "yaiba_1core_vs_floor": round(floor / one, 3),
        "all_cores_vs_1core": round(one / seconds["yaiba_all_cores"], 3),
        "cli_n_jobs_2_vs_in_process": round(seconds["cli_score_in_process"] / seconds["cli_score_n_jobs_2"], 3),
        "yaiba_vs_sklearn_post_by_post": round(seconds["sklearn_post_by_post"] / one, 1),
        "yaiba_vs_sklearn_batch": round(seconds["sklearn_batch"] / one, 2),
        "yaiba_vs_sklearn_wakati_post_by_post": round(seconds["sklearn_wakati_post_by_post"] / one, 1),
        "yaiba_vs_sklearn_wakati_batch": round(seconds["sklearn_wakati_batch"] / one, 2),
    }
    if "fasttext" in seconds:
        ratios["yaiba_vs_fasttext"] = round(seconds["fasttext"] / one, 2)
    result = {
        "benchmark": "throughput",
        "posts": len(posts),
        "chars": chars,
        "repeat": args.repeat,
        "machine": machine(),
        "results": results,
        "ratios": ratios,
    }
    rows = [[k, v["posts_per_s"], v["mchars_per_s"], v["vs_floor"]] for k, v in results.items()]
    rows += [[k, "", "", v] for k, v in ratios.items()]
    emit(result, rows, ["run", "posts/s", "Mchar/s", "x floor"], args.json)
    return 0


def _word_tokenizer():
    """The tokenizer a first attempt writes: fugashi's ``Tagger``, one object per word."""
    import fugashi

    tagger = fugashi.Tagger()  # unidic-lite, found by fugashi itself
    return lambda text: [word.surface for word in tagger(text)]


def _naive_pipeline(corpus: pd.DataFrame, tokenize):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    pipe = Pipeline(
        [
            ("tfidf", TfidfVectorizer(tokenizer=tokenize, token_pattern=None, lowercase=False, ngram_range=(1, 2))),
            ("lr", LogisticRegression(max_iter=1000)),
        ]
    )
    return pipe.fit(list(corpus.text), list(corpus.label))


def _fasttext(corpus: pd.DataFrame, tagger):
    try:
        import fasttext
    except ImportError:
        print("fasttext not installed (pip install 'yaiba[bench]'): skipped", file=sys.stderr)
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as fh:
        for text, label in zip(corpus.text, corpus.label):
            fh.write(f"__label__{label} {tagger.parse(text).replace(chr(10), ' ')}\n")
        path = fh.name
    try:
        return fasttext.train_supervised(path, epoch=25, lr=0.5, wordNgrams=2, dim=100, thread=1, seed=0, verbose=0)
    finally:
        os.unlink(path)


if __name__ == "__main__":
    sys.exit(main())
