"""art_entertainment: the declaration every stage reads (see pipelines/spec.py)."""

import pyarrow as pa

from spacetime.pipelines.spec import (
    DBPEDIA,
    DBPEDIA_URI,
    PAGE_VIEWS,
    PAGEVIEWS,
    SPLIT,
    WIKIPEDIA_TITLE,
    Block,
    Column,
    DatasetSpec,
    Prompt,
)

ENTITY = "{name} by {creator}"

SPEC = DatasetSpec(
    name="art_entertainment",
    kind="time",
    summary="Films, books and songs with a creator, released 1950 to 2020 (both included).",
    columns=(
        WIKIPEDIA_TITLE,
        Column("name", pa.string(), 'cleaned title: the text the model reads ("{name} by {creator}")'),
        Column("title", pa.string(), 'raw English label, e.g. "Titanic (1997 film)"'),
        Column("creator", pa.string(), 'all creators\' names, sorted, joined "A", "A and B", "A, B and C"'),
        Column("creators", pa.list_(pa.string()), "the same names as a list"),
        Column("creator_ids", pa.list_(pa.string()), 'their DBpedia IRIs (or "literal:<text>"), in the same order'),
        Column("entity_type", pa.string(), "kind of work"),
        Column("release_date", pa.string(), "earliest release, ISO 8601 at its precision: 1977-05-25, 1955-09 or 1990"),
        Column("release_year", pa.int32(), "year of the earliest release", "year"),
        Column("date_precision", pa.string(), "precision of release_date"),
        PAGE_VIEWS,
        DBPEDIA_URI,
        Column("split_group", pa.string(), "key of the work-creator component the split was drawn for"),
        SPLIT,
    ),
    targets=("release_date",),
    class_labels={"entity_type": ("film", "book", "song"), "date_precision": ("day", "month", "year")},
    ranges={"release_year": (1950, 2020)},  # the paper's range, both ends included
    group_column="split_group",
    sources=(DBPEDIA, PAGEVIEWS),
    prompts=(
        Prompt("empty", entity=ENTITY),
        Prompt("release_date", prefix="When was the release date of ", entity=ENTITY),
    ),
    default_prompt="release_date",
    block=Block("release_year", years=10),  # decades
)
