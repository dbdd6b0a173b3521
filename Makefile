# podbay: the two commands the README starts with are `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: run test install deps lint sandbox-up sandbox-down

$(VENV)/.installed: pyproject.toml requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c requirements/constraints.txt -e '.[dev]'
	touch $@

install: $(VENV)/.installed

## Debian packages for the sandbox's real node (containerd, runc, CNI) and image builds.
deps:
	scripts/install-system-deps

## Install everything, start the sandbox (building it the first time) and open podbay on it.
run: install deps
	$(VENV)/bin/podbay --sandbox

## Lint, type-check and run every test (the suite starts and removes its own sandbox).
test: install deps lint
	$(VENV)/bin/podbay sandbox build
	$(VENV)/bin/pytest

lint: install
	$(VENV)/bin/ruff check tui tests bench
	$(VENV)/bin/ruff format --check tui tests bench
	$(VENV)/bin/mypy

sandbox-up: install
	$(VENV)/bin/podbay sandbox up

sandbox-down: install
	$(VENV)/bin/podbay sandbox down
