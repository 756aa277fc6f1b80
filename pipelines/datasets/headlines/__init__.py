"""The headlines dataset."""
