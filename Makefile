# `make run` and `make test` set up everything they need from a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BUN_VERSION := 1.4.4
BUN := .tools/node_modules/.bin/bun
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run dev test lint typecheck format bench clean help

help:
	@echo "make run   - install what is missing, then start the platform (embedded PostgreSQL and Redis)"
	@echo "make test  - install what is missing, then lint, type-check and run every test with coverage"
	@echo "make dev   - like run, with hot reload (UI on PORT, backend on PORT+1)"
	@echo "make bench - run every benchmark (start-up, retrieval, crawl, KB quality, creation, calls, analytics…) against its bounds"
	@echo "make lint | typecheck | format | clean"

run: $(VENV)/.installed $(BUN)
	$(BIN)/voice-platform up

dev: $(VENV)/.installed $(BUN)
	$(BIN)/voice-platform up --dev

test: $(VENV)/.installed-dev $(BUN) /usr/bin/chromium /usr/bin/espeak-ng lint typecheck
	$(BIN)/pytest --cov --cov-report=term --cov-report=xml

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/hadolint Dockerfile

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

bench: $(VENV)/.installed $(BUN)
	$(BIN)/python -m benchmarks.startup
	$(BIN)/python -m benchmarks.retrieval
	$(BIN)/python -m benchmarks.crawl
	$(BIN)/python -m benchmarks.kb_quality
	$(BIN)/python -m benchmarks.creation
	$(BIN)/python -m benchmarks.calls
	$(BIN)/python -m benchmarks.rollups
	$(BIN)/python -m benchmarks.drafts
	$(BIN)/python -m benchmarks.knowledge_gaps
	$(BIN)/python -m benchmarks.analytics

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# torch first, pinned: the CPU build lies on the package index; an unpinned one is CUDA.
$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

# Bun (Reflex's JavaScript runtime) from the npm registry, into this folder only.
$(BUN):
	@command -v npm >/dev/null || { echo "npm (Node.js) is needed to fetch bun: install nodejs and npm"; exit 1; }
	npm install --prefix .tools --no-save --no-audit --no-fund --loglevel=error bun@$(BUN_VERSION)
	@$(BUN) --version >/dev/null

# Debian's Chromium for the browser tests (never a browser download).
/usr/bin/chromium:
	$(SUDO) apt-get update -q
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium

# Debian's espeak-ng: the sandbox voices speak their previews with it (tests hear them).
/usr/bin/espeak-ng:
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q espeak-ng || \
		{ $(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q espeak-ng; }

clean:
	rm -rf .web .states test-results .coverage coverage.xml .pytest_cache .mypy_cache .ruff_cache
