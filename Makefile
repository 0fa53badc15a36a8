# Every target installs what it needs first, so each works on a fresh checkout.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install run test lint bench clean js

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/lrs-bridge serve --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check lrs translators tests bench
	$(BIN)/ruff format --check lrs translators tests bench
	$(BIN)/mypy lrs translators

bench: $(STAMP)
	$(BIN)/python -m bench

# Rebuild the browser bundles (lrs/static/...) from js/ and its lockfile; needs node and npm.
js:
	cd js && npm ci --ignore-scripts --no-audit --no-fund && node build.mjs

clean:
	rm -rf $(VENV) *.egg-info
