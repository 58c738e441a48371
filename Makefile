# Socialco. Quick start: `make run` (the site with demo data) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format migrate seed check-python clean prod-run prod-stop bench

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Socialco needs Python 3.11 or newer; found " + sys.version.split()[0] + " (set PYTHON=python3.x)")'

$(BIN)/python: | check-python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps: reinstall only when a requirements file changes.
$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

migrate: $(VENV)/.runtime-installed
	$(BIN)/python manage.py migrate --no-input

seed: migrate
	$(BIN)/python manage.py seed_demo

run: $(VENV)/.runtime-installed
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  Socialco is starting on http://$(HOST):$(PORT)/  (Ctrl+C stops it)"
	@echo ""
	$(BIN)/daphne --bind $(HOST) --port $(PORT) --access-log - socialco.asgi:application

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev-installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: $(VENV)/.dev-installed lint
	$(BIN)/python manage.py makemigrations --check --dry-run --no-input > /dev/null || (echo "Model changes without a migration: run manage.py makemigrations" && exit 1)
	$(BIN)/pytest $(PYTEST_ARGS)

# The production stack on loopback (nginx, gunicorn, daphne, PostgreSQL, Redis): deploy/local/prod-stack.sh.
prod-run: $(VENV)/.runtime-installed
	VENV=$(VENV) bash deploy/local/prod-stack.sh start

prod-stop:
	bash deploy/local/prod-stack.sh stop

# The performance suite (bench/README.md): datasets, the production stack on ports 8180-8189,
# PostgreSQL 55480 and Redis 56480 (state in var/bench), a table and bench/results.json.
bench: $(VENV)/.dev-installed
	VENV=$(VENV) $(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) var/static .pytest_cache .ruff_cache
