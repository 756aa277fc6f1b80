"""nyc_places: the declaration every stage reads (see pipelines/spec.py)."""

import pyarrow as pa

from spacetime.pipelines.spec import LATITUDE, LONGITUDE, SPLIT, Block, Column, DatasetSpec, Prompt

SPEC = DatasetSpec(
    name="nyc_places",
    kind="space",
    summary="Points of interest in New York City's five boroughs, from NYC Open Data.",
    columns=(
        Column("entity_id", pa.string(), "the source's PLACEID: unique"),
        Column("name", pa.string(), 'readable name the model reads ("St. John\'s University")'),
        Column("source_name", pa.string(), 'the name as the source writes it ("ST. JOHN\'S UNIVERSITY")'),
        LATITUDE,
        LONGITUDE,
        Column("borough", pa.string(), "the borough, from the source's BOROUGH code"),
        Column("borough_code", pa.int8(), "BOROUGH, 1..5 (Manhattan, Bronx, Brooklyn, Queens, Staten Island)"),
        Column("facility_type", pa.string(), "name of FACILITY_T; null for a code the data dictionary lacks"),
        Column("facility_type_code", pa.int16(), "FACILITY_T, the facility type code"),
        Column("facility_domain_code", pa.int16(), "FACI_DOM: a sub-type whose meaning depends on FACILITY_T"),
        Column("complex_id", pa.int64(), "COMPLEXID; null where the place is in no complex (source: 0)"),
        Column("split_group", pa.string(), '"complex:<id>", or "place:<placeid>" outside any complex: the split group'),
        Column("agency", pa.string(), "SOURCE: the agency that supplied the record"),
        Column("saftype", pa.string(), "SAFTYPE, the source's address-type code, as written"),
        Column("sos", pa.string(), "SOS, side of street, as written"),
        Column("bin", pa.string(), "BIN, building identification number, as written"),
        Column("segment_id", pa.string(), "SEGMENTID, the street segment in LION, as written"),
        Column("b7sc", pa.string(), "B7SC, borough and seven-digit street code, as written"),
        Column("pri_add", pa.string(), "PRI_ADD, the source's primary-address id, as written"),
        Column("created", pa.date32(), "date the source record was created"),
        Column("modified", pa.date32(), "date the source record was last modified"),
        SPLIT,
    ),
    targets=("latitude", "longitude"),
    # Ordered by the source's borough code, 1..5.
    class_labels={"borough": ("Manhattan", "Bronx", "Brooklyn", "Queens", "Staten Island")},
    # The five boroughs' extent (NYC's city limits, degrees WGS84).
    ranges={"latitude": (40.4774, 40.9176), "longitude": (-74.2591, -73.7004)},
    group_column="split_group",
    sources=(
        "NYC Open Data, Points of Interest (dataset rxuy-2muj), NYC Open Data Terms of Use "
        "(https://opendata.cityofnewyork.us/overview/#termsofuse)",
    ),
    prompts=(
        Prompt("empty"),
        Prompt("where_nyc", prefix="Where in New York City is "),
    ),
    default_prompt="where_nyc",
    block=Block("borough"),
)
