# Two commands do everything on a fresh machine: `make dashboard` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 5006
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: dashboard test bench report install install-test browser notebook clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install -q -e ".[test]"
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Browser tests drive Debian's Chromium; Playwright cannot download its own browser here.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; \
	fi

dashboard: $(VENV)/.installed
	$(VENV)/bin/panel serve apps/dashboard.py --address 127.0.0.1 --port $(PORT) --allow-websocket-origin=127.0.0.1:$(PORT) --allow-websocket-origin=localhost:$(PORT)

test: $(VENV)/.installed-test browser
	$(PY) -m pytest

bench: $(VENV)/.installed-test browser
	$(PY) -m benchmarks

report: $(VENV)/.installed-test
	$(PY) -m docs.make_report

# JupyterLab and what Panel needs to render in it (the `notebook` extra), opened on the example.
NOTEBOOK_ALLOW_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)

$(VENV)/.installed-notebook: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install -q -e ".[notebook]"
	touch $@

notebook: $(VENV)/.installed-notebook
	$(VENV)/bin/jupyter lab --ip=127.0.0.1 $(NOTEBOOK_ALLOW_ROOT) examples/dashboard.ipynb

clean:
	rm -rf $(VENV) .pytest_cache
