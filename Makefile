# Two commands on a fresh machine: `make run` (the bridge with a demo panel) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test bench lint screenshots

$(VENV)/.installed: requirements.txt requirements-test.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

run: $(VENV)/.installed
	$(PY) -m kaziwhmcs_site.envfile
	$(PY) -m kaziwhmcs_site.catalogs
	$(PY) manage.py rundemo

# Lane 1: the embedded defaults (SQLite, ORM broker). Lane 2: PostgreSQL + Redis.
test: $(VENV)/.installed
	scripts/system-packages
	$(PY) -m kaziwhmcs_site.catalogs
	env -u DATABASE_URL -u REDIS_URL $(PY) -m pytest $(PYTEST_ARGS)
	PYTHON=$(PY) scripts/test-postgres-redis $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

# Benchmarks print figures and ratios measured side by side (docs/performance.md).
# BENCH_ARGS=--quick runs them at small sizes.
bench: $(VENV)/.installed
	scripts/system-packages
	$(PY) -m benchmarks.run_all $(BENCH_ARGS)

# The README's pictures (docs/images/), taken by the browser tests from the demo data.
screenshots: $(VENV)/.installed
	KAZI_DOCS_SCREENSHOTS=1 $(PY) -m pytest tests/devtools/test_first_impression_browser.py -q
