# Tagungsbüro: `make run` serves a demo on http://127.0.0.1:8000 (PORT=… HOST=… to change it),
# `make test` checks everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Local development defaults; the environment (or .env) can override them.
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# The address `make run` serves. Links built without a request (the demo login, e-mails queued
# by commands) use it while SITE_URL is unset; requests make their own links (conferences/site.py).
SERVED_HOST := $(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST))

.PHONY: run test pytest lint format migrate seed worker messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installs are stamped so that a second `make run` does not reinstall; uv when it can be had
# (seconds), pip otherwise.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	($(BIN)/python -m pip install -q uv && $(BIN)/uv pip install -q --python $(BIN)/python -e .) \
		|| $(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	($(BIN)/uv pip install -q --python $(BIN)/python -e ".[dev]") \
		|| $(BIN)/python -m pip install -q -e ".[dev]"
	touch $@

run: export LOCAL_SITE_URL = http://$(SERVED_HOST):$(PORT)
run: export DJANGO_RUNSERVER_HIDE_WARNING = true
run: $(VENV)/.installed
	@echo "Preparing the database and the demo data ..."
	@$(MANAGE) migrate --noinput -v0
	@$(MANAGE) seed
	@# The e-mail queue worker runs beside the development server and stops with it (-v0: no
	@# line per task; a failing e-mail is logged by the delivery and shown in the admin). The
	@# demo login is printed last, once the server answers (create_demo_organiser --wait-for).
	@$(MANAGE) db_worker -v0 & worker=$$!; \
		$(MANAGE) create_demo_organiser --wait-for $(SERVED_HOST):$(PORT) & login=$$!; \
		trap 'kill $$worker $$login 2>/dev/null' EXIT INT TERM; \
		$(MANAGE) runserver $(HOST):$(PORT)

test: $(VENV)/.installed-dev
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(MANAGE) makemigrations --check --dry-run
	$(BIN)/pytest

pytest: $(VENV)/.installed-dev
	$(BIN)/pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrate: $(VENV)/.installed
	$(MANAGE) migrate --noinput

seed: $(VENV)/.installed
	$(MANAGE) seed

worker: $(VENV)/.installed
	$(MANAGE) db_worker

# Needs GNU gettext; the compiled catalogues are committed, so running the app does not.
messages: $(VENV)/.installed
	$(MANAGE) makemessages -l en --no-obsolete --ignore=.venv --ignore=tests --ignore=bench
	$(MANAGE) compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .import_linter_cache .test-db.sqlite3*
