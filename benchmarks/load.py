"""Load time and size of the shipped model.

``in_process``: ``yaiba.load()`` after ``import yaiba`` (median of ``--repeat``);
``fresh_process``: ``python -c "import yaiba; yaiba.load()"`` wall time, imports included.
Usage: ``python benchmarks/load.py [--json]``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import yaiba
from _common import emit, machine, parser, timed
from yaiba.model import default_model_path


def main() -> int:
    p = parser(__doc__.split("\n")[0], posts=0)
    p.add_argument("--repeat", type=int, default=10)
    args = p.parse_args()
    path = args.model or str(default_model_path())
    in_process = timed(lambda: yaiba.load(path), args.repeat)
    fresh = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import yaiba; yaiba.load({path!r})"], check=True)
        fresh.append(time.perf_counter() - t)
    out = {
        "model": os.path.basename(path),
        "file_mb": round(os.path.getsize(path) / 1e6, 2),
        "load_in_process_s": round(in_process, 4),
        "fresh_process_s": round(statistics.median(fresh), 3),
    }
    result = {"benchmark": "load", "machine": machine(), "results": out}
    emit(result, [[k, v] for k, v in out.items()], ["measure", "value"], args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
