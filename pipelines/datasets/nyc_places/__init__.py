"""The nyc_places dataset."""
