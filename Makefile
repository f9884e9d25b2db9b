# Entry points: `make test` (what CI runs), `make conformance`, `make bench`.
#
# Override the test command with e.g. `make test PYTEST='.venv/bin/pytest -x tests'`.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := test

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST ?= $(VENV)/bin/pytest -n 2 tests

.PHONY: venv setup test conformance bench clean

venv: $(STAMP)

$(PY):
	python3 -m venv $(VENV)

# Reinstall only when the project's dependencies may have changed.
$(STAMP): pyproject.toml | $(PY)
	$(VENV)/bin/pip install -e '.[dev]'
	touch $@

setup:
	scripts/setup-host.sh

test: venv setup
	$(VENV)/bin/ruff check .
	$(PYTEST)

conformance: venv setup
	@if [ -n "$$(find conformance -name 'test_*.py' -o -name '*_test.py' 2>/dev/null | head -n 1)" ]; then \
		$(VENV)/bin/pytest conformance; \
	else \
		echo "no conformance modules yet (see issues)"; \
	fi

bench: venv
	$(PY) bench/registry_throughput.py

clean:
	rm -rf .pytest_cache .ruff_cache build dist $(STAMP)
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
