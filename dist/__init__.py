"""dist stage (see README)."""
