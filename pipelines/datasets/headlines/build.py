"""headlines: New York Times headlines of news articles, 2010 to 2020, from the NYT Archive API.

Target: pub_date (the publication date in New York). One row per article, one article per headline text. The
filters follow the paper's code (feature_datasets/headline.py of the original repository) and are declared once,
as data, in :data:`DESKS` and :data:`RULES`:

- ``document_type`` is ``article`` (the paper: ``type == 'article'``);
- ``type_of_material`` is news, news analysis or an obituary. The paper did not filter on it (its desks already
  leave out opinion); a plain "News" filter would remove the obituaries the desk table keeps, so the default
  allows :data:`MATERIALS`;
- the news desk and section are one of the paper's pairs (Foreign/World, National/U.S., Politics/U.S.,
  Washington/U.S., Obits/any section), with desk spellings normalised ("Foreign Desk" -> Foreign, "Obituary" ->
  Obits; "OpEd" is no such desk);
- the article ran in print on page 1 to 10 (1 to 5 for Foreign), as in the paper. ``front_pages_from_any_desk``
  also keeps page-1 articles of other desks (off by default: the paper did not);
- the headline has no question mark and does not end with a period (the paper's two headline rules: the probes
  read headlines with and without a final period, which a headline ending in "U.S." cannot give);
- an article listed twice counts once, and of articles with the same headline the earliest is kept (the others are
  counted in its ``duplicates`` column and under ``duplicate_headline``).

No pageview filter: articles have no Wikipedia pages. The split is by headline text (case-folded): the unit a model
reads, so two articles with one headline can never sit on both sides, and an article keeps its side across releases
even if the archive later lists an earlier copy of its headline.
"""

from __future__ import annotations

import calendar
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from spacetime.pipelines.builders.steps import TEST_SHARE, Build, named
from spacetime.pipelines.datasets.headlines.spec import SPEC
from spacetime.pipelines.sources import Sources
from spacetime.pipelines.sources.nyt import (
    TERMS_URL,
    ArchiveClient,
    ArchiveMonth,
    month_range,
)

NEW_YORK = ZoneInfo("America/New_York")


@dataclass(frozen=True)
class Desk:
    """A news desk the paper kept: the sections it is kept in (None: any) and the last print page kept."""

    desk: str
    sections: tuple[str, ...] | None
    max_print_page: int


# The paper's (desk, section) pairs and print-page limits.
DESKS: tuple[Desk, ...] = (
    Desk("Foreign", ("World",), 5),
    Desk("National", ("U.S.",), 10),
    Desk("Politics", ("U.S.",), 10),
    Desk("Washington", ("U.S.",), 10),
    Desk("Obits", None, 10),  # obituaries run in the section of their subject: Arts, Sports, World, ...
)

# Spellings of the kept desks in the archive (case-insensitive, after dropping a trailing " Desk").
DESK_ALIASES: dict[str, str] = {
    "foreign": "Foreign",
    "national": "National",
    "politics": "Politics",
    "washington": "Washington",
    "obits": "Obits",
    "obit": "Obits",
    "obituary": "Obits",
    "obituaries": "Obits",
}

DOCUMENT_TYPES = ("article",)
MATERIALS = ("News", "News Analysis", "Obituary (Obit)", "Obituary")


@dataclass(frozen=True)
class HeadlinesConfig:
    first_month: str = f"{SPEC.range_of('pub_year')[0]}-01"
    last_month: str = f"{SPEC.range_of('pub_year')[1]}-12"
    document_types: tuple[str, ...] = DOCUMENT_TYPES
    materials: tuple[str, ...] = MATERIALS
    desks: tuple[Desk, ...] = DESKS
    front_pages_from_any_desk: bool = False
    test_share: float = TEST_SHARE


@dataclass(frozen=True)
class Rule:
    """One filter: rows for which ``drops`` is true are removed and counted under ``name``."""

    name: str
    keeps: str  # in words, for the metadata and the card
    drops: Callable[[pd.DataFrame, HeadlinesConfig], pd.Series] = field(repr=False)


def _front_page_exempt(df: pd.DataFrame, config: HeadlinesConfig) -> pd.Series:
    front_page = (df["page"] == 1).fillna(False).astype(bool)
    return front_page & config.front_pages_from_any_desk


def _desk_of(df: pd.DataFrame, config: HeadlinesConfig) -> pd.Series:
    known = {d.desk: d for d in config.desks}
    return df["desk"].map(lambda d: known.get(d))


def _per_desk(
    column: str, fails: Callable[[Desk | None, Any], bool]
) -> Callable[[pd.DataFrame, HeadlinesConfig], pd.Series]:
    """A rule's drops: rows whose desk and ``column`` value ``fails``, unless the front page exempts them."""

    def drops(df: pd.DataFrame, config: HeadlinesConfig) -> pd.Series:
        failing = [bool(fails(desk, value)) for desk, value in zip(_desk_of(df, config), df[column])]
        return pd.Series(failing, index=df.index, dtype=bool) & ~_front_page_exempt(df, config)

    return drops


