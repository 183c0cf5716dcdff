# Support portal: one Makefile for the demo, the tests and CI.
#
#   make run    fresh clone -> demo on http://127.0.0.1:8000 (SQLite, demo data, task workers)
#   make test   fresh clone -> the whole test suite (unit, integration and browser tests)
#
# Needs Python 3.12+ and make. uv is used when on PATH, otherwise bootstrapped into .tools/.
# Recipes are POSIX sh.

SHELL := /bin/sh
.DEFAULT_GOAL := help

HOST ?= 127.0.0.1
PORT ?= 8000
VENV := .venv
PY_BIN := $(VENV)/bin/python
MANAGE := $(PY_BIN) manage.py
CHROMIUM ?= /usr/bin/chromium

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

# Prints the first interpreter that really runs and is Python >= 3.12 (pyenv shims that are
# not selected fail to run, so every candidate is executed, not just looked up).
define find_python_sh
ok() { "$$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
for c in $${PYTHON:-} python3.14 python3.13 python3.12 python3 python; do
  p=$$(command -v "$$c" 2>/dev/null) || continue
  if ok "$$p"; then echo "$$p"; exit 0; fi
done
root=$$(pyenv root 2>/dev/null) || root=$${PYENV_ROOT:-$$HOME/.pyenv}
for d in $$(ls -d "$$root"/versions/3.1[2-9]* 2>/dev/null | sort -r); do
  for p in "$$d"/bin/python3.1[2-9] "$$d"/bin/python3; do
    if [ -x "$$p" ] && ok "$$p"; then echo "$$p"; exit 0; fi
  done
done
for p in /usr/local/bin/python3.1[2-9] /opt/homebrew/bin/python3.1[2-9]; do
  if [ -x "$$p" ] && ok "$$p"; then echo "$$p"; exit 0; fi
done
exit 1
endef
export find_python_sh

# Prints a working uv command, installing uv into .tools/ with pip when there is none.
define find_uv_sh
if uv --version >/dev/null 2>&1; then echo uv; exit 0; fi
if [ -x .tools/bin/uv ] && .tools/bin/uv --version >/dev/null 2>&1; then echo .tools/bin/uv; exit 0; fi
echo "uv not found: installing it into .tools/ with $$1 -m pip" >&2
"$$1" -m venv .tools >&2 && .tools/bin/python -m pip install --quiet --upgrade pip uv >&2 \
  && echo .tools/bin/uv
endef
export find_uv_sh

# `make run` keeps its background processes alive: `sh -c "$$supervise_sh" supervise CMD...`
# runs CMD again 2 s after it exits (a crash, a kill -9) and, on TERM, stops CMD and itself.
define supervise_sh
trap 'kill "$$child" 2>/dev/null; wait "$$child"; exit 0' TERM
while :; do
  "$$@" & child=$$!
  wait "$$child"; rc=$$?
  echo "make run: $$* exited ($$rc); starting it again in 2 s" >&2
  sleep 2
done
endef
export supervise_sh

.PHONY: help env run worker test test-fast e2e chromium axe dovecot lint format check ci clean

help:
	@echo "make run        demo on http://$(HOST):$(PORT) (migrate, seed_demo, task worker, web server)"
	@echo "make test       the whole test suite, one worker per CPU (TEST_WORKERS=N to choose, 0: none)"
	@echo "make test-fast  the suite without the browser tests"
	@echo "make e2e        only the browser tests (the persona journeys among them)"
	@echo "make lint       ruff check + ruff format --check"
	@echo "make format     ruff format + ruff check --fix"
	@echo "make check      Django system checks and missing-migration check"
	@echo "make ci         what CI runs (.ci/run: SQLite and PostgreSQL, lint, checks)"

# The virtual environment, exactly as locked (uv.lock).
env:
	@py=$$(sh -c "$$find_python_sh") || { \
	  echo "Python 3.12 or newer is required (tried python3.14, python3.13, python3.12, python3," >&2; \
	  echo "pyenv versions and common install paths). Install it, or point PYTHON=/path/to/python3.12" >&2; \
	  echo "at one, then run make again." >&2; exit 1; }; \
	uv=$$(sh -c "$$find_uv_sh" find_uv "$$py") || { echo "could not install uv with $$py -m pip" >&2; exit 1; }; \
	echo "Python: $$py ($$("$$py" -c 'import platform; print(platform.python_version())'))"; \
	$$uv sync --frozen --python "$$py" --quiet

run: env
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	@case "$${DEBUG:-1}" in 0|false|False|no|off) $(MANAGE) collectstatic --noinput -v0 ;; esac
	@echo "Starting one task worker per queue (urgent, default, bulk), the periodic passes (every minute) and the web server on http://$(HOST):$(PORT)/ (Ctrl-C stops them)"
	@sh -c "$$supervise_sh" supervise $(MANAGE) worker --queue-name urgent --no-reload & urgent=$$!; \
	sh -c "$$supervise_sh" supervise $(MANAGE) worker --queue-name default --no-reload & default=$$!; \
	sh -c "$$supervise_sh" supervise $(MANAGE) worker --queue-name bulk --no-reload & bulk=$$!; \
	sh -c "$$supervise_sh" supervise $(MANAGE) tick --enqueue --every 60 >/dev/null & ticker=$$!; \
	trap 'kill $$urgent $$default $$bulk $$ticker 2>/dev/null; wait $$urgent $$default $$bulk $$ticker 2>/dev/null' EXIT INT TERM; \
	$(MANAGE) runserver $(HOST):$(PORT)

