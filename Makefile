# Hello, Transformer: the two commands on a fresh clone are `make lab` and `make test`.
#
#   make lab       create .venv, install mathlib + JupyterLab, open JupyterLab on chapters/
#   make test      create .venv, install the test extras, run the unit tests, the mathlib
#                  doctests and nbval over every chapter and appendix notebook (one pytest run);
#                  the cross-machine tests marked `gate` run in .ci/run's reproducibility gate
#   make gate      the reproducibility gate (tools/reproducibility_gate.py): another BLAS kernel,
#                  nudged starts, the oldest numpy allowed, and the tests marked `gate`
#   make unit      the same without the slow tests and without nbval (CI's Python matrix)
#   make execute   re-execute every chapter and appendix notebook in place (nbclient, kernel python3)
#   make site      render the website with Quarto (conda env from environment.yml)
#   make bench     run the benchmarks (forward pass at paper scale; training the toy)
#   make check-pages  build every chapter page from its stored outputs and check in headless
#                  Chromium that everything fits the text column (needs chromium and npm)
#   make clean     remove rendered and cached files (keeps .venv)
#
# pip runs only when pyproject.toml is newer than the stamp of the extra being installed,
# so a warm `make test` goes straight to pytest.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
CHAPTER_FILES := $(sort $(wildcard chapters/*.ipynb)) $(sort $(wildcard appendices/*.ipynb))

# nbval compares every stored text output of every chapter (text/plain, text/latex,
# text/markdown, stdout, stderr; never PNG bytes) in a kernel from this virtual environment.
# PYTHONWARNINGS reaches the kernel: "error" turns a warning raised in any cell, including a
# cell marked NBVAL_IGNORE_OUTPUT or one raised inside a library, into an exception that
# fails the run. The one exemption is ipykernel's own PendingDeprecationWarning at kernel
# shutdown (after the last cell), which would otherwise log a traceback on every run.
# tests/test_notebooks.py reads these two lines and checks that they do what they say.
NBVAL_OPTS := --nbval --nbval-current-env --nbval-cell-timeout=300
NBVAL_ENV  := PYTHONWARNINGS=error,ignore::PendingDeprecationWarning:ipykernel.kernelbase

.PHONY: help lab test gate unit execute site bench clean

help:
	@sed -n 's/^#   //p' Makefile

# A Python without its venv module (Debian and Ubuntu ship it separately) gets told what to
# install instead of a bare traceback; a half-made .venv is removed so the next run starts clean.
$(PY):
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
	  echo "make: '$(PYTHON) -m venv $(VENV)' failed: this Python cannot create virtual environments." >&2; \
	  echo "  Debian/Ubuntu: sudo apt install python3-venv   (then run make again)" >&2; \
	  echo "  elsewhere: install Python 3.10 or newer from python.org or conda, or pass PYTHON=/path/to/python3" >&2; \
	  exit 1; }

# One stamp per extra (test, lab); reinstall when pyproject.toml changes. The matplotlib
# import builds its font cache now rather than in a notebook cell, where its log line
# would land in stderr and fail nbval.
$(VENV)/.installed-%: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[$*]'
	$(PY) -c "import matplotlib.font_manager"
	@touch $@

# Jupyter refuses to run as root unless told; containers often run as root.
lab: $(VENV)/.installed-lab
	cd chapters && ../$(VENV)/bin/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

# make test leaves out the tests marked `gate` (minutes of training from perturbed starts, the
# page checker against the real render); `make gate` and .ci/run run them.
# make test spreads its files over the machine's cores (pytest-xdist; JOBS=1: one process).
# --dist loadfile keeps each file on one worker: a notebook's cells run in order in one kernel.
# make unit runs in one process: its ~30 s do not pay for starting the workers (measured: 34 s
# in one process, 44 s on two workers on a quiet 2-core machine); make unit JOBS=2 spreads it.
JOBS ?= auto
XDIST := $(if $(filter 1,$(JOBS)),,-n $(JOBS) --dist loadfile)

test: $(VENV)/.installed-test
	$(NBVAL_ENV) $(PY) -m pytest $(XDIST) -m "not gate" $(NBVAL_OPTS) $(PYTEST_ARGS) tests mathlib chapters appendices

gate: $(VENV)/.installed-test
	$(PY) tools/reproducibility_gate.py $(GATE_ARGS)

unit: $(VENV)/.installed-test
	$(PY) -m pytest $(if $(filter command line,$(origin JOBS)),$(XDIST)) -m "not slow" $(PYTEST_ARGS) tests mathlib

execute: $(VENV)/.installed-test
	$(NBVAL_ENV) $(PY) tools/execute.py $(CHAPTER_FILES)

site:
	@command -v quarto >/dev/null 2>&1 || { echo "quarto not found: run 'conda env create -f environment.yml && conda activate hello-transformer' (or install Quarto from https://quarto.org/docs/get-started/), then 'make site'" >&2; exit 1; }
	quarto render

# CHECK_PAGES_ARGS: e.g. --report-only, --all, --json, or pages (chapters/03-self-attention.ipynb).
.PHONY: check-pages
check-pages: $(VENV)/.installed-pages
	@test -f node_modules/mathjax/es5/tex-chtml-full.js || npm ci --no-audit --no-fund
	$(PY) tools/check_pages $(CHECK_PAGES_ARGS)

bench: $(VENV)/.installed-test
	$(PY) benchmarks/bench_forward.py $(BENCH_ARGS)
	$(PY) benchmarks/bench_train.py

clean:
	rm -rf _book _site .quarto .pytest_cache .hypothesis build
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
	find . -path ./$(VENV) -prune -o -name .ipynb_checkpoints -type d -prune -exec rm -rf {} +
