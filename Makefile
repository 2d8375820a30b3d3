# Two commands for a fresh machine: `make demo` runs the pipeline on generated sample data,
# `make test` runs the whole test suite. Both create .venv and register the Jupyter kernel if needed.
VENV    := .venv
PYTHON  := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-stamp
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: setup demo test bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[dev]'
	$(PYTHON) -m ipykernel install --sys-prefix --name es-pipeline --display-name "Python (es-pipeline)"
	touch $(STAMP)

demo: setup
	es-pipeline demo

test: setup
	pytest -n 2 --dist loadgroup

bench: setup
	$(PYTHON) bench/run_bench.py

# remove the demo's results and local storage (git-ignored files only; tracked metrics stay)
clean:
	git clean -fdXq data reports
	rm -rf storage .dvc/cache .dvc/tmp
