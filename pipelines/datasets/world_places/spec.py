"""world_places: the declaration every stage reads (see pipelines/spec.py)."""

import pyarrow as pa

from spacetime.pipelines.spec import (
    DBPEDIA,
    DBPEDIA_URI,
    LATITUDE,
    LONGITUDE,
    PAGE_VIEWS,
    PAGEVIEWS,
    SPLIT,
    WIKIPEDIA_TITLE,
    Block,
    Column,
    DatasetSpec,
    Prompt,
)

SPEC = DatasetSpec(
    name="world_places",
    kind="space",
    summary="Populated places, natural places and architectural structures with coordinates and a country.",
    columns=(
        WIKIPEDIA_TITLE,
        Column("name", pa.string(), "English label: the text the model reads"),
        LATITUDE,
        LONGITUDE,
        Column("country", pa.string(), "English label of the place's dbo:country"),
        Column("place_class", pa.string(), "the root class the place falls under"),
        Column("entity_type", pa.string(), "most specific DBpedia class, e.g. City, Mountain, Bridge"),
        Column("population", pa.int64(), "dbo:populationTotal; null where DBpedia has none", "people"),
        PAGE_VIEWS,
        DBPEDIA_URI,
        SPLIT,
    ),
    targets=("latitude", "longitude"),
    class_labels={"place_class": ("populated_place", "natural_place", "architectural_structure")},
    ranges={"latitude": (-90, 90), "longitude": (-180, 180)},
    sources=(DBPEDIA, PAGEVIEWS),
    prompts=(
        Prompt("empty"),
        Prompt("coords", prefix="What are the lat/lon coordinates of "),
        Prompt("random", random_prefix=True),
        Prompt("all_caps", upper=True),
    ),
    default_prompt="empty",
    block=Block("country"),
    plot_extent=(-180, 180, -90, 90),
    map_projection="equal_earth",
    graticule_degrees=30.0,
)