# One worker for every queue, in the foreground (production runs one per queue: deploy/).
worker: env
	$(MANAGE) worker --queue-name '*'

chromium:
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Chromium for the browser tests (apt-get install chromium)"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  [ -x "$(CHROMIUM)" ] || { echo "Chromium was not installed at $(CHROMIUM)" >&2; exit 1; }; \
	else \
	  echo "The browser tests need Chromium at $(CHROMIUM)." >&2; \
	  echo "Install it (Debian/Ubuntu: sudo apt-get install chromium) or run make test" >&2; \
	  echo "with CHROMIUM=/path/to/chromium. The tests never download a browser." >&2; \
	  exit 1; \
	fi

# axe-core, injected by the browser journeys (tests/e2e/journeys) into every page they reach:
# from the npm registry exactly as locked (tests/e2e/package-lock.json, `npm ci`) into
# tests/e2e/node_modules (not committed). Node and npm come from Debian's packages when missing.
AXE_JS := tests/e2e/node_modules/axe-core/axe.min.js

axe: $(AXE_JS)

$(AXE_JS): tests/e2e/package.json tests/e2e/package-lock.json
	@if ! command -v npm >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing npm for axe-core (apt-get install npm)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
	  else \
	    echo "The accessibility checks need npm (Debian/Ubuntu: sudo apt-get install npm)." >&2; \
	    exit 1; \
	  fi; \
	fi
	cd tests/e2e && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

# The IMAP tests (tests/tickets/test_mail_fetch.py) run against a private Dovecot on
# 127.0.0.1:10143 (its own config and mail under /tmp/portal-dovecot-<uid>, never the system's
# instance): installed from Debian's packages when missing, started when not answering.
DOVECOT ?= /usr/sbin/dovecot

dovecot: env
	@if [ ! -x "$(DOVECOT)" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Dovecot for the IMAP tests (apt-get install dovecot-imapd)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null; \
	    [ -x "$(DOVECOT)" ] || { echo "Dovecot was not installed at $(DOVECOT)" >&2; exit 1; }; \
	  else \
	    echo "The IMAP tests need Dovecot at $(DOVECOT)." >&2; \
	    echo "Install it (Debian/Ubuntu: sudo apt-get install dovecot-imapd) and run make test again." >&2; \
	    exit 1; \
	  fi; \
	fi
	$(PY_BIN) -m tests.tickets.imap_server

# Parallel test workers (pytest-xdist): one per CPU; TEST_WORKERS=0 runs in one process.
# worksteal: an idle worker takes tests queued for a busy one (a few tests take a minute).
TEST_WORKERS ?= auto
PYTEST_PARALLEL = $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist worksteal)
# The serial tests (they commit, flushing their database at the end) run whole files per worker,
# each worker on its own database: a file's tests keep the order they were written for.
PYTEST_SERIAL = $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)

test: env chromium axe dovecot
	CHROMIUM=$(CHROMIUM) $(VENV)/bin/pytest -m "not serial" $(PYTEST_PARALLEL)
	CHROMIUM=$(CHROMIUM) $(VENV)/bin/pytest -m serial $(PYTEST_SERIAL)

test-fast: env dovecot
	$(VENV)/bin/pytest -m "not e2e and not serial" $(PYTEST_PARALLEL)
	$(VENV)/bin/pytest -m "serial and not e2e" $(PYTEST_SERIAL)

e2e: env chromium axe
	CHROMIUM=$(CHROMIUM) $(VENV)/bin/pytest -m e2e

lint: env
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: env
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check: env
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run

ci:
	CI=true bash .ci/run

clean:
	rm -rf .tools test-results artifacts var/static tests/e2e/node_modules
