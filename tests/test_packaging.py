"""What the wheel carries besides code, and that `yaiba build-model` works from an installed
wheel (issue 13 items 6 and 8): the model card, NOTICE, the project corpus and its guideline,
py.typed, the default model. Builds the wheel once and installs it into a folder
(``pip install --no-deps --target``); the installed package is imported from there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = {
    "yaiba/models/default.npz": "models/default.npz",
    "yaiba/models/README.md": "models/README.md",
    "yaiba/NOTICE": "NOTICE",
    "yaiba/data/corpus.csv": "data/corpus.csv",
    "yaiba/data/GUIDELINE.md": "data/GUIDELINE.md",
    "yaiba/py.typed": "src/yaiba/py.typed",
    "yaiba/resources/lexicon.tsv": "src/yaiba/resources/lexicon.tsv",
}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    (path,) = out.glob("yaiba-*.whl")
    return path


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """The wheel installed into a folder of its own (its dependencies come from this venv)."""
    target = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target", str(target), str(wheel)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return target


def _run(installed: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python *args`` with the installed wheel first on the path, away from the checkout."""
    env = dict(os.environ, PYTHONPATH=str(installed))
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=600)


@pytest.mark.parametrize("member", list(SHIPPED))
def test_the_wheel_carries_the_card_notice_corpus_and_types(wheel, member):
    with zipfile.ZipFile(wheel) as zf:
        assert member in zf.namelist()
        assert zf.read(member) == (ROOT / SHIPPED[member]).read_bytes()


def test_notice_names_every_training_source_and_its_licence():
    notice = (ROOT / "NOTICE").read_text(encoding="utf-8")
    for needed in ("corpus.csv", "inspection-ai", "Apache License 2.0", "RTP-LX", "MIT", "RealToxicityPrompts"):
        assert needed in notice, needed
    for resource in (ROOT / "src" / "yaiba" / "resources").iterdir():
        if resource.suffix in (".tsv", ".csv", ".json"):
            assert resource.name in notice, f"NOTICE does not say where {resource.name} comes from"


def test_the_installed_package_finds_its_corpus_and_card(installed, tmp_path):
    script = (
        "import json, yaiba; from importlib.resources import files; "
        "from yaiba.recipe.default_model import default_corpus; "
        "print(json.dumps({'module': yaiba.__file__, 'corpus': str(default_corpus()), "
        "'card': files('yaiba').joinpath('models', 'README.md').is_file(), "
        "'notice': files('yaiba').joinpath('NOTICE').is_file()}))"
    )
    done = _run(installed, tmp_path, "-c", script)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert Path(found["module"]).is_relative_to(installed)  # not the checkout
    assert Path(found["corpus"]) == installed / "yaiba" / "data" / "corpus.csv"
    assert found["card"] and found["notice"]


def test_build_model_runs_from_the_installed_wheel(installed, corpus, tmp_path):
    """From a pip install, build-model reads the packaged corpus (here a small --corpus keeps
    the test quick: training on the whole corpus takes minutes) and an --extra file."""
    small = tmp_path / "small.csv"
    pd.concat([g.iloc[:15] for _, g in corpus.groupby("label")]).to_csv(small, index=False)
    mine = tmp_path / "mine.csv"
    pd.DataFrame(
        {
            "text": ["この店の接客はひどい、改善してほしい", "お前みたいなのは二度と来るな"],
            "label": ["criticism", "attack"],
        }
    ).to_csv(mine, index=False)
    done = _run(
        installed, tmp_path, "-m", "yaiba", "build-model", "--corpus", "small.csv", "--extra", "mine.csv", "-o", "m.npz"
    )
    assert done.returncode == 0, done.stderr
    assert "wrote m.npz" in done.stderr and (tmp_path / "m.npz").is_file()
    # without --corpus the packaged corpus is found (a missing one would be the error), and the
    # missing --extra then stops the build, in one line, before anything trains
    done = _run(installed, tmp_path, "-m", "yaiba", "build-model", "--extra", "missing.csv", "-o", "m2.npz")
    assert done.returncode == 1 and done.stderr.strip() == "yaiba build-model: error: missing.csv: no such file"
