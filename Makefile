# Everyday targets. `make demo` sets everything up and runs the main job; `make test` runs the tests.
PY      ?= python3.11
VENV    ?= .venv
BIN     := $(VENV)/bin
DATA    ?= ../shared
MODEL   ?= models/default
CONFIG  ?= configs/ner.cfg

.PHONY: setup demo test test-fast lint format train evaluate bench cv vectors pretrain clean

# the compiled segmenter core is rebuilt by the same editable install
$(BIN)/pipeline: pyproject.toml setup.py pipeline/segmenter/_core.pyx
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q -e ".[dev,dask]"
	touch $@

setup: $(BIN)/pipeline
	$(BIN)/pipeline setup

demo: setup
	bash scripts/demo.sh

test: setup
	$(BIN)/pytest -m "slow or not slow" --durations=15

test-fast: setup
	$(BIN)/pytest -m "not slow" -x -q

lint: setup
	$(BIN)/ruff check pipeline tests benchmarks scripts
	$(BIN)/ruff format --check pipeline tests benchmarks scripts
	$(BIN)/mypy

format: setup
	$(BIN)/ruff check --fix pipeline tests benchmarks scripts
	$(BIN)/ruff format pipeline tests benchmarks scripts

train: setup
	$(BIN)/pipeline train --config $(CONFIG) --output $(MODEL) --data-dir $(DATA)

evaluate: setup
	$(BIN)/pipeline evaluate --model $(MODEL)/model-best --gold $(DATA)/gold/reports.jsonl --ids $(DATA)/gold/splits.json --split dev --output $(MODEL)/metrics-dev.json --errors $(MODEL)/errors-dev.jsonl

bench: setup
	$(BIN)/python benchmarks/numeric_rules.py
	$(BIN)/python benchmarks/places_rules.py
	$(BIN)/python benchmarks/ablations.py --data-dir $(DATA) --pkuseg-model $(MODEL)/model-best
	$(BIN)/python benchmarks/tagging_speed.py --model $(MODEL)/model-best --limit-chars 300000

# k-fold cross-validation over the gold reports (trains one model per fold: ~1 h on 2 cores with JOBS=2)
JOBS ?= 2
cv: setup
	$(BIN)/python benchmarks/cross_validation.py --config $(CONFIG) --data-dir $(DATA) --jobs $(JOBS)

# static floret vectors from the public text (cached in models/vectors; `pipeline train` builds them when missing)
vectors: setup
	$(BIN)/python -c "from pathlib import Path; from pipeline.vectors import build_vectors; print(build_vectors(Path('$(DATA)')))"

# pretrain the tok2vec of configs/ner.cfg on the public text (configs/pretrain.cfg) into models/pretrained/
pretrain: setup
	$(BIN)/python -c "from pathlib import Path; from pipeline.pretraining import pretrain; print(pretrain(Path('configs/pretrain.cfg'), Path('models/pretrain-run'), Path('$(DATA)')))"

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
