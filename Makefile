# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test unit integration lint bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --editable '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

## Local broker + worker + sample traffic with a distillation fleet; prints the alerts.
demo: $(STAMP)
	$(BIN)/distillguard demo

## The whole suite: lint, types, unit and integration tests (the suite starts its own broker).
test: $(STAMP) lint
	$(BIN)/python -m pytest

unit: $(STAMP)
	$(BIN)/python -m pytest -m "not integration"

integration: $(STAMP)
	$(BIN)/python -m pytest -m integration

## Micro-benchmarks of the core (pytest-benchmark; the suite runs them once, untimed).
bench: $(STAMP)
	$(BIN)/python -m pytest tests/core -o addopts="" --benchmark-only -q

lint: $(STAMP)
	$(BIN)/ruff check streams tests docs
	$(BIN)/ruff format --check streams tests docs
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
