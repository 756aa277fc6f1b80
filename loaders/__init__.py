"""loaders stage (see README)."""
