# Developer and CI entry points. `make check` is what CI runs (through .ci/run).
#
# A fresh machine needs only Python 3.10+ and PyPI: the first lines below install
# uv when it is missing and put it on PATH for every recipe.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# --- uv bootstrap -----------------------------------------------------------
# `uv --version` (not just `command -v uv`) so a stale pyenv shim counts as missing.
# pip may put the binary in a directory that is not on PATH (~/.local/bin, a pyenv
# version's bin): ask the installed `uv` package where it is and prepend that.
UV_BIN_DIR := $(shell \
	if ! uv --version >/dev/null 2>&1; then \
		echo "make: uv not found, installing it with pip" >&2; \
		python3 -m pip install --quiet uv >&2 \
			|| python3 -m pip install --quiet --user --break-system-packages uv >&2; \
		dirname "$$(python3 -c 'import uv; print(uv.find_uv_bin())')"; \
	fi)
ifneq ($(strip $(UV_BIN_DIR)),)
export PATH := $(UV_BIN_DIR):$(PATH)
endif
export PATH := $(HOME)/.local/bin:$(PATH)

UV := uv
RUN := $(UV) run --frozen

# Separate virtual environments of the isolation targets (never the dev .venv).
CORE_VENV := .venv-core
WHEELS_VENV := .venv-wheels
DIST := dist
CORE_PKG := packages/cqrs-core
# pyright strict checks the public API against the installed wheels (DESIGN.md §2).
PYRIGHT_VERSION := 1.1.414

# test-matrix: each interpreter with the event loop modes of tests/conftest.py it runs
# (eager needs 3.12+). Interpreters come from pyenv (~/.pyenv/versions/3.1x.*), else
# from `uv python find`; each gets its own .venv-py3XX synced from uv.lock.
MATRIX := 3.10:default,debug 3.11:default,debug 3.12:default,eager 3.13:debug,eager
PYENV_ROOT ?= $(HOME)/.pyenv

.PHONY: help install lint format typecheck test coverage test-matrix test-core-only test-wheels bump-version bench demo docs check clean

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) \
		| awk 'BEGIN {FS = ":.*## "} {printf "  %-16s %s\n", $$1, $$2}'

install: ## Sync the dev environment (.venv) with every workspace member, from uv.lock
	$(UV) sync --frozen --all-packages

lint: install ## ruff check + ruff format --check
	$(RUN) ruff check .
	$(RUN) ruff format --check .

format: install ## Apply ruff's fixes and formatting
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

typecheck: install ## mypy --strict over the paths in [tool.mypy] files
	$(RUN) mypy

test: install ## The whole test suite in the dev environment
	$(RUN) pytest

coverage: install ## The whole suite under coverage.py; fails below [tool.coverage.report] fail_under (branch)
	$(RUN) coverage erase
	$(RUN) coverage run -m pytest
	$(RUN) coverage combine --quiet
	$(RUN) coverage report

