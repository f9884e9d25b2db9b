# Entry points: `make test` (what CI runs), `make conformance`, `make bench`.
#
# Override the test command with e.g. `make test PYTEST='.venv/bin/pytest -x tests'`.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := test

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Four workers on two cores: the items spend much of their time waiting on the Docker engine and
# the stacks' containers, so two more keep the cores busy (bench/selfproof.py measures it).
PYTEST ?= $(VENV)/bin/pytest -n 4 tests

# `make conformance ARGS='--stacks nginx-subdomain-tls --capabilities push_pull'` narrows a run.
ARGS ?=

.PHONY: venv setup images test conformance bench clean

venv: $(STAMP)

$(PY):
	python3 -m venv $(VENV)

# Reinstall only when the project's dependencies may have changed.
$(STAMP): pyproject.toml | $(PY)
	$(VENV)/bin/pip install -e '.[dev]'
	touch $@

setup:
	scripts/setup-host.sh

test: images
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PYTEST)

images: venv setup
	$(PY) -m fixtures.stacks.imagebuild

# Every embedded stack, one xdist worker per core; the report lands in reports/latest/.
conformance: images
	$(VENV)/bin/pytest -n auto conformance $(ARGS)

bench: venv
	$(PY) -m bench.registry_throughput
	$(PY) -m bench.manifest_rps
	$(PY) -m bench.pagination

clean:
	rm -rf .pytest_cache .ruff_cache build dist $(STAMP)
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
