"""mypy --strict on src/yaiba against a baseline that may only shrink.

``tools/mypy-baseline.json`` holds the number of strict-mode errors per file when the
baseline was taken. This check fails when a file has more errors than its baseline (or a
file without a baseline has any), and says so when a file has fewer, so the baseline can be
lowered (``python tools/mypy_ratchet.py --update``). New code is held to strict typing.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "tools" / "mypy-baseline.json"
LINE = re.compile(r"^(?P<file>[^:]+\.py):\d+: error:")


def errors_per_file() -> tuple[Counter[str], str]:
    out = subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary"], cwd=ROOT, capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit(f"mypy failed to run:\n{out.stderr}{out.stdout}")
    counts: Counter[str] = Counter()
    for line in out.stdout.splitlines():
        m = LINE.match(line)
        if m:
            counts[m.group("file")] += 1
    return counts, out.stdout


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--update", action="store_true", help="write the current counts as the new baseline")
    args = ap.parse_args()
    counts, report = errors_per_file()
    if args.update:
        BASELINE.write_text(json.dumps(dict(sorted(counts.items())), indent=1) + "\n", encoding="utf-8")
        print(f"baseline: {sum(counts.values())} errors in {len(counts)} files")
        return 0
    baseline: dict[str, int] = json.loads(BASELINE.read_text(encoding="utf-8"))
    worse = {f: (n, baseline.get(f, 0)) for f, n in counts.items() if n > baseline.get(f, 0)}
    better = {f: (counts.get(f, 0), n) for f, n in baseline.items() if counts.get(f, 0) < n}
    for f, (now, was) in sorted(worse.items()):
        print(f"{f}: {now} mypy errors, baseline {was}")
        print("\n".join(line for line in report.splitlines() if line.startswith(f + ":")))
    for f, (now, was) in sorted(better.items()):
        print(f"{f}: {now} mypy errors, below the baseline of {was}: lower it with --update")
    print(f"mypy --strict: {sum(counts.values())} errors (baseline {sum(baseline.values())})")
    return 1 if worse else 0


if __name__ == "__main__":
    sys.exit(main())
