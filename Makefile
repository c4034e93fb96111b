# Tagungsbüro: `make run` serves a demo on http://127.0.0.1:8000, `make test` checks everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Local development defaults; the environment (or .env) can override them.
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

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

run: $(VENV)/.installed
	$(MANAGE) migrate --noinput
	$(MANAGE) seed
	$(MANAGE) create_demo_organiser
	@# The e-mail queue worker runs beside the development server and stops with it.
	$(MANAGE) db_worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
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
