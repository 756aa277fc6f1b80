"""Benchmarks: speed and memory as ratios against a same-process baseline (``python -m tools.bench``, `make bench`)."""
