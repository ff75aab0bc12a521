# Two commands set everything up on a fresh machine with Python 3.11 and git:
#   make demo   builds the environment and runs the kit on the sample region
#   make test   builds the environment and runs every test (unit, CLI, notebooks, lint)
# Both are safe to re-run: the environment is only rebuilt when the pinned requirements change.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
STATE := $(CURDIR)/.state

# Jupyter, IPython and matplotlib keep their state inside the project, not in your home folder.
export JUPYTER_CONFIG_DIR := $(STATE)/jupyter/config
export JUPYTER_DATA_DIR := $(STATE)/jupyter/data
export JUPYTER_RUNTIME_DIR := $(STATE)/jupyter/runtime
export IPYTHONDIR := $(STATE)/ipython
export MPLCONFIGDIR := $(STATE)/matplotlib
export JUPYTER_PLATFORM_DIRS := 1
export GX_ANALYTICS_ENABLED := false
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help setup demo test test-fast lab lint format guides lock clean chromium

help:
	@echo "make demo   set up and run the kit on the sample region"
	@echo "make test   set up and run every test"
	@echo "make test-fast  every test but the slow integration ones (sample region, notebooks)"
	@echo "make lab    open JupyterLab at the kit's folder, with notebooks/00_start_here.ipynb"
	@echo "make guides regenerate the field reference in guides/reference/"
	@echo "make format tidy the code with ruff"

setup: $(STAMP)

$(STAMP): requirements-lock.txt pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' || \
	  { echo "The kit needs Python 3.11 (found: $$($(PYTHON) --version 2>&1)). Install Python 3.11, or run: make PYTHON=/path/to/python3.11 ..." >&2; exit 2; }
	@test -x $(PY) || { echo "Creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@echo "Installing pinned packages into $(VENV) (about a minute the first time)"
	@$(PY) -m pip install --quiet -r requirements-lock.txt
	@# The kit itself is used in place (no build step): a .pth file puts this folder on the path.
	@$(PY) -c 'import pathlib, site; pathlib.Path(site.getsitepackages()[0], "csc_standards_kit.pth").write_text("$(CURDIR)\n")'
	@mkdir -p $(STATE)/jupyter/config/labconfig $(STATE)/jupyter/data/lab/settings $(STATE)/tmp
	@# JupyterLab must not ask the internet for news or updates.
	@mkdir -p $(VENV)/share/jupyter/lab/settings
	@printf '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}\n' \
	  > $(VENV)/share/jupyter/lab/settings/overrides.json
	@# Git strips notebook outputs on commit (.gitattributes names the filter; this defines it here).
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
	  git config filter.nbstripout.clean '"$(CURDIR)/$(PY)" -m nbstripout --keep-id' && \
	  git config filter.nbstripout.smudge cat && git config filter.nbstripout.required true; fi
	@touch $(STAMP)

demo: $(STAMP)
	$(PY) -m kit demo

test: $(STAMP) chromium
	$(PY) -m ruff check kit tests benchmarks
	$(PY) -m ruff format --check kit tests benchmarks
	@# Temporary files go to a fresh folder outside the project (a key file inside the project is
	@# refused by design), removed afterwards whatever the result.
	@# The tests run on every core (pytest-xdist), one test file per worker at a time.
	@tmp=$$(mktemp -d -t csc-kit-tests-XXXXXX); \
	  TMPDIR=$$tmp $(PY) -m pytest tests notebooks -n auto --dist loadfile \
	    --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg $(PYTEST_ARGS); \
	  status=$$?; rm -rf $$tmp; exit $$status

# The fast loop while editing: every test but the integration ones (whole sample region, notebooks).
test-fast: $(STAMP)
	@tmp=$$(mktemp -d -t csc-kit-tests-XXXXXX); \
	  TMPDIR=$$tmp $(PY) -m pytest tests -n auto --dist loadfile -m "not slow" $(PYTEST_ARGS); \
	  status=$$?; rm -rf $$tmp; exit $$status

# tests/test_browser.py renders the published report in Debian's headless Chromium. Installed here when
# absent and the machine allows it (root with apt-get, as on CI); otherwise that one test fails and says
# how to install it, while every other test still runs.
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser test"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } \
	      || echo "Could not install chromium: tests/test_browser.py will fail" >&2; \
	  else \
	    echo "chromium is not installed (needs root and apt-get to install it here): tests/test_browser.py will fail." \
	      "Install it with: sudo apt-get install -y --no-install-recommends chromium" >&2; \
	  fi; }

# JupyterLab at the kit's folder (guides/ and outputs/ in its file browser), as root too; notebooks in
# notebooks/ are saved without outputs (kit/app/lab.py), and git strips any outputs that got in anyway.
lab: $(STAMP)
	$(PY) -m kit lab

guides: $(STAMP)
	$(PY) -m kit guides

format: $(STAMP)
	$(PY) -m ruff format kit tests benchmarks
	$(PY) -m ruff check --fix kit tests benchmarks

# Refresh requirements-lock.txt after editing requirements.txt (needs the package index).
lock:
	rm -rf $(STATE)/lockvenv && $(PYTHON) -m venv $(STATE)/lockvenv
	$(STATE)/lockvenv/bin/pip install --quiet -r requirements.txt
	{ echo "# Exact versions of everything the kit installs (generated by 'make lock' from requirements.txt;"; \
	  echo "# edit requirements.txt, then run 'make lock' on Python 3.11 to refresh this file)."; \
	  $(STATE)/lockvenv/bin/pip freeze; } > requirements-lock.txt
	rm -rf $(STATE)/lockvenv

clean:
	rm -rf $(VENV) $(STATE) build *.egg-info
