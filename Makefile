# One entry point for checks; CI (.ci/run) and the README's test command run `make check`.
PYTHON ?= python3

.PHONY: install check lint test shapes

install:
	$(PYTHON) -m pip install -q -e '.[test]'

lint:
	$(PYTHON) -m ruff check kg tests benchmarks
	$(PYTHON) -m ruff format --check kg tests benchmarks

test:
	$(PYTHON) -m pytest

check: install lint test

shapes:
	kg shapes --write
