"""The world_places dataset."""
