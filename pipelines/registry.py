"""The six datasets, in release order, and where each one's builder lives (imported only when used)."""

from __future__ import annotations

import importlib
from types import ModuleType

DATASETS = ("world_places", "us_places", "nyc_places", "historical_figures", "art_entertainment", "headlines")


def builder(name: str) -> ModuleType:
    """The module of one dataset: it declares ``DATASET``, ``SCHEMA`` and ``build(sources, out_dir)``."""
    if name not in DATASETS:
        raise KeyError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    return importlib.import_module(f"spacetime.pipelines.datasets.{name}.build")
