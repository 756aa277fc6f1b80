"""The historical_figures dataset."""
