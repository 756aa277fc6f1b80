"""headlines: the declaration every stage reads (see pipelines/spec.py)."""

import pyarrow as pa

from spacetime.pipelines.spec import SPLIT, Block, Column, DatasetSpec, Prompt

SPEC = DatasetSpec(
    name="headlines",
    kind="time",
    summary="New York Times headlines of news articles, 2010 to 2020, from the NYT Archive API.",
    columns=(
        Column("entity_id", pa.string(), "the article's URI, nyt://article/<uuid>: unique"),
        Column("name", pa.string(), "the headline as the model reads it: NFC, whitespace collapsed"),
        Column("headline", pa.string(), "the headline as the archive gives it (headline.main)"),
        Column("pub_date", pa.date32(), "publication date in New York"),
        Column("pub_year", pa.int32(), "year of pub_date", "year"),
        Column("pub_month", pa.int32(), "month of pub_date, 1..12", "month"),
        Column("news_desk", pa.string(), 'the news desk as in the archive, e.g. "Foreign"'),
        Column("section", pa.string(), 'section_name, e.g. "World"'),
        Column("print_page", pa.int32(), "the print page the article ran on", "page"),
        Column("print_section", pa.string(), 'the print section, e.g. "A"; null where the archive has none'),
        Column("type_of_material", pa.string(), "News, News Analysis, Obituary (Obit), ..."),
        Column("word_count", pa.int32(), "the article's length as the archive counts it", "words"),
        Column("url", pa.string(), "web_url: the article on nytimes.com"),
        Column(
            "duplicates",
            pa.int32(),
            "later articles with the same headline, dropped in favour of this one",
            "articles",
        ),
        Column("split_group", pa.string(), "the headline, case-folded: what the split is drawn for"),
        SPLIT,
    ),
    targets=("pub_date",),
    ranges={"pub_year": (2010, 2020)},  # both included
    group_column="split_group",
    sources=(
        "The New York Times Archive API (https://developer.nytimes.com/docs/archive-product/1/overview): "
        "headlines and dates are (c) The New York Times Company, provided under the NYT APIs Terms of Use "
        "(https://developer.nytimes.com/terms), which allow non-commercial use with attribution; check them "
        "before any other use",
    ),
    prompts=(
        Prompt("period", strip_period=True, suffix=".", read_suffix=True),
        Prompt("no_period", strip_period=True),
        Prompt("publication_date", prefix="Publication date of: ", strip_period=True),
    ),
    default_prompt="period",
    block=Block("pub_year", years=1),
)
