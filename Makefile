# hazchain: set-up and everyday commands.
#
#   make demo    set up .venv, run the flagship scenario, draw its report
#   make test    set up .venv, run the whole test suite (what CI runs)
#   make lint    ruff on the code
#   make bench   run the benchmarks, results in benchmarks/results/
#
# Set-up finds a Python >= 3.12 by trying python3.13, python3.12, python3 and
# then pyenv's installed versions, creates .venv with it and installs the
# project with its development and Dask extras. It reruns by itself when
# pyproject.toml changes.

VENV     ?= .venv
PY       := $(VENV)/bin/python
STAMP    := $(VENV)/.installed
FLAGSHIP := scenarios/valley_earthquake_chain.toml
RESULTS  := results/valley_earthquake_chain

.PHONY: setup demo test lint bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@set -e; \
	ok='import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; \
	found=""; \
	for c in python3.13 python3.12 python3; do \
	  if command -v $$c >/dev/null 2>&1 && $$c -c "$$ok" >/dev/null 2>&1; then found=$$(command -v $$c); break; fi; \
	done; \
	if [ -z "$$found" ] && command -v pyenv >/dev/null 2>&1; then \
	  root=$$(pyenv root); \
	  for v in $$(pyenv versions --bare 2>/dev/null | sort -rV); do \
	    cand="$$root/versions/$$v/bin/python3"; \
	    if [ -x "$$cand" ] && "$$cand" -c "$$ok" >/dev/null 2>&1; then found=$$cand; break; fi; \
	  done; \
	fi; \
	if [ -z "$$found" ]; then \
	  echo "hazchain needs Python 3.12 or newer (Mesa 3.5 requires it) and none was found."; \
	  echo "Install one, e.g. 'apt-get install python3.12 python3.12-venv' or 'pyenv install 3.12', then run make again."; \
	  exit 1; \
	fi; \
	echo "Using $$found ($$($$found --version 2>&1))"; \
	if [ ! -x "$(PY)" ] || ! "$(PY)" -c "$$ok" >/dev/null 2>&1; then rm -rf "$(VENV)"; "$$found" -m venv "$(VENV)"; fi; \
	"$(PY)" -m pip install --quiet --disable-pip-version-check -e ".[dev,dask]"; \
	touch "$(STAMP)"

demo: setup
	$(VENV)/bin/hazchain run $(FLAGSHIP) --out $(RESULTS).h5
	$(VENV)/bin/hazchain report $(RESULTS).h5 --out $(RESULTS)_report
	@echo
	@echo "Results file: $(RESULTS).h5"
	@echo "Figures and summary: $(RESULTS)_report/ (start with summary.md)"

test: setup
	$(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check engine models tests benchmarks

bench: setup
	mkdir -p benchmarks/results
	$(PY) -m pytest benchmarks --benchmark-only --benchmark-json=benchmarks/results/latest.json

clean:
	rm -rf $(VENV) results .pytest_cache .ruff_cache *.egg-info
