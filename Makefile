# The two commands of the README: `make run` (the whole system with a demo loaded, on embedded SQLite, until Ctrl+C)
# and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: install run test test-unit lint bench

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/conveyor up --demo

lint: install
	$(BIN)/ruff check src tests bench tools
	$(BIN)/mypy
	$(BIN)/lint-imports

# Two passes: everything that can share the machine on one worker per core, a module per worker (module fixtures
# such as the import tests' store are built once, and those tests run in file order; each worker has its own databases,
# vhosts and temp dirs), then the `serial` tests alone (they restart servers or measure rates).
WORKERS ?= auto
test: lint
	$(BIN)/pytest -n $(WORKERS) --dist loadscope -m "not serial"
	$(BIN)/pytest -m serial

# The fast tier alone: no service, no database server (the memory transport, parsers, routing, definitions).
test-unit: install
	$(BIN)/pytest tests/unit

bench: install
	$(BIN)/python bench/queue_throughput.py
