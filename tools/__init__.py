"""Development tools, not installed with the package: the sample generator, the benchmarks, the Virtuoso harness.

Run them from the repository root (``python -m tools.bench``); the tests import them from there too.
"""
