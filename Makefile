# JoinedUp: two commands for a fresh clone.
#   make demo   installs everything, builds the Northvale demo on SQLite and serves it
#   make test   installs everything and runs the whole suite on SQLite
# Also: make test-postgres, make lint, make ci (what CI runs), make clean.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
DEMO_DB := var/demo.sqlite3
DEMO_PEOPLE ?= 2000
DEMO_SEED ?= 1
HOST ?= 127.0.0.1
PORT ?= 8000
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/joinedup
PYTEST_ARGS ?=
# Two workers on a two-core machine; set PYTEST_WORKERS=0 to run in one process.
PYTEST_WORKERS ?= 2

.PHONY: demo demo-code system-deps test test-postgres install python-deps node-deps assets browser lint typecheck ci clean

## Install ------------------------------------------------------------------------------

$(VENV)/.installed: pyproject.toml requirements/lock.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements/lock.txt
	$(PIP) install --quiet --no-deps -e .
	touch $@

python-deps: $(VENV)/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

node-deps: node_modules/.installed

build/static/joinedup/css/application.css: node_modules/.installed $(shell find joinedup/core/assets -type f)
	npm run --silent build

assets: build/static/joinedup/css/application.css

# Pango, which WeasyPrint (PDF reports) draws text with, from Debian's packages.
system-deps:
	@ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0.so.0 || { \
	  echo "Installing Pango for PDF output..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null; }

install: system-deps python-deps node-deps assets

# Debian's Chromium for the browser tests (never a browser downloaded by a test tool).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

## Demo ---------------------------------------------------------------------------------

# The demo database is rebuilt when a migration or the generator changes, and otherwise reused.
# It is built under a temporary name and moved into place only when complete.
$(DEMO_DB): $(VENV)/.installed $(shell find joinedup -path '*/migrations/*.py' -o -path 'joinedup/demo/*.py')
	mkdir -p var
	rm -f $@.building $@.building-wal $@.building-shm
	DATABASE_URL=sqlite:///$(CURDIR)/$@.building $(PY) manage.py migrate --noinput -v0
	DATABASE_URL=sqlite:///$(CURDIR)/$@.building DEMO_MODE=1 $(PY) manage.py seed_demo --people $(DEMO_PEOPLE) --seed $(DEMO_SEED) --quiet-accounts
	rm -f $@ $@-wal $@-shm
	mv $@.building $@

demo: install $(DEMO_DB)
	DATABASE_URL=sqlite:///$(CURDIR)/$(DEMO_DB) $(PY) manage.py collectstatic --noinput -v0
	DATABASE_URL=sqlite:///$(CURDIR)/$(DEMO_DB) $(PY) manage.py migrate --noinput -v0
	@DATABASE_URL=sqlite:///$(CURDIR)/$(DEMO_DB) DEMO_MODE=1 $(PY) manage.py demo_banner --url http://$(HOST):$(PORT)/
	@# The background worker for matching runs started from the pages stops with the server.
	DATABASE_URL=sqlite:///$(CURDIR)/$(DEMO_DB) DEMO_MODE=1 $(PY) manage.py db_worker --interval 1 & \
	worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DATABASE_URL=sqlite:///$(CURDIR)/$(DEMO_DB) DEMO_MODE=1 $(PY) manage.py runserver --noreload $(HOST):$(PORT)

## Tests --------------------------------------------------------------------------------

test: install browser
	$(PY) -m pytest $(if $(filter-out 0,$(PYTEST_WORKERS)),-n $(PYTEST_WORKERS)) $(PYTEST_ARGS)

# The Spark test uses no database: it runs once, in `make test`.
test-postgres: install browser
	DATABASE_URL=$(POSTGRES_URL) $(PY) -m pytest $(if $(filter-out 0,$(PYTEST_WORKERS)),-n $(PYTEST_WORKERS)) -m "not spark" $(PYTEST_ARGS)

lint: python-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: python-deps
	$(VENV)/bin/mypy joinedup

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) node_modules build var/staticfiles $(DEMO_DB)

## The current two-factor code of a demo account: make demo-code EMAIL=keyworker@council.northvale.example
demo-code:
	@DATABASE_URL=sqlite:///$(CURDIR)/$(DEMO_DB) DEMO_MODE=1 $(PY) manage.py demo_two_factor_code $(EMAIL)
