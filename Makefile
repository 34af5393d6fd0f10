# The two commands of the README: `make book` and `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install book quick-book notebooks test test-lib lint format bench mutation clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install the pinned dependencies and the library

book: $(STAMP)  ## execute every chapter (default mode) and build the HTML book into _build/html
	$(PY) -m biasbook notebooks
	$(PY) -m biasbook build

quick-book: $(STAMP)  ## the same in quick mode (about a minute a chapter)
	$(PY) -m biasbook notebooks
	$(PY) -m biasbook build --quick

notebooks: $(STAMP)  ## regenerate notebooks/ (what Colab and Binder open; student copies without solutions) from book/*.md
	$(PY) -m biasbook notebooks

test: $(STAMP)  ## lint, library tests, every chapter in quick mode, HTML build and its checks
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

test-lib: $(STAMP)  ## only the library tests (fast)
	$(PY) -m pytest -m "not chapters"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check lib tests bench

format: $(STAMP)
	$(VENV)/bin/ruff format lib tests bench
	$(VENV)/bin/ruff check --fix .

bench: $(STAMP)  ## the benchmark suite: writes _build/bench/bench.{json,md}
	$(PY) bench/run.py

mutation: $(STAMP)  ## plant bugs one at a time with cosmic-ray: _build/mutation/report.md (hours; MUTATE=path for one module)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[mutation]"
	$(PY) bench/mutation.py $(if $(MUTATE),--modules $(MUTATE))

clean:
	rm -rf _build
