# Crossdock — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/crossdock
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test install migrate demo lint format bench check-services clean screenshots

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Crossdock needs $(PYTHON) on PATH."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py createcachetable

demo: migrate
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo

## Set up everything and serve Crossdock with its Celery worker and beat (Ctrl-C stops all).
run: demo
	@PORT=$(PORT) DEBUG=$${DEBUG:-1} scripts/run.sh

## Benchmarks against a production-shaped stack the script starts itself (gunicorn as the image
## runs it, a Celery worker, a local receiver): ingest, event → alert, memory, pages, dashboards.
## Every figure is printed next to its target. `make bench BENCH_ARGS=--quick` takes ~3 minutes.
## Needs wrk (apt-get install wrk) for the ingest load; without it a slower Python client is used.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/crossdock_bench
BENCH_BROKER_URL ?= redis://127.0.0.1:6379/14
BENCH_ARGS ?=
bench: install
	@DATABASE_URL=$(BENCH_DATABASE_URL) CELERY_BROKER_URL=$(BENCH_BROKER_URL) \
		$(BIN)/python scripts/check_services.py
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) BENCH_BROKER_URL=$(BENCH_BROKER_URL) \
		$(BIN)/python scripts/bench.py $(BENCH_ARGS)

## The whole suite against this machine's Postgres and Redis.
test: install check-services
	DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) \
		$(BIN)/pytest $(PYTEST_ARGS)

## Desktop (1366 px) and phone (390 px) screenshots of every page into var/screenshots/, with the
## browser checks (no sideways scroll on phones, no serious accessibility violation).
SCREENSHOTS ?= var/screenshots
screenshots: install check-services
	rm -rf $(SCREENSHOTS) && mkdir -p $(SCREENSHOTS)
	DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) \
		CROSSDOCK_SCREENSHOTS=$(abspath $(SCREENSHOTS)) \
		$(BIN)/pytest tests/browser/test_every_page.py tests/browser/test_handoff_comments.py \
		-p no:cacheprovider $(PYTEST_ARGS)
	@echo "Screenshots: $(SCREENSHOTS)/ ($$(ls $(SCREENSHOTS) | wc -l) files)"

check-services: install
	@DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) \
		$(BIN)/python scripts/check_services.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf var staticfiles .pytest_cache
