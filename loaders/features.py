"""Typed ``datasets.Features`` per config, derived from each builder's Arrow schema, with class labels declared here.

The builder's schema is the one declaration of a dataset's columns and types; this module adds what only the release
needs: which columns are categorical (and their label names, in a fixed order so the integer codes never move) and
which columns are the probing targets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa
from spacetime.pipelines.registry import DATASETS, builder

if TYPE_CHECKING:
    import datasets

# Columns released as ClassLabel: appending a name is safe, reordering or removing one changes the codes.
CLASS_LABELS: dict[str, dict[str, list[str]]] = {
    "world_places": {"place_class": ["populated_place", "natural_place", "architectural_structure"]},
    "us_places": {"place_class": ["populated_place", "county", "college", "structure", "natural_place"]},
    "nyc_places": {"borough": ["Manhattan", "Bronx", "Brooklyn", "Queens", "Staten Island"]},
    "historical_figures": {},
    "art_entertainment": {"entity_type": ["film", "book", "song"], "date_precision": ["day", "month", "year"]},
    "headlines": {},
}

# What a probe predicts, per config. Dates are read as decimal years by the loader.
TARGETS: dict[str, list[str]] = {
    "world_places": ["latitude", "longitude"],
    "us_places": ["latitude", "longitude"],
    "nyc_places": ["latitude", "longitude"],
    "historical_figures": ["death_year"],
    "art_entertainment": ["release_date"],
    "headlines": ["pub_date"],
}

# Not released as a column: the split is the file a row is in.
BUILD_ONLY_COLUMNS = ("split",)


def release_schema(config: str) -> pa.Schema:
    """The builder's schema without the build-only columns."""
    schema = builder(config).SCHEMA
    return pa.schema([f for f in schema if f.name not in BUILD_ONLY_COLUMNS])


def features(config: str) -> datasets.Features:
    """The typed features of one config, as written to the Hub and read back by ``load_dataset``."""
    import datasets

    feats = datasets.Features.from_arrow_schema(release_schema(config))
    for column, names in CLASS_LABELS[config].items():
        feats[column] = datasets.ClassLabel(names=names)
    return feats


def column_docs(config: str) -> dict[str, str]:
    """Each column's description, from the ``description`` metadata of the builder's schema fields."""
    return {f.name: (f.metadata or {}).get(b"description", b"").decode("utf-8") for f in release_schema(config)}


def all_features() -> dict[str, datasets.Features]:
    return {config: features(config) for config in DATASETS}
