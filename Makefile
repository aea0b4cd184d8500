# One entry point for checks; CI (.ci/run) and the README's test command run `make check`.
PYTHON ?= python3

.PHONY: install check lint test shapes

install:
	$(PYTHON) -m pip install -q -e '.[test]'

lint:
	$(PYTHON) -m ruff check kg tests benchmarks
	$(PYTHON) -m ruff format --check kg tests benchmarks

# In parallel when pytest-xdist is installed (the test extra has it): one worker per core, modules
# that share a server kept on one worker (tests/conftest.py SERIAL_GROUPS). Plain pytest otherwise.
# (`=`, not `:=`: decided when the tests run, after `install` has brought xdist in.)
XDIST = $(shell $(PYTHON) -c "import xdist" 2>/dev/null && echo "-n auto --dist loadgroup")
PYTEST_ARGS ?= $(XDIST)

test:
	$(PYTHON) -m pytest $(PYTEST_ARGS)

check: install lint test

shapes:
	kg shapes --write
