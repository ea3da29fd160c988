# Two commands on a fresh machine:  `make run`  and  `make test`  (see README.md).
SHELL := /bin/bash
# Django 6 needs Python >= 3.12: use one if the machine has it, else the default python3
# (which then gets the Django 5.2 LTS line; the code runs on both).
BOOT_PYTHON ?= $(shell for p in python3.13 python3.12 /root/.pyenv/versions/3.12*/bin/python3.12 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys' >/dev/null 2>&1 && { command -v $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The services the second test pass uses (pytest-django creates its own test_… database).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/13

.PHONY: run serve worker test test-embedded test-services setup lint lock clean admin-password .chromium .audio-tools

# Every dependency (dev tools included) comes from requirements.lock: exact versions with their
# sha256 hashes, for Python 3.11 and 3.12+ alike (markers pick Django 5.2 or 6.x). The project
# itself is installed without build isolation, from the locked setuptools: nothing unhashed.
$(VENV)/.installed: pyproject.toml requirements.lock
	$(BOOT_PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

## Refresh requirements.lock after changing dependencies in pyproject.toml (`make lock
## LOCK_ARGS=--upgrade` moves every pin to the newest allowed version), then `make setup`.
lock: setup
	$(PY) -m pip install --quiet 'uv>=0.5,<1'
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
		--generate-hashes --quiet $(LOCK_ARGS) -o requirements.lock

# Debian's chromium for the browser tests (installed once; skipped with a warning if impossible).
# SKIP_CHROMIUM=1 installs nothing on the system: the browser tests then skip, saying why.
.chromium:
	@if [ "$(SKIP_CHROMIUM)" = "1" ]; then echo "SKIP_CHROMIUM=1: not installing chromium; browser tests will skip"; \
	else bash scripts/ensure_chromium.sh; fi

# Debian's espeak-ng, opus-tools and sox for the voice-note tests (real pt-BR Ogg/Opus notes;
# installed once; the tests skip with a warning if impossible).
.audio-tools:
	bash scripts/ensure_audio_tools.sh

setup: $(VENV)/.installed

## Set up and run the service on the embedded default (SQLite + local memory) with the demo clinic.
run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py import_clinic demo/clinic.yaml
	$(PY) manage.py sync_templates
	$(PY) manage.py ensure_admin
	@echo "Start page: http://$(HOST):$(PORT)/"
	@echo "Admin:      http://$(HOST):$(PORT)/admin/"
	@echo "Health:     http://$(HOST):$(PORT)/health"
	@echo "Staff desk: http://$(HOST):$(PORT)/staff/    Dashboard: http://$(HOST):$(PORT)/ops/dashboard/"
	@echo "Simulator:  http://$(HOST):$(PORT)/simulator/ (staff login)  API docs: http://$(HOST):$(PORT)/api/docs/"
	@echo "Chat in a terminal:  $(PY) manage.py chat"
	$(PY) manage.py runserver $(HOST):$(PORT)

## A new generated password for the admin user (when the one `make run` printed is lost).
admin-password: setup
	$(PY) manage.py ensure_admin --reset

# Turns run in the Celery worker and /metrics is served by gunicorn: both write Prometheus
# samples to one shared directory (emptied by `make serve`, so start the web server first).
METRICS_DIR ?= var/prometheus

## Production-like: gunicorn web server on the configured services (DATABASE_URL, REDIS_URL, gateway).
serve: setup
	rm -rf $(METRICS_DIR) && mkdir -p $(METRICS_DIR)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	PROMETHEUS_MULTIPROC_DIR=$(METRICS_DIR) $(PY) -m gunicorn clinicbot.wsgi:application --bind $(HOST):$(PORT) --workers 2 --threads 4 --access-logfile -

## A Celery worker (with the periodic sweeper embedded) processing conversations and sending replies.
worker: setup
	mkdir -p $(METRICS_DIR)
	PROMETHEUS_MULTIPROC_DIR=$(METRICS_DIR) $(PY) -m celery -A clinicbot worker --beat --schedule var/celerybeat-schedule --loglevel INFO --concurrency 2

## Set up and run every test: lint, types, the suite on SQLite + local memory, and again on
## PostgreSQL + Redis when DATABASE_URL / REDIS_URL are given (CI sets them).
# The two passes run side by side: both wait on servers, workers and sleeps for ~40 % of their
# time, so together they take ~8 minutes instead of ~12 on two cores (output kept per pass).
test: setup .chromium .audio-tools lint
	$(MAKE) -j2 --output-sync=target test-embedded test-services

test-embedded: setup
	@echo "== tests on the embedded default (SQLite + local memory)"
	env -u DATABASE_URL -u REDIS_URL $(PY) -m pytest -q -p no:cacheprovider

test-services: setup
	@echo "== tests on PostgreSQL + Redis ($(TEST_DATABASE_URL), $(TEST_REDIS_URL))"
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) -m pytest -q -p no:cacheprovider

# mypy's Django plugin imports the settings: against the embedded default, like test-embedded
# (with DATABASE_URL set, as in CI, the settings rightly refuse to load without a SECRET_KEY).
lint: setup
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .
	env -u DATABASE_URL -u REDIS_URL $(PY) -m mypy
	PYTHONPATH=scripts $(VENV)/bin/lint-imports --no-cache

clean:
	rm -rf $(VENV) var
