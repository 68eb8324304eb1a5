# yaiba: every target creates .venv and installs what it needs on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATASETS ?= $(or $(YAIBA_DATASETS),../shared/datasets)

.PHONY: demo test lint docs model eval bench clean nudge-rule nudge-rates

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.core: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@ $(VENV)/.core

## score the bundled example posts and print a table
demo: $(VENV)/.core
	$(BIN)/yaiba score data/examples.csv --out-format table

## lint (ruff), format check (ruff format), types (mypy --strict on src/yaiba), then the test suite
test: lint
	$(BIN)/python -m pytest -q

lint: $(VENV)/.dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

## build the API reference (docs/_build/html), warnings as errors
docs: $(VENV)/.dev
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html

## retrain the shipped model (models/default.npz): project corpus + inspection_ai + rtp_lx
model: $(VENV)/.core
	$(BIN)/yaiba build-model --datasets $(DATASETS) --corpus data/corpus.csv -o models/default.npz

## evaluate the shipped model on the criticism-vs-attack dev set
eval: $(VENV)/.core
	$(BIN)/yaiba eval default $(DATASETS)/criticism_vs_attack/dev.csv --text-col text --label-col label

## re-derive the nudge threshold by cross-validation on the corpus (after the corpus or recipe changes)
nudge-rule: $(VENV)/.core
	$(BIN)/python -m yaiba.recipe.nudge_rule data/corpus.csv --datasets $(DATASETS) -o src/yaiba/resources/nudge_rule.json

## how often the shipped nudge fires on the dev set (criticism <= 5 %, attack >= 90 %)
nudge-rates: $(VENV)/.core
	YAIBA_DATASETS=$(DATASETS) $(BIN)/python benchmarks/nudge.py

## speed benchmarks (small by default; e.g. make bench POSTS=100000 for full runs)
POSTS ?= 20000
bench: $(VENV)/.dev
	$(BIN)/python benchmarks/throughput.py --posts $(POSTS)
	$(BIN)/python benchmarks/latency.py
	$(BIN)/python benchmarks/load.py
	$(BIN)/python benchmarks/memory.py --posts $(POSTS)
	$(BIN)/python benchmarks/cache.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .hypothesis
