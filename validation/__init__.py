"""validation stage (see README)."""
