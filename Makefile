# Two commands: `make demo` (set up, train on the bundled data, serve) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup demo train serve test lint clean

$(BIN)/graphrec: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# The CPU build of torch first, pinned exactly: a looser pin pulls a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/graphrec

setup: $(BIN)/graphrec

train: setup
	$(BIN)/graphrec train --out artifacts

serve: setup
	$(BIN)/graphrec serve --artifacts artifacts --host $(HOST) --port $(PORT)

demo: train serve

test: setup lint
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) artifacts *.egg-info
