"""The declaration of one dataset: its columns, targets, labels, ranges, sources, prompts and plotting facts.

Each dataset declares one :class:`DatasetSpec` next to its builder (``pipelines/datasets/<name>/spec.py``), and every
stage reads it: the builder (schema, targets, ranges), the loaders (features, class labels), the validation (ranges,
group column), the card (descriptions, units, sources and terms) and the probing (prompts, block column, map extent).
This module and the spec modules import nothing heavier than pyarrow, so reading a spec never loads build code.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import pyarrow as pa

# Not released as a column: the split is the file a row is in.
BUILD_ONLY_COLUMNS = ("split",)
# The splits of every dataset, in release order: a release has one file per split.
SPLITS = ("train", "test")
# The share of each dataset's split groups that go to test (by hash of the group key; see the builders' split step).
TEST_SHARE = 0.2


@dataclass(frozen=True)
class Column:
    """One column: its Arrow type, what it holds, and its unit where one applies (degrees, views, year, ...)."""

    name: str
    type: pa.DataType
    description: str
    unit: str | None = None

    def field(self) -> pa.Field:
        """The Arrow field, with ``description`` (and ``unit``) as field metadata."""
        metadata = {"description": self.description}
        if self.unit:
            metadata["unit"] = self.unit
        return pa.field(self.name, self.type, metadata=metadata)


@dataclass(frozen=True)
class Prompt:
    """One prompt of one dataset. ``entity`` is a format string over the row's columns."""

    name: str
    prefix: str = ""
    entity: str = "{name}"
    upper: bool = False  # upper-case the entity (the world_places "all_caps" control)
    strip_period: bool = False  # drop a final period from the entity (headlines: with/without their period)
    suffix: str = ""  # text after the entity; the read span is the suffix when read_suffix is set
    read_suffix: bool = False
    random_prefix: bool = False  # prefix = RANDOM_TOKENS random vocabulary tokens, decoded (fixed per seed)

    @property
    def columns(self) -> tuple[str, ...]:
        """The dataset columns the entity text is made of, in order (besides ``entity_id``)."""
        return tuple(field for _, field, _, _ in string.Formatter().parse(self.entity) if field)

    def template(self, random_text: str | None = None) -> str:
        """The prompt as a readable template (for manifests), e.g. ``'When did {name}'``."""
        prefix = f"{random_text} " if self.random_prefix else self.prefix
        entity = self.entity.upper() if self.upper else self.entity
        return f"{prefix}{entity}{self.suffix}"


@dataclass(frozen=True)
class Block:
    """The column whose values form the blocks of the robustness block holdout.

    ``years`` bins a year column: 100 gives centuries ("1800s", "-100s"), 10 decades ("1950s"), 1 the year itself
    ("2015"); None takes the value as it is (a country, a state, a borough).
    """

    column: str
    years: int | None = None

    def label(self, value: Any) -> str:
        if self.years is None:
            return str(value)
        if self.years == 1:
            return str(int(value))
        return f"{(int(value) // self.years) * self.years}s"


@dataclass(frozen=True)
class DatasetSpec:
    """Everything about one dataset that more than one stage needs, declared once."""

    name: str
    kind: Literal["space", "time"]  # what a probe reads: a place (latitude, longitude) or a moment (a year)
    summary: str  # one paragraph for the card
    columns: tuple[Column, ...]
    targets: tuple[str, ...]  # what a probe predicts; dates are read as decimal years by the loader
    sources: tuple[str, ...]  # where the facts come from and under which terms, one line per source (the card)
    prompts: tuple[Prompt, ...]
    default_prompt: str
    block: Block
    # Columns released as ClassLabel: appending a name is safe, reordering or removing one changes the codes.
    class_labels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Inclusive (low, high) per column: the builder's rule and the release validation's check.
    ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    group_column: str = "entity_id"  # rows sharing it sit on one side of the split
    required: tuple[str, ...] = ("entity_id", "name")  # never null in a release
    plot_extent: tuple[float, float, float, float] | None = None  # map axes (lon_min, lon_max, lat_min, lat_max)
    map_projection: str | None = None  # the projected basemap of the plots ("equal_earth", "albers_usa"); None: none
    graticule_degrees: float | None = None  # spacing of the map plots' graticule lines; None: no map

    def __post_init__(self) -> None:
        object.__setattr__(self, "class_labels", MappingProxyType({k: tuple(v) for k, v in self.class_labels.items()}))
        object.__setattr__(self, "ranges", MappingProxyType(dict(self.ranges)))

    @property
    def schema(self) -> pa.Schema:
        """The builder's Arrow schema (the split column included), descriptions and units as field metadata."""
        return pa.schema([c.field() for c in self.columns])

    @property
    def release_schema(self) -> pa.Schema:
        """The schema of a released split: the build-only columns left out."""
        return pa.schema([c.field() for c in self.columns if c.name not in BUILD_ONLY_COLUMNS])

    @property
    def text_columns(self) -> tuple[str, ...]:
        """The columns any of the prompts reads, in order of first use."""
        return tuple(dict.fromkeys(c for p in self.prompts for c in p.columns))

    @property
    def prompt_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.prompts)

    def prompt(self, name: str | None = None) -> Prompt:
        """The named prompt (the default when ``name`` is None), with a clear error otherwise."""
        name = name or self.default_prompt
        for prompt in self.prompts:
            if prompt.name == name:
                return prompt
        raise ValueError(f"dataset {self.name!r} has no prompt {name!r}; known: {', '.join(self.prompt_names)}")

    def range_of(self, column: str) -> tuple[float, float]:
        """The declared (low, high) of ``column``; a KeyError naming the dataset when there is none."""
        try:
            return self.ranges[column]
        except KeyError:
            raise KeyError(f"{self.name}: no range declared for column {column!r}") from None


# Source lines shared by several datasets.
DBPEDIA = "DBpedia (https://www.dbpedia.org), CC BY-SA 3.0 and GNU FDL, derived from Wikipedia"
PAGEVIEWS = "Wikimedia pageviews (https://dumps.wikimedia.org/other/pageview_complete/), CC0"

# Column declarations shared by the DBpedia datasets.
WIKIPEDIA_TITLE = Column("entity_id", pa.string(), "English Wikipedia title, underscores for spaces: unique")
PAGE_VIEWS = Column(
    "page_views",
    pa.int64(),
    "English Wikipedia pageviews of the entity's page, summed over the pageview window",
    "views",
)
DBPEDIA_URI = Column("dbpedia_uri", pa.string(), "the DBpedia resource IRI of the entity")
SPLIT = Column("split", pa.string(), "train or test (build output only: a release has one file per split)")
LATITUDE = Column("latitude", pa.float64(), "latitude, WGS84", "degrees")
LONGITUDE = Column("longitude", pa.float64(), "longitude, WGS84", "degrees")