RULES: tuple[Rule, ...] = (
    Rule(
        "not_an_article",
        "document_type is one of the configured types (article)",
        lambda df, c: ~df["document_type"].isin(c.document_types),
    ),
    Rule(
        "not_news_material",
        "type_of_material is news, news analysis or an obituary",
        lambda df, c: ~df["type_of_material"].isin(c.materials),
    ),
    Rule(
        "other_desk",
        "news_desk is Foreign, National, Politics, Washington or Obits (spellings normalised)",
        lambda df, c: _desk_of(df, c).isna() & ~_front_page_exempt(df, c),
    ),
    Rule(
        "section_not_kept_for_desk",
        "the section goes with the desk: Foreign/World, National, Politics and Washington/U.S., Obits/any",
        _per_desk("section", lambda d, s: d is not None and d.sections is not None and s not in d.sections),
    ),
    Rule("not_in_print", "the article ran in print (print_page is a page number)", lambda df, c: df["page"].isna()),
    Rule(
        "beyond_print_page_limit",
        "print page 1-5 for Foreign, 1-10 for the other desks",
        _per_desk("page", lambda d, p: pd.notna(p) and (d is None or p > d.max_print_page)),
    ),
    Rule("no_headline", "headline.main is present and not blank", lambda df, c: df["name"].isna()),
    Rule(
        "question_mark_in_headline",
        "the headline has no question mark",
        lambda df, c: df["name"].fillna("").str.contains("?", regex=False),
    ),
    Rule(
        "headline_ends_with_period",
        "the headline does not end with a period (e.g. '... in the U.S.')",
        lambda df, c: df["name"].fillna("").str.endswith("."),
    ),
)


# The rules outside the table (they need more than a row), in the order they run around it.
RECORD_RULES = {
    "no_article_id": "the doc has a uri or an _id",
    "duplicate_article_id": "an article listed more than once (e.g. in two months) counts once",
    "malformed_pub_date": "pub_date is an ISO 8601 date-time",
    "outside_date_range": "the New York publication date lies in the months asked for",
}
DEDUP_RULE = ("duplicate_headline", "of articles with the same headline (case-folded), the earliest is kept")


def rule_list() -> list[dict[str, str]]:
    """Every rule in the order it runs, with what it keeps: for the metadata and the card."""
    pairs = [*RECORD_RULES.items(), *((r.name, r.keeps) for r in RULES), DEDUP_RULE]
    return [{"rule": name, "keeps": keeps} for name, keeps in pairs]


def build(sources: Sources, out_dir: Path, config: HeadlinesConfig = HeadlinesConfig()) -> Path:
    """Fetch the months from the sources' NYT archive client (live, or the bundled sample) and write."""
    months = month_range(config.first_month, config.last_month)
    archive = sources.client("nyt")
    # One month at a time into rows: a live month is thousands of docs, and only the fields read are kept.
    frame = pd.concat([month_frame(month) for month in archive.fetch_months(months)], ignore_index=True)
    provenance = archive.provenance()
    about = terms(archive)
    return _build(sources, out_dir, config, frame, months, provenance, about)


def _build(
    sources: Sources,
    out_dir: Path,
    config: HeadlinesConfig,
    frame: pd.DataFrame,
    months: list[tuple[int, int]],
    provenance: dict[str, Any],
    about: dict[str, Any],
) -> Path:
    run = Build(SPEC, sources)
    run.provenance["nyt_archive"] = provenance
    docs = len(frame)

    def with_an_id(df: pd.DataFrame) -> pd.DataFrame:
        return run.drop(df, df["entity_id"].isna(), "no_article_id")

    def listed_once(df: pd.DataFrame) -> pd.DataFrame:
        return run.drop(df, df["entity_id"].duplicated(keep="first"), "duplicate_article_id")

    def dated(df: pd.DataFrame) -> pd.DataFrame:
        stamps = df["pub_date_raw"].map(parse_pub_date)
        df = df.assign(published=stamps, pub_date=stamps.map(lambda t: t.date() if t is not None else None))
        return run.drop(df, df["published"].isna(), "malformed_pub_date")

    def in_range(df: pd.DataFrame) -> pd.DataFrame:
        (y0, m0), (y1, m1) = months[0], months[-1]
        first, last = date(y0, m0, 1), date(y1, m1, calendar.monthrange(y1, m1)[1])
        return run.drop(df, ~df["pub_date"].map(lambda d: first <= d <= last).astype(bool), "outside_date_range")

    def rule_step(rule: Rule) -> Callable[[pd.DataFrame], pd.DataFrame]:
        return named(rule.name, lambda df: run.drop(df, rule.drops(df, config), rule.name))

    def earliest_per_headline(df: pd.DataFrame) -> pd.DataFrame:
        df = df.sort_values(["published", "entity_id"], kind="stable").reset_index(drop=True)
        key = df["split_group"]
        later = key.duplicated(keep="first")
        df = df.assign(duplicates=key.map(key[later].value_counts()).fillna(0).astype("int32"))
        return run.drop(df, later, DEDUP_RULE[0])

    # Each step is named after the rule it counts, so the metadata's steps and rules line up.
    frame = run.run(
        frame,
        [
            named("no_article_id", with_an_id),
            named("duplicate_article_id", listed_once),
            named("malformed_pub_date", dated),
            named("outside_date_range", in_range),
            *[rule_step(rule) for rule in RULES],
            named(DEDUP_RULE[0], earliest_per_headline),
            run.split(config.test_share),
        ],
    )
    frame = frame.assign(
        pub_year=frame["pub_date"].map(lambda d: d.year).astype("int32"),
        pub_month=frame["pub_date"].map(lambda d: d.month).astype("int32"),
        print_page=frame["page"].astype("Int32"),
    )
    return run.write(
        frame,
        out_dir,
        query_rows=docs,
        parameters=_parameters(config),
        rules=rule_list(),
        pageview_filter=(
            "none: news articles have no Wikipedia pages, so no pageview filter applies "
            "and the pageview window below is not used"
        ),
        split_by="split_group: the headline text, case-folded (one side for all its articles)",
        terms=about,
    )


