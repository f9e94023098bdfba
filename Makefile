# What the README calls: run the portal, test it, and the tools around them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app secretariat
HOST ?= 127.0.0.1
PORT ?= 5000
MO := translations/tr/LC_MESSAGES/messages.mo
PO := translations/tr/LC_MESSAGES/messages.po
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# pytest-xdist workers: auto is one per core; each has its own database (a SQLite file, or
# test_gw0, test_gw1... beside TEST_DATABASE_URL's). PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= auto
XDIST := -n $(PYTEST_WORKERS)

.PHONY: run install install-dev test test-postgres test-browser lint scan format translations bench clean

run: $(VENV)/.installed $(MO) instance/config.py
	$(FLASK) db upgrade
	SECRETARIAT_PUBLIC_URL=http://$(HOST):$(PORT) $(FLASK) demo --if-empty
	$(FLASK) run --host $(HOST) --port $(PORT)

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(MO): $(PO) $(VENV)/.installed instance/config.py
	$(FLASK) translate compile

# A secret key of this machine's own, so the portal never runs on a default one.
instance/config.py:
	mkdir -p instance
	printf 'SECRET_KEY = "%s"\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_hex(32))')" > $@

translations: $(VENV)/.installed
	$(FLASK) translate update
	$(FLASK) translate compile

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Security scanners: bandit's medium and high findings fail; pip-audit fails on a known vulnerability.
scan: $(VENV)/.installed-dev
	$(BIN)/bandit -q -c pyproject.toml -r secretariat --severity-level medium
	bash .ci/audit-dependencies

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: $(VENV)/.installed-dev $(MO) lint
	$(BIN)/pytest $(XDIST)

# The suite again on PostgreSQL, the tests that touch a database (the others only repeat). Its
# workers wait on the server a good part of the time: one more than the cores keeps them busy.
PG_WORKERS ?= 3
test-postgres: $(VENV)/.installed-dev $(MO)
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest -n $(PG_WORKERS)

test-browser: $(VENV)/.installed-dev $(MO)
	$(BIN)/pytest -m e2e tests/e2e

bench: $(VENV)/.installed-dev $(MO)
	bash bench/run.sh

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
