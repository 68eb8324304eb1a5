"""The yaiba command itself: usage errors, --help, and the installed console script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from yaiba.cli.main import main


def test_usage_errors_exit_2(capsys):
    assert main([]) == 2
    assert main(["score"]) == 2
    assert main(["frobnicate"]) == 2
    assert main(["--help"]) == 0


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "yaiba"
    out = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("yaiba ")
