"""Shared fixtures: the project's corpus, a small model trained on it, dataset paths."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, settings
from threadpoolctl import threadpool_limits

import yaiba

# Multithreaded BLAS inside L-BFGS makes training many times slower on a busy 2-core machine
# (threads spin against each other): one thread in this process and in those the tests start.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
threadpool_limits(1)

ROOT = Path(__file__).resolve().parents[1]


def datasets_dir() -> Path | None:
    """``$YAIBA_DATASETS`` or ``../shared/datasets`` beside the checkout, if present."""
    path = Path(os.environ.get("YAIBA_DATASETS", ROOT.parent / "shared" / "datasets"))
    return path if path.is_dir() else None


@pytest.fixture(scope="session")
def datasets() -> Path:
    path = datasets_dir()
    if path is None:
        pytest.skip("public datasets not found: set YAIBA_DATASETS or put them at ../shared/datasets")
    return path


@pytest.fixture(scope="session")
def corpus() -> pd.DataFrame:
    return pd.read_csv(ROOT / "data" / "corpus.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def small_model(corpus: pd.DataFrame) -> yaiba.Model:
    """A model trained on the corpus with a kind head, in a smaller hashing space than the
    shipped one: quicker to build, and good enough to tell a blunt attack from praise."""
    return yaiba.train(corpus.text, corpus.label, kinds=corpus.kind, n_features=2**18)


@pytest.fixture(scope="session")
def model_path(small_model: yaiba.Model, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model") / "small.npz"
    small_model.save(path)
    return path


# Hypothesis: a quick, derandomised profile for CI (the default) and a long one for fuzzing
# by hand: HYPOTHESIS_PROFILE=fuzz pytest tests/test_fuzz.py (see also benchmarks/fuzz.py).
settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "fuzz",
    max_examples=5000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