def _parameters(config: HeadlinesConfig) -> dict[str, Any]:
    params = asdict(config)
    params["desk_aliases"] = DESK_ALIASES
    return params


def terms(client: ArchiveClient) -> dict[str, Any]:
    """The source's terms for the card: the copyright line the service sends, and its terms of use."""
    sample = client.source_label.startswith("bundled-sample:")
    return {
        "source": "The New York Times Archive API" + (" (bundled sample, not NYT text)" if sample else ""),
        "copyright": client.provenance()["copyright"],
        "terms_of_use": TERMS_URL,
        "attribution": "Data provided by The New York Times",
        "note": (
            "Headlines and article metadata are the New York Times Company's, used under the NYT Developer "
            "APIs Terms of Use; read them before redistributing this dataset."
            if not sample
            else "The bundled sample's headlines were written for the sample to describe real, dated events; "
            "they are not New York Times text. See pipelines/sample/README.md."
        ),
    }


# --- docs to rows -------------------------------------------------------------------------------------------------


def month_frame(month: ArchiveMonth) -> pd.DataFrame:
    """One row per doc of the month, in the archive's order, with the fields the rules read."""
    rows = [doc_row(doc, month.label) for doc in month.docs]
    columns = [
        "entity_id",
        "headline",
        "name",
        "pub_date_raw",
        "document_type",
        "type_of_material",
        "news_desk",
        "desk",
        "section",
        "page",
        "print_section",
        "word_count",
        "url",
        "archive_month",
    ]
    df = pd.DataFrame.from_records(rows, columns=columns)
    df["page"] = df["page"].astype("Int64")
    df["word_count"] = df["word_count"].astype("Int64")
    df["split_group"] = df["name"].map(lambda n: headline_key(n) if isinstance(n, str) else None)
    return df


def doc_row(doc: dict[str, Any], archive_month: str) -> dict[str, Any]:
    headline = doc.get("headline")
    raw = headline.get("main") if isinstance(headline, dict) else None
    raw = raw if isinstance(raw, str) else None
    desk = _text(doc.get("news_desk"))
    return {
        "entity_id": _text(doc.get("uri")) or _text(doc.get("_id")),
        "headline": raw,
        "name": clean_headline(raw),
        "pub_date_raw": doc.get("pub_date"),
        "document_type": _text(doc.get("document_type")),
        "type_of_material": _text(doc.get("type_of_material")),
        "news_desk": desk,
        "desk": canonical_desk(desk),
        "section": _text(doc.get("section_name")),
        "page": print_page(doc.get("print_page")),
        "print_section": _text(doc.get("print_section")),
        "word_count": doc.get("word_count") if isinstance(doc.get("word_count"), int) else None,
        "url": _text(doc.get("web_url")),
        "archive_month": archive_month,
    }


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def clean_headline(raw: str | None) -> str | None:
    """NFC, whitespace runs collapsed to one space, trimmed; None when nothing is left."""
    if raw is None:
        return None
    text = " ".join(unicodedata.normalize("NFC", raw).split())
    return text or None


def headline_key(name: str) -> str:
    """Identity of a headline for dedup and the split: its cleaned text, case-folded."""
    return name.casefold()


def canonical_desk(desk: str | None) -> str | None:
    """The desk table's name for an archive spelling ("Foreign Desk" -> Foreign), or the spelling itself."""
    if desk is None:
        return None
    folded = " ".join(desk.split()).casefold().removesuffix(" desk")
    return DESK_ALIASES.get(folded, desk)


def print_page(value: Any) -> int | None:
    """A print page number from the archive's string ("1", "14"); None for web-only or unparseable values."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value > 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        page = int(value.strip())
        return page if page > 0 else None
    return None


def parse_pub_date(value: Any) -> datetime | None:
    """The instant of an archive ``pub_date`` in New York time, or None when it is not an ISO 8601 date-time.

    "2015-03-01T05:00:00+0000" is midnight in New York, 2015-03-01. A value without an offset is read as New York
    local time, and a bare date as that day.
    """
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=NEW_YORK)
    return moment.astimezone(NEW_YORK)
