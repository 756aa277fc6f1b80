"""The six datasets, in release order; each one's declaration (light) and builder (heavy), imported only when used."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacetime.pipelines.spec import DatasetSpec

DATASETS = ("world_places", "us_places", "nyc_places", "historical_figures", "art_entertainment", "headlines")


def _module(name: str, part: str) -> ModuleType:
    if name not in DATASETS:
        raise KeyError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    return importlib.import_module(f"spacetime.pipelines.datasets.{name}.{part}")


def spec(name: str) -> DatasetSpec:
    """The declaration of one dataset (``pipelines/datasets/<name>/spec.py``): imports no build code."""
    return _module(name, "spec").SPEC


def builder(name: str) -> ModuleType:
    """The module of one dataset's builder: ``build(sources, out_dir)``, run as ``Build(SPEC, sources)``."""
    return _module(name, "build")
