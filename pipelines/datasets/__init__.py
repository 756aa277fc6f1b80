"""One folder per dataset: its builder (build.py)."""
