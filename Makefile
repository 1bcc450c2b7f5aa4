# dendrites: `make figures` regenerates every figure, `make test` runs the tests (all tiers, as
# CI does; `make test-pure` only those needing no C++ compiler, `make test-fast` all but the slow).
# Each first creates .venv (Python >= 3.12) and installs the package in it if needed.

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: all venv test test-pure test-fast figures lint clean
all: test

venv: $(STAMP)

# The first interpreter >= 3.12 that actually runs. python3.1x may be pyenv shims that only work
# when that version is selected, so each candidate is also tried with PYENV_VERSION set to each
# installed 3.12/3.13; pyenv's installs are also tried by path (even when pyenv is not on PATH).
# The venv is made with the real executable, not the shim.
$(PY):
	@pyenv_root=$$(pyenv root 2>/dev/null || echo "$${PYENV_ROOT:-$$HOME/.pyenv}"); \
	pyenv_versions=$$(pyenv versions --bare 2>/dev/null | grep -E '^3\.1[23]' | sort -rV || true); \
	exe=; \
	pyenv_pythons=$$(ls -d "$$pyenv_root"/versions/3.1[23]*/bin/python3 2>/dev/null | sort -rV); \
	for cand in python3.13 python3.12 $$pyenv_pythons python3; do \
	  for pv in "" $$pyenv_versions; do \
	    exe=$$(PYENV_VERSION=$$pv $$cand -c 'import sys; print(sys.executable); sys.exit(sys.version_info < (3, 12))' 2>/dev/null) && break 2; \
	    exe=; \
	  done; \
	done; \
	if [ -z "$$exe" ]; then \
	  echo "error: no Python >= 3.12 found (tried python3.13, python3.12, pyenv versions, python3)." >&2; \
	  echo "Install Python 3.12 or newer and run make again." >&2; exit 1; \
	fi; \
	echo "Creating $(VENV) with $$exe"; \
	"$$exe" -m venv $(VENV)

# Reinstall only when pyproject.toml changed (the venv's own timestamp does not matter: "|").
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -e '.[dev]'
	touch $@

# On every core (pytest-xdist): each test file stays in one worker, so module fixtures run once,
# except tests/test_studies.py, whose quick study runs are shared out one by one (tests/conftest.py).
test: $(STAMP)
	$(PY) -m pytest -n auto --dist loadgroup

test-pure: $(STAMP)
	$(PY) -m pytest -m "not standalone and not slow"

test-fast: $(STAMP)
	$(PY) -m pytest -m "not slow"

figures: $(STAMP)
	$(VENV)/bin/dendrites figures

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Removes caches and build artefacts, including the C++ builds the tests keep in
# .pytest_cache/dendrites-builds; keeps .venv (delete it by hand to start afresh).
clean:
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache .hypothesis
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
