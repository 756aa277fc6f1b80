"""probing stage (see README)."""
