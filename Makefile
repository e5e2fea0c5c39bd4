# Two entry points for a newcomer: `make demo` and `make test`. Both create or
# reuse the virtual environment in .venv first.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PORT ?= 8501

.PHONY: demo test coverage lint setup bench clean

$(STAMP): pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=25.1"
	$(PY) -m pip install --quiet -c constraints.txt -e ".[postgres]" --group dev
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/smsdash-collector demo --dashboard-port $(PORT)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: lint
	$(VENV)/bin/pytest

# The same run, measured: a per-module table, processes the tests start included.
coverage: lint
	$(VENV)/bin/pytest --cov --cov-report=term --cov-report=html:test-artifacts/coverage

bench: $(STAMP)
	$(PY) -m bench.ingest
	$(PY) -m bench.dashboard
	$(PY) -m bench.poll

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage .coverage.*
