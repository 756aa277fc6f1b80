"""Benchmarks of the package's hot paths (run by `spacetime bench`); each returns a dict of figures."""
