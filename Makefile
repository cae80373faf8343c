# Anatomy of an Unwind — every command the README mentions.
#   make book   strict offline HTML build -> _build/html (fails on any warning or cell error)
#   make test   lint + unit tests + nbval on the committed notebooks + built-book tests
#   make lint   ruff check (code, tests, notebooks) and ruff format --check (code, tests)
#   make pdf    single-page build with SVG charts, printed by headless Chromium
#   make data   refresh data from the live sources (network)
#   make bench  page sizes and timings
#   make mutate mutation testing: damage data and code in temporary copies, print the score (caught / total)
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := book

PYTHON   ?= python3.11
VENV     := .venv
PY       := $(VENV)/bin/python
JB       := $(VENV)/bin/jupyter-book
STAMP    := $(VENV)/.installed
# The one definition of the strict build flags (tests/test_build.py reads this line).
JB_FLAGS := --all -W -n --keep-going
CHROMIUM ?= /usr/bin/chromium
SUDO     := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
PDF      := _build/pdf/anatomy-of-an-unwind.pdf

.PHONY: venv browser vendor results book test unit nbval buildtest pdf bench data freeze lint clean mutate

venv: $(STAMP)
$(STAMP): requirements.txt constraints.txt pyproject.toml
	[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	$(PY) -m pip install --quiet -e . --no-deps
	touch $@

# Debian chromium (render tests, PDF) and poppler-utils (PDF checks), only when missing.
browser:
	@if [ ! -x $(CHROMIUM) ] || ! command -v pdftotext >/dev/null; then \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium poppler-utils; \
	fi

# Offline vega + vega-lite + vega-embed bundle, chart CSS and MathJax -> book/_vendor (idempotent).
vendor: venv
	$(PY) -m unwind.vendor

# Every registered hypothesis computed once (cached by the hash of data, code and registry) -> results/
results: venv
	$(PY) -m unwind.results

book: venv vendor results
	$(JB) build . $(JB_FLAGS)

unit: venv
	$(PY) -m pytest -n 2 -m "not build" tests

nbval: venv results
	$(PY) -m pytest --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
	  -n 2 --dist loadfile notebooks/

buildtest: venv browser vendor
	$(PY) -m pytest -m build tests

# Every test: lint, unit tests, the notebooks under nbval, then the built book in Chromium.
test: venv browser vendor
	$(MAKE) --no-print-directory --keep-going lint unit nbval buildtest

pdf: venv browser vendor results
	UNWIND_CHART_RENDERER=svg $(JB) build . --builder singlehtml $(JB_FLAGS) --path-output _build/pdf-src
	mkdir -p $(dir $(PDF))
	@# singlehtml writes the root doc to book/intro.html with links relative to the build root.
	$(PY) -m unwind.pdf _build/pdf-src/_build/singlehtml/book/intro.html _build/pdf-src/_build/singlehtml/print.html
	$(CHROMIUM) --headless --no-sandbox --disable-gpu --disable-background-networking \
	  --disable-component-update --no-first-run --disable-sync --user-data-dir=$$(mktemp -d) \
	  --host-resolver-rules='MAP * ~NOTFOUND' --virtual-time-budget=10000 --no-pdf-header-footer \
	  --generate-pdf-document-outline --print-to-pdf=$(PDF) \
	  file://$(CURDIR)/_build/pdf-src/_build/singlehtml/print.html
	@echo "wrote $(PDF)"

bench: venv
	$(PY) -m unwind.bench

# Mutation testing (tests/mutations.py): every data and code mutation recomputed in a temporary copy must be caught
# by a DataError or by the expected tables; prints each one's time and the score, fails if one survives.
# MUTATE_ARGS passes options, e.g. make mutate MUTATE_ARGS="--ref HEAD -j 1" (tests/mutations.py --help).
MUTATE_ARGS ?=
mutate: venv
	$(PY) tests/mutations.py $(MUTATE_ARGS)

data: venv
	$(PY) -m unwind.fetch

# Refresh the full pin list after changing requirements.txt.
freeze: venv
	$(PY) -m pip freeze --exclude-editable | grep -v '^-e ' > constraints.txt

# ruff check over the package, the tests and every notebook; ruff format --check over the code (the same
# hooks run in .pre-commit-config.yaml).
lint: venv
	$(VENV)/bin/ruff check unwind tests notebooks book
	$(VENV)/bin/ruff format --check unwind tests

clean:
	rm -rf _build book/_vendor
