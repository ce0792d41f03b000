# Two commands matter: `make demo` runs the product on its embedded default, `make test` runs the tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEMO_PASSWORD ?= demo-pass-2026
DEMO_ADDR ?= 127.0.0.1:8000

.PHONY: install demo test lint format bench

# requirements.lock pins what production runs (the image installs it); requirements-dev.lock adds the
# test and lint tools. Both are generated from pyproject.toml with uv pip compile --generate-hashes.
$(VENV)/.installed: requirements.lock requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

install: $(VENV)/.installed

## Run the whole product on the embedded default (SQLite, local cache, console e-mail).
demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py bootstrap_demo_tenant --password "$(DEMO_PASSWORD)"
	$(PY) manage.py sync_schedules
	@echo ""
	@echo "  Ops Console: http://$(DEMO_ADDR)/admin/"
	@echo "  Log in as admin@demo.localhost / $(DEMO_PASSWORD)"
	@echo "  (every role: <role>@demo.localhost, e.g. recruiter@demo.localhost, same password)"
	@echo "  Public pages: http://$(DEMO_ADDR)/careers/ and http://$(DEMO_ADDR)/browse-freelancers/"
	@echo ""
	@trap 'kill 0' EXIT INT TERM; \
	  $(PY) manage.py qcluster & \
	  $(PY) manage.py runserver --noreload $(DEMO_ADDR)

## Run the test suite: on PostgreSQL + Redis when DATABASE_URL/REDIS_URL are set, else embedded.
test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Benchmarks: print figures (queries, ms) for the admin's pages; see bench/README.md.
bench: install
	$(PY) bench/admin_pages.py
	$(PY) bench/timeoff_balance.py
	$(PY) bench/people_pages.py
	$(PY) bench/recruiting_export.py
	$(PY) bench/recruiting_changelist.py
