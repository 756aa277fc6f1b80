"""The us_places dataset."""
