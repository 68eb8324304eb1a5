"""Draw the real-post development sample: ids of open2ch posts from the Nishika copy.

The sample is a simple random draw without replacement (seed 20261204) of 1,500 ids from
``train.csv`` and ``unlabelled.csv`` together (7,451 posts). Only ids are written; the text
stays in the datasets folder and is joined by id at run time (see ``yaiba.io.datasets``).

    python data/real/draw_sample.py ../shared/datasets -o sample.csv

``data/real/open2ch_labels.csv`` holds these ids, in this order, with their labels.
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

SEED = 20261204
SIZE = 1500
FILES = ("train.csv", "unlabelled.csv")


def draw(datasets: Path, size: int = SIZE, seed: int = SEED) -> list[tuple[str, str]]:
    """Return ``(id, file)`` pairs of the sample, in draw order."""
    pool: list[tuple[str, str]] = []
    for name in FILES:
        with open(datasets / "nishika_hate_speech" / name, encoding="utf-8", newline="") as f:
            pool.extend((row["id"], name) for row in csv.DictReader(f))
    pool.sort()
    return random.Random(seed).sample(pool, size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("datasets", type=Path)
    parser.add_argument("-o", "--out", type=Path, required=True)
    args = parser.parse_args()
    with open(args.out, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "file"])
        writer.writerows(draw(args.datasets))


if __name__ == "__main__":
    main()
