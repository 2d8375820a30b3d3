# Two commands for a fresh machine: `make demo` runs the pipeline on generated sample data,
# `make test` runs ruff, mypy and the whole test suite. Both create .venv and register the Jupyter kernel if needed.
VENV    := .venv
PYTHON  := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-stamp
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: setup browser demo test bench bench-history bench-experiments bench-model compare clean pages push

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[dev]'
	$(PYTHON) -m ipykernel install --sys-prefix --name es-pipeline --display-name "Python (es-pipeline)"
	$(PYTHON) -m es_pipeline.ops.warmkernel install es-pipeline
	$(VENV)/bin/es-pipeline plots-template
	touch $(STAMP)

demo: setup
	es-pipeline demo

# the page and chart tests drive Debian's chromium (headless, offline); install it when missing
browser:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || \
	  { echo "installing Debian's chromium for the browser tests"; \
	    $(if $(filter 0,$(shell id -u)),,sudo) apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y -qq chromium >/dev/null; }

# lint and type checks first (configured in pyproject.toml): either failing fails the target
test: setup browser
	ruff check src tests bench
	mypy
	pytest -n 2 --dist loadgroup

# verify every cached object and workspace output against the lock files, then dvc push (nothing corrupt is shared)
push: setup
	es-pipeline push

# every page (reports/**/*.html and the executed notebooks) from the DVC remote, without the data
pages: setup
	dvc ls -R --dvc-only . reports | sed 's|^|reports/|' | xargs dvc pull

# experiments side by side, narrow enough for a 200-column terminal: the parameters that differ, the
# overall win rate and the baseline model's scores (always), rows/sessions/filled share and the number
# of scored modes when they differ; no hashes, no per-mode win rates (dvc metrics diff shows them)
COMPARE := dvc exp show --no-pager --only-changed --keep '^(win\.all|model\.(auc|logloss|win|top_win|ticks|top_ticks))' --drop 'Created|State|Executor|sanity|months\.|win\.(?!all)|.*/'
compare: setup
	$(COMPARE)

bench: setup
	$(PYTHON) bench/run_bench.py

# the synthetic history through the pipeline (not in CI):
# make bench-history [START=2010-07] [END=2025-12] [DAYS=N] [JOBS=2] [RAW=DIR: keep/reuse generated months]
bench-history: setup
	$(PYTHON) bench/history.py $(if $(START),--start $(START)) $(if $(END),--end $(END)) \
	  $(if $(DAYS),--days $(DAYS)) $(if $(JOBS),--jobs $(JOBS)) $(if $(RAW),--raw-dir $(RAW)) $(ARGS)

# a label experiment over the faked history beside plain dvc exp run (not in CI; see bench/experiments.py):
# make bench-experiments [START=2010-07] [END=2025-12] [JOBS=2]
bench-experiments: setup
	$(PYTHON) bench/experiments.py $(if $(START),--start $(START)) $(if $(END),--end $(END)) $(if $(JOBS),--jobs $(JOBS)) $(ARGS)

# the model stage over a faked 185-month history (not in CI; see bench/model.py):
# make bench-model [START=2010-07] [END=2025-11] [PARTITION=a dataset part file to reuse]
bench-model: setup
	$(PYTHON) bench/model.py $(if $(START),--start $(START)) $(if $(END),--end $(END)) \
	  $(if $(PARTITION),--partition $(PARTITION)) $(ARGS)

# remove the demo's results and local storage (git-ignored files only; tracked metrics stay)
clean:
	git clean -fdXq data reports
	rm -rf storage .dvc/cache .dvc/tmp
