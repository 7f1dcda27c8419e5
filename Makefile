# The two commands a new user needs: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The first Python 3.11+ on PATH (override: make run PYTHON=/path/to/python3.12).
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	2>/dev/null && echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
PYTEST_ARGS ?=

.PHONY: help run test test-debug lint format worker beat example migrate demo install install-test clean

help:
	@echo "make run     install, migrate, load demo data, start web + worker + beat + the example app"
	@echo "make test    install test extras and run the whole suite"
	@echo "make test-debug  the job, lifecycle and OAuth tests with DEBUG on, as make run has it"
	@echo "make lint    ruff, the import contracts between contexts, mypy (strict on services, selectors, policies, tasks)"
	@echo "make worker  a Celery worker alone;  make beat: Celery beat alone"
	@echo "make example the example third-party app alone (examples/connector, http://localhost:8001)"

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is required: install it and retry."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

migrate: install
	$(MANAGE) migrate --noinput

demo: migrate
	$(MANAGE) demo

run: demo
	$(MANAGE) serve 127.0.0.1:8000

worker: install
	$(BIN)/celery -A marketplace worker --loglevel=INFO -Q default

beat: install
	@mkdir -p var
	$(BIN)/celery -A marketplace beat --loglevel=INFO --schedule var/celerybeat-schedule

example: install
	$(BIN)/python -m examples.connector

test: install-test
	DATABASE_URL=sqlite://:memory: $(MANAGE) makemigrations --check --dry-run --settings=marketplace.settings.test
	$(BIN)/pytest $(PYTEST_ARGS)

# make run's defaults have DEBUG on, which changes how Django's cursor logs queries: the
# job, lifecycle and OAuth tests run that way too, in the test process and in the worker
# processes they start.
test-debug: install-test
	DEBUG=true $(BIN)/pytest -o django_debug_mode=true tests/apps/jobs tests/apps/lifecycle \
		tests/apps/oauth tests/integration/test_oauth_live.py $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf var db.sqlite3 db.sqlite3-shm db.sqlite3-wal
