"""us_places: the declaration every stage reads (see pipelines/spec.py)."""

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
    name="us_places",
    kind="space",
    summary=(
        "Populated places, counties, colleges and universities, structures and natural places in the contiguous "
        "United States and DC, each with its state."
    ),
    columns=(
        WIKIPEDIA_TITLE,
        Column("name", pa.string(), 'English label without a trailing ", <its state>": the text the model reads'),
        LATITUDE,
        LONGITUDE,
        Column("state", pa.string(), 'one of the 48 contiguous states or "District of Columbia"'),
        Column("state_code", pa.string(), "USPS code of the state, e.g. IL"),
        Column(
            "county",
            pa.string(),
            'the county the place links to, e.g. "Sangamon County"; a county\'s own name; null when unknown or several',
        ),
        Column("place_class", pa.string(), "the place's class, by precedence: college, county, populated place, ..."),
        Column("entity_type", pa.string(), "most specific DBpedia class, e.g. City, AdministrativeRegion, University"),
        Column("population", pa.int64(), "dbo:populationTotal; null where DBpedia has none", "people"),
        PAGE_VIEWS,
        DBPEDIA_URI,
        SPLIT,
    ),
    targets=("latitude", "longitude"),
    class_labels={"place_class": ("populated_place", "county", "college", "structure", "natural_place")},
    # A box around the contiguous US and DC (Key West to the Northwest Angle, Cape Alava to West Quoddy Head).
    ranges={"latitude": (24.4, 49.4), "longitude": (-124.85, -66.9)},
    sources=(DBPEDIA, PAGEVIEWS),
    prompts=(
        Prompt("empty"),
        Prompt("where_us", prefix="Where in the United States is "),
    ),
    default_prompt="where_us",
    block=Block("state"),
    plot_extent=(-125, -66, 24, 50),
    map_projection="albers_usa",
    graticule_degrees=5.0,
)
