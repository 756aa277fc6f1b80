"""The generator of the bundled sample (pipelines/sample/data): ``python -m tools.sample`` from the repository root."""
