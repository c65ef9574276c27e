# Two commands set everything up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench fuzz clean wasm

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/python scenarios/canister_snapshots.py

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check subnet actors scenarios tests bench
	$(BIN)/ruff format --check subnet actors scenarios tests bench
	$(BIN)/mypy

fuzz: $(VENV)/.installed-test
	SUBNET_FUZZ=1 $(BIN)/python -m pytest tests/hostile -p no:randomly -q

bench: $(VENV)/.installed-test
	$(BIN)/python -m pip install -q -e '.[bench]'
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .subnet build *.egg-info

# The Motoko canisters (actors/motoko): compiles each .mo into the .wasm and .did beside it with
# the compiler pinned in actors/motoko/package-lock.json. Needs Node.js; the outputs are committed.
wasm:
	cd actors/motoko && { test -d node_modules || npm ci --no-audit --no-fund; } && node build.js

# The documentation site (mkdocs.yml): `make docs` builds it into site/, strictly (a broken link
# or any other warning fails it); `make serve-docs` serves it on 127.0.0.1:8000 while you edit.
.PHONY: docs serve-docs

$(VENV)/.installed-docs: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[docs]'
	touch $@ $(VENV)/.installed

docs: $(VENV)/.installed-docs
	NO_MKDOCS_2_WARNING=1 $(BIN)/python -m mkdocs build --strict

serve-docs: $(VENV)/.installed-docs
	NO_MKDOCS_2_WARNING=1 $(BIN)/python -m mkdocs serve
