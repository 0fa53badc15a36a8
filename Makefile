# Every target installs what it needs first, so each works on a fresh checkout.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run
LOCK   := requirements.lock
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install run test lint bench lock clean js demo

# everything: the service (runtime versions pinned by the lock) and the test and dev tools
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c $(LOCK) -e '.[test,dev]'
	touch $(STAMP) $(RUN_STAMP)

# only what the service needs, at the locked versions
$(RUN_STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c $(LOCK) -e .
	touch $(RUN_STAMP)

install: $(STAMP)

run: $(RUN_STAMP)
	$(BIN)/lrs-bridge serve --host $(HOST) --port $(PORT)

# The demo (/demo): make run with LRS_DEMO=true, for trying lrs-bridge locally, never for real learners.
demo: $(RUN_STAMP)
	LRS_DEMO=true $(BIN)/lrs-bridge serve --host $(HOST) --port $(PORT)

# The browser tests drive Debian's Chromium (never a downloaded browser): installed when missing
# and we are root (CI is); elsewhere they are skipped with a message saying how to install it.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "note: $(CHROMIUM) is missing (sudo apt-get install chromium); browser tests will be skipped"; fi

test: $(STAMP) $(CHROMIUM)
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

# re-pin the runtime dependencies after changing them in pyproject.toml
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet .
	head -3 $(LOCK) > $(LOCK).new
	.lock-venv/bin/pip freeze --exclude lrs-bridge >> $(LOCK).new
	mv $(LOCK).new $(LOCK)
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) *.egg-info
