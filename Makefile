# Time Tracker: `make run` and `make test` do all the set-up on a fresh machine.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python

# Python 3.12 if present (also pyenv's install when its shim is not active), else python3 >= 3.11.
PYTHON := $(shell for c in python3.12 $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.12*/bin/python3.12 python3; do \
	if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then \
	echo $$c; break; fi; done)

# Two test processes by default (the machines have two cores); skipped tests say why.
PYTEST_ARGS ?= -n 2 -rs -q

.PHONY: run test test-es lint format venv migrate seed clean bench loadtest messages messages-check compilemessages

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@if [ -z "$(PYTHON)" ]; then echo "error: Python 3.12 (or >= 3.11) is required" >&2; exit 1; fi
	@$(PYTHON) -c 'import sys; sys.version_info[:2] == (3, 12) or print("warning: Python 3.12 not found, using", sys.version.split()[0])'
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.installed

# The German catalogues (core/catalogues.py): `make messages` adds new strings to them (then
# translate what it added), `make messages-check` fails on a missing, fuzzy or unlisted string.
# The .mo files are built, never committed: `make run`, `make test` and the image compile them.
messages: venv
	$(PY) manage.py catalogues

messages-check: venv
	$(PY) manage.py catalogues --check

compilemessages: venv

migrate: compilemessages
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py setup_schedules
	$(PY) manage.py seed_demo

# The port of `make run` (runserver and Procfile.dev's web process): `make run PORT=8123`.
PORT ?= 8000

# With a broker configured (REDIS_URL or REDIS_HOST), a Celery worker and beat run beside
# the web server under one runner (honcho); Ctrl-C stops all three. seed_demo prints the
# demo logins last, after everything the seeding printed.
run: seed
	@if [ -n "$$REDIS_URL$$REDIS_HOST" ]; then \
		$(VENV)/bin/honcho -f Procfile.dev start --port $(PORT); \
	else \
		$(PY) manage.py runserver 127.0.0.1:$(PORT); \
	fi

test: compilemessages
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Search against a real Elasticsearch (README, "Search"); tests marked no_es use a fake one
# and are skipped. The tests create and delete their own indices, under a prefix of their own.
test-es: venv
	@if [ -z "$$ELASTICSEARCH_HOST" ]; then \
		echo "error: set ELASTICSEARCH_HOST, e.g. ELASTICSEARCH_HOST=localhost (see Search in README.md)" >&2; \
		exit 1; \
	fi
	ELASTICSEARCH_INDEX_PREFIX=timetracker-test $(VENV)/bin/pytest search/tests -m "not no_es" -rs -q -p no:xdist

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) staticfiles db.sqlite3

# The benchmark (README "Benchmark") against PostgreSQL only: BENCH_ENTRIES time entries
# (default 1,000,000) are generated, then `manage.py bench` writes bench/results.json and
# `manage.py bench_import` (measure g) bench/import_results.json.
bench: venv
	@if [ -z "$$DATABASE_URL" ]; then \
		echo "error: set DATABASE_URL to a scratch PostgreSQL database, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench make bench" >&2; \
		exit 1; \
	fi
	$(PY) manage.py migrate --noinput
	$(PY) manage.py bench_data --entries $${BENCH_ENTRIES:-1000000} --reset
	$(PY) manage.py bench
	$(PY) manage.py bench_import

# The load test (README "Load test") against PostgreSQL only: gunicorn as the Dockerfile runs
# it, on 127.0.0.1, under locust: at 10 and 30 users the /health floor (LOADTEST_SATURATION_SECONDS,
# 10), the mix with think time (LOADTEST_SECONDS, 30), and at 10 users each list endpoint alone
# without think time (10 s each), at most LOADTEST_MAX_REQUESTS a run; bench data of
# LOADTEST_ENTRIES (1,000,000) entries is generated first unless it is there. Writes
# bench/loadtest_results.json and bench/loadtest.md. With REDIS_URL the cache and the rate
# limits live in Redis, as in production.
loadtest: compilemessages
	@if [ -z "$$DATABASE_URL" ]; then \
		echo "error: set DATABASE_URL to a scratch PostgreSQL database, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench make loadtest" >&2; \
		exit 1; \
	fi
	$(PY) manage.py migrate --noinput
	$(PY) bench/loadtest.py