test-matrix: ## The suite on Python 3.10-3.13, under the default, debug and eager event loops
	@set -euo pipefail; \
	for entry in $(MATRIX); do \
		version=$${entry%%:*}; modes=$${entry#*:}; \
		python=$$(ls -d $(PYENV_ROOT)/versions/$$version.*/bin/python$$version 2>/dev/null \
			| sort -V | tail -n 1); \
		if [[ -z "$$python" ]]; then python=$$($(UV) python find $$version); fi; \
		venv=.venv-py$${version/./}; \
		echo "== Python $$version ($$python) in $$venv"; \
		UV_PROJECT_ENVIRONMENT=$$venv $(UV) sync --frozen --all-packages --quiet --python "$$python"; \
		for mode in $${modes//,/ }; do \
			echo "== Python $$version, CQRS_TEST_LOOP=$$mode"; \
			CQRS_TEST_LOOP=$$mode UV_PROJECT_ENVIRONMENT=$$venv \
				$(RUN) --python "$$python" pytest -q -p no:cacheprovider; \
		done; \
	done

# cqrs-core alone (plus pytest and anyio, pinned to uv.lock): tests that need an
# optional library skip themselves, and every core module must import without it.
test-core-only: ## tests/core against cqrs-core installed alone in .venv-core
	rm -rf $(CORE_VENV)
	$(UV) venv --quiet $(CORE_VENV)
	$(UV) export --frozen --quiet --no-hashes --no-emit-workspace --only-group dev \
		--output-file $(CORE_VENV)/constraints.txt
	$(UV) pip install --quiet --python $(CORE_VENV)/bin/python \
		--constraint $(CORE_VENV)/constraints.txt ./$(CORE_PKG) pytest anyio
	$(CORE_VENV)/bin/python -m pytest tests/core

# The installs a user picks, one fresh venv each, from the built wheels:
# EXTRA|cqrs distributions it must bring, exactly|third-party modules it must bring
# (an empty EXTRA is cqrs-core alone). `all` is WHEELS_VENV, checked further below.
WHEEL_COMBOS := \
	'|cqrs-core|' \
	'pydantic|cqrs-core,cqrs-pydantic|pydantic' \
	'kafka|cqrs-core,cqrs-kafka|aiokafka' \
	'kafka-protobuf|cqrs-core,cqrs-kafka|aiokafka,google.protobuf' \
	'outbox-sqlalchemy|cqrs-core,cqrs-outbox-sqlalchemy|sqlalchemy' \
	'outbox-postgres|cqrs-core,cqrs-outbox-sqlalchemy|sqlalchemy,asyncpg' \
	'outbox-mysql|cqrs-core,cqrs-outbox-sqlalchemy|sqlalchemy,asyncmy' \
	'outbox-sqlite|cqrs-core,cqrs-outbox-sqlalchemy|sqlalchemy,aiosqlite' \
	'saga|cqrs-core,cqrs-saga|' \
	'saga-postgres|cqrs-core,cqrs-saga|sqlalchemy,asyncpg' \
	'saga-mysql|cqrs-core,cqrs-saga|sqlalchemy,asyncmy' \
	'saga-sqlite|cqrs-core,cqrs-saga|sqlalchemy,aiosqlite' \
	'breaker|cqrs-core,cqrs-breaker|aiobreaker' \
	'breaker-redis|cqrs-core,cqrs-breaker|aiobreaker,redis' \
	'dependency-injector|cqrs-core|dependency_injector' \
	'di|cqrs-core|di'
ALL_DISTS := cqrs-core,cqrs-pydantic,cqrs-kafka,cqrs-outbox-sqlalchemy,cqrs-saga,cqrs-breaker
ALL_MODULES := pydantic,aiokafka,google.protobuf,sqlalchemy,asyncpg,asyncmy,aiosqlite,aiobreaker,redis,dependency_injector,di
COMBO_VENV := .venv-combo
# Our distributions come from $(DIST) only (import_all.py --wheels compares every
# installed file with the built wheel); their cache entries are refreshed because a
# rebuild keeps the version. Third-party ones come from the index or uv's cache.
WHEEL_INSTALL = $(UV) pip install --quiet --find-links $(DIST) \
	$(foreach dist,$(subst $(comma), ,$(ALL_DISTS)),--refresh-package $(dist))
comma := ,

test-wheels: ## Build wheels and sdists, guard them, install every extra combination from them, import everything, run the tour, pyright strict
	$(RUN) python scripts/lockstep.py
	rm -rf $(DIST)
	$(UV) build --all-packages --quiet -o $(DIST)/
	$(RUN) python scripts/check_wheels.py $(DIST)/*.whl $(DIST)/*.tar.gz
	@set -euo pipefail; \
	for combo in $(WHEEL_COMBOS); do \
		IFS='|' read -r extra dists modules <<< "$$combo"; \
		requirement=cqrs-core$${extra:+[$$extra]}; \
		echo "== $$requirement"; \
		rm -rf $(COMBO_VENV); \
		$(UV) venv --quiet $(COMBO_VENV); \
		$(WHEEL_INSTALL) --python $(COMBO_VENV)/bin/python "$$requirement"; \
		$(COMBO_VENV)/bin/python scripts/import_all.py --wheels $(DIST) \
			--expect "$$dists" --modules "$$modules"; \
	done; \
	rm -rf $(COMBO_VENV)
	@echo "== cqrs-core[all]"
	rm -rf $(WHEELS_VENV)
	$(UV) venv --quiet $(WHEELS_VENV)
	$(WHEEL_INSTALL) --python $(WHEELS_VENV)/bin/python 'cqrs-core[all]'
	$(WHEELS_VENV)/bin/python scripts/import_all.py --wheels $(DIST) \
		--expect $(ALL_DISTS) --modules $(ALL_MODULES)
	# The tour from a directory outside the checkout, isolated: the installed wheels only.
	tour=$$(mktemp -d) && trap 'rm -rf "$$tour"' EXIT && cd "$$tour" && \
		$(abspath $(WHEELS_VENV))/bin/python -I $(CURDIR)/scripts/run_tour.py $(CURDIR)
	$(WHEELS_VENV)/bin/python scripts/wheel_typing/usage.py >/dev/null
	$(UV) pip install --quiet --python $(WHEELS_VENV)/bin/python pyright==$(PYRIGHT_VERSION)
	VIRTUAL_ENV=$(abspath $(WHEELS_VENV)) PATH="$(abspath $(WHEELS_VENV))/bin:$$PATH" \
		pyright -p scripts/wheel_typing
	VIRTUAL_ENV=$(abspath $(WHEELS_VENV)) PATH="$(abspath $(WHEELS_VENV))/bin:$$PATH" \
		pyright --verifytypes cqrs --ignoreexternal | grep -E "Type completeness score|error:"

bump-version: ## Move every distribution to VERSION=X.Y.Z in lockstep, then relock
	@test -n "$(VERSION)" || { echo "usage: make bump-version VERSION=X.Y.Z" >&2; exit 2; }
	$(RUN) python scripts/lockstep.py bump $(VERSION)
	$(UV) lock

bench: install ## Speed harness (DESIGN.md §7)
	$(RUN) python bench/run.py

demo: install ## Run the example application, the outbox and inbox on SQLite, a SQLite saga killed and recovered
	$(RUN) python examples/demo.py
	$(RUN) python examples/outbox_demo.py
	$(RUN) python examples/saga_sqlite_recovery.py

# Offline-safe: the diagrams and the exception tree are generated from the code by
# scripts/docs_hooks.py; nothing is fetched at build time.
docs: install ## Build the documentation site into site/ (mkdocs --strict: no broken link or reference)
	NO_MKDOCS_2_WARNING=1 $(RUN) mkdocs build --strict

check: lint typecheck coverage test-matrix test-core-only test-wheels docs ## Everything CI runs

clean: ## Remove build outputs, the isolation venvs and tool caches (keeps .venv)
	rm -rf $(DIST) build site $(CORE_VENV) $(WHEELS_VENV) $(COMBO_VENV) .venv-py3* .pytest_cache .mypy_cache .ruff_cache \
		.coverage
	find . -path ./.venv -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
