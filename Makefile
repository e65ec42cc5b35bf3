# tier0: the two commands a newcomer needs are `make run` and `make test`.
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin

.PHONY: run test check docs bench install clean

# Installs into a local venv (uv, fetched from PyPI into the venv, does the resolving: it is
# much faster than pip on a fresh machine).
$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip uv
	VIRTUAL_ENV=$(VENV) $(BIN)/uv pip install -q -e '.[dev]'
	touch $@

# The interop suite's node clients (openid-client, oauth4webapi), pinned by the lock file.
tests/interop/node_modules/.package-lock.json: tests/interop/package-lock.json
	npm ci --prefix tests/interop --no-audit --no-fund

install: $(BIN)/.installed tests/interop/node_modules/.package-lock.json

## run: install, initialise the embedded store (SQLite + local key file in ./.tier0) and serve
run: install
	$(BIN)/tier0 serve

## test: lint, type-check, then the whole suite on every core (PostgreSQL/Redis tests run
## when TIER0_TEST_POSTGRES_URL / TIER0_TEST_REDIS_URL are set, as .ci/run does). Tests
## are handed out one by one; modules with module-scoped fixtures (live servers) stay on one
## worker and go first (tests/xdist_groups.py).
PYTEST_WORKERS ?= auto
test: check
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist loadgroup

## check: ruff (format + lint) and mypy --strict, bench/ included (it drives the services)
check: install
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy src tests bench

## docs: regenerate the generated pages under docs/
docs: install
	$(BIN)/tier0 docs

## bench: run the benchmarks in bench/ and print their figures
bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
