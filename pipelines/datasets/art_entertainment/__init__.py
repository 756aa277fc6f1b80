"""The art_entertainment dataset."""
