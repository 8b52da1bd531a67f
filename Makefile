# The whole set-up on a fresh machine is `make demo` or `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint format bench previews clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the package metadata changes.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) examples/demo.py

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# Two runs: XLA's backend optimisations off (JAX_DISABLE_MOST_OPTIMIZATIONS: the same programs,
# LLVM at -O0; 1,411 -> 997 s on 2 cores), then the `optimized` tests (bit-identity between separately
# compiled programs) as users compile them. Plain `pytest` runs everything fully optimised.
test: lint
	KERAS_BACKEND=jax JAX_DISABLE_MOST_OPTIMIZATIONS=1 $(PY) -m pytest -q -n auto -m "not optimized"
	KERAS_BACKEND=jax $(PY) -m pytest -q -n auto -m optimized

bench: $(STAMP)
	$(PY) -m pip install --quiet -e ".[bench]"
	$(PY) -m benchmarks

previews: $(STAMP)
	cd examples && ../$(PY) make_previews.py --out ../docs/previews

clean:
	rm -rf $(VENV) examples/out .pytest_cache
