"""historical_figures: the declaration every stage reads (see pipelines/spec.py)."""

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

SPEC = DatasetSpec(
    name="historical_figures",
    kind="time",
    summary="People with a death date or death year, died 1000 BCE .. 2000 CE, chosen by pageviews.",
    columns=(
        WIKIPEDIA_TITLE,
        Column("name", pa.string(), "English label: the text the model reads"),
        Column("death_year", pa.int32(), "year of death, historical numbering: 44 BCE is -44, no year 0", "year"),
        Column("death_decade", pa.int32(), "floor(death_year / 10) * 10", "year"),
        Column(
            "death_date",
            pa.string(),
            "date of death, ISO 8601 with astronomical years (-0043-03-15); null where only a year is known",
        ),
        Column(
            "birth_year", pa.int32(), "year of birth, historical numbering; null where unknown or conflicting", "year"
        ),
        Column("occupation", pa.string(), "English label of dbo:occupation (first by name); null where none"),
        Column("entity_type", pa.string(), "most specific DBpedia class at or under dbo:Person, e.g. Scientist"),
        PAGE_VIEWS,
        DBPEDIA_URI,
        SPLIT,
    ),
    targets=("death_year",),
    ranges={"death_year": (-1000, 2000)},  # died 1000 BCE .. 2000 CE, both included
    sources=(DBPEDIA, PAGEVIEWS),
    prompts=(
        Prompt("empty"),
        Prompt("when_did", prefix="When did "),
    ),
    default_prompt="when_did",
    block=Block("death_year", years=100),  # centuries: 1800s, -100s
)
