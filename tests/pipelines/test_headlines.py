"""The headlines builder: each rule on a small readable fixture served over HTTP, and the bundled sample end to end."""

from __future__ import annotations

import gzip
import json
import os
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from spacetime.pipelines.builders.steps import split_of
from spacetime.pipelines.datasets.headlines import build as headlines
from spacetime.pipelines.datasets.headlines.build import HeadlinesConfig, canonical_desk, parse_pub_date, print_page
from spacetime.pipelines.sample import SAMPLE_DIR, manifest
from spacetime.pipelines.sources import Sources, nyt
from spacetime.pipelines.sources.errors import SourceError
from spacetime.pipelines.sources.nyt import ArchiveClient
from spacetime.pipelines.sources.pageviews import DEFAULT_WINDOW
from tests.conftest import build_from_sample
from tests.faults import RecordingArchiveServer
from tools.sample.common import gzip_json

pytestmark = pytest.mark.server  # this module's tests run against local servers

KEY = "fixture-key-7f3a9c"
MIDNIGHT = "T05:00:00+0000"  # midnight in New York in winter
CONFIG = HeadlinesConfig(first_month="2015-01", last_month="2015-02")

# (id, pub_date, desk, section, print page, headline, overrides); the comment says what the builder must do.
FIXTURE = [
    ("a01", "2015-01-05", "Foreign", "World", "5", "Foreign Story on Page Five", {}),  # kept
    ("a02", "2015-01-06", "Foreign", "World", "6", "Foreign Story on Page Six", {}),  # beyond page
    ("a03", "2015-01-07", "National", "U.S.", "10", "National Story on Page Ten", {}),  # kept
    ("a04", "2015-01-08", "National", "U.S.", "11", "National Story on Page Eleven", {}),  # beyond page
    (
        "a05",
        "2015-01-09",
        "Obits",
        "Arts",
        "3",
        "A Painter Dies at 90",  # kept: any section
        {"type_of_material": "Obituary (Obit)"},
    ),
    ("a06", "2015-01-10", "Foreign Desk", "World", "2", "Old Spelling of the Foreign Desk", {}),  # kept
    ("a07", "2015-01-11", "OpEd", "Opinion", "21", "An Opinion Labelled as News", {}),  # other desk
    ("a08", "2015-01-12", "Sports", "Sports", "1", "A Team Wins on the Front Page", {}),  # other desk
    ("a09", "2015-01-13", "National", "Business Day", "2", "National Desk in Business Day", {}),  # section
    ("a10", "2015-01-14", "Washington", "U.S.", None, "A Web-Only Washington Story", {}),  # not in print
    ("a11", "2015-01-15", "Politics", "U.S.", "A1", "A Page That Is Not a Number", {}),  # not in print
    (
        "a12",
        "2015-01-16",
        "Foreign",
        "World",
        "1",
        "Video: A Foreign Story",  # not an article
        {"document_type": "multimedia", "type_of_material": "Video"},
    ),
    (
        "a13",
        "2015-01-17",
        "Foreign",
        "World",
        "3",
        "An Op-Ed on the Foreign Desk",  # not news
        {"type_of_material": "Op-Ed"},
    ),
    ("a14", "2015-01-18", "Foreign", "World", "2", "Is This a Question?", {}),  # question mark
    ("a15", "2015-01-19", "Washington", "U.S.", "4", "Leaders Arrive in the U.S.", {}),  # final period
    ("a16", "2015-01-20", "Foreign", "World", "2", "   ", {}),  # no headline
    (None, "2015-01-21", "Foreign", "World", "2", "A Doc Without Any Id", {}),  # no id
    ("a18", "2015-01-22", "Foreign", "World", "2", "Bad Date", {"pub_date": "2015-01-32T05:00:00+0000"}),
    (
        "a19",
        "2015-01-01",
        "Foreign",
        "World",
        "2",
        "Dated the Day Before the Range",  # outside range
        {"pub_date": "2015-01-01T03:00:00+0000"},
    ),
    ("a20", "2015-01-23", "Washington", "U.S.", "1", "Senate  Passes the Budget", {}),  # kept, earliest
    (
        "a21",
        "2015-01-23",
        "Washington",
        "U.S.",
        "1",
        "Late Evening News in New York",  # kept: Jan 23
        {"pub_date": "2015-01-24T02:30:00+0000"},
    ),
    ("a22", "2015-01-25", "Politics", "U.S.", "3", "Cafe\u0301 Owner Wins Primary", {}),  # kept, NFC
    ("a23", "2015-02-02", "Washington", "U.S.", "7", "senate passes the budget", {}),  # dup headline
    ("a24", "2015-02-03", "Washington", "U.S.", "8", "Senate Passes the Budget ", {}),  # dup headline
    ("a01", "2015-01-05", "Foreign", "World", "5", "Foreign Story on Page Five", {"listed": 2}),  # listed twice
    ("a26", "2015-02-04", "Foreign", "World", "1", "Only an Underscore Id", {"uri": None}),  # kept via _id
]
KEPT = {
    "nyt://article/a01",
    "nyt://article/a03",
    "nyt://article/a05",
    "nyt://article/a06",
    "nyt://article/a20",
    "nyt://article/a21",
    "nyt://article/a22",
    "nyt://article/a26",
}
DROPS = {
    "beyond_print_page_limit": 2,
    "other_desk": 2,
    "section_not_kept_for_desk": 1,
    "not_in_print": 2,
    "not_an_article": 1,
    "not_news_material": 1,
    "question_mark_in_headline": 1,
    "headline_ends_with_period": 1,
    "no_headline": 1,
    "no_article_id": 1,
    "malformed_pub_date": 1,
    "outside_date_range": 1,
    "duplicate_headline": 2,
    "duplicate_article_id": 1,
}


def fixture_doc(ident, day, desk, section, page, headline, overrides) -> dict:
    doc = {
        "headline": {"main": headline, "kicker": None},
        "pub_date": day + MIDNIGHT,
        "document_type": "article",
        "type_of_material": "News",
        "news_desk": desk,
        "section_name": section,
        "word_count": 800,
        "web_url": f"https://example.invalid/{ident}.html",
    }
    if ident:
        doc["_id"] = doc["uri"] = f"nyt://article/{ident}"
    if page is not None:
        doc["print_page"], doc["print_section"] = page, "A"
    doc.update(overrides)
    return {k: v for k, v in doc.items() if v is not None}


def write_months(folder: Path, docs: list[dict]) -> None:
    """Month files as the sample stores them: a doc goes to the month of its date, or the one it is "listed" in."""
    months: dict[int, list[dict]] = {1: [], 2: []}
    for doc in docs:
        months[doc.pop("listed", int(doc["pub_date"][5:7]))].append(doc)
    for month, month_docs in months.items():
        body = {
            "copyright": "Copyright (c) 2015 The New York Times Company. All Rights Reserved.",
            "response": {"docs": month_docs, "meta": {"hits": len(month_docs)}},
        }
        path = folder / "2015" / f"{month}.json.gz"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip_json(body))


@pytest.fixture
def served(tmp_path, monkeypatch):
    folder = tmp_path / "archive"
    write_months(folder, [fixture_doc(*row) for row in FIXTURE])
    monkeypatch.setenv(nyt.KEY_ENV, KEY)
    with RecordingArchiveServer(folder) as server:
        yield server


def sources(url: str, cache: Path) -> Sources:
    """As a live build gets them, pointed at ``url``: the key from the environment; no throttle."""
    client = ArchiveClient(url, os.environ.get(nyt.KEY_ENV), cache_dir=cache / "nyt", min_interval=0.0)
    return Sources(None, None, DEFAULT_WINDOW, {"mode": "test"}, nyt=client)


def build(src: Sources, out: Path, config: HeadlinesConfig = CONFIG) -> tuple[pd.DataFrame, dict]:
    folder = headlines.build(src, out, config)
    return pd.read_parquet(folder / "data.parquet"), json.loads((folder / "metadata.json").read_text())


# ------------------------------------------------------------------------------------------------ rules


def test_rules_keep_and_drop_the_right_articles(served, tmp_path):
    df, meta = build(sources(served.url, tmp_path / "cache"), tmp_path / "out")
    assert set(df["entity_id"]) == KEPT
    assert meta["drops"]["counts"] == DROPS
    assert meta["steps"][0]["rows_in"] == len(FIXTURE) == len(KEPT) + sum(DROPS.values())
    assert [r["rule"] for r in meta["rules"]] == [s["step"] for s in meta["steps"][:-1]]  # the order they ran
    assert meta["drops"]["examples"]["duplicate_headline"] == ["nyt://article/a23", "nyt://article/a24"]
    assert served.requests == ["/svc/archive/v1/2015/1.json", "/svc/archive/v1/2015/2.json"]


def test_columns_types_and_values(served, tmp_path):
    df, meta = build(sources(served.url, tmp_path / "cache"), tmp_path / "out")
    schema = pq.read_schema(tmp_path / "out" / "data.parquet")
    assert schema.names == headlines.SPEC.schema.names
    assert str(schema.field("pub_date").type) == "date32[day]" and str(schema.field("pub_year").type) == "int32"
    row = df.set_index("entity_id")
    a20 = row.loc["nyt://article/a20"]
    assert a20["headline"] == "Senate  Passes the Budget" and a20["name"] == "Senate Passes the Budget"
    assert a20["duplicates"] == 2  # a23 and a24 carry its headline, later
    assert row.loc["nyt://article/a21", "pub_date"] == date(2015, 1, 23)  # 02:30 UTC is 21:30 the day before
    assert row.loc["nyt://article/a22", "name"] == "Caf\u00e9 Owner Wins Primary"  # decomposed e + accent, NFC
    assert row.loc["nyt://article/a06", "news_desk"] == "Foreign Desk"  # kept as the archive spells it
    a05 = row.loc["nyt://article/a05"]
    assert (a05["section"], a05["print_page"], a05["type_of_material"]) == ("Arts", 3, "Obituary (Obit)")
    assert (a05["pub_year"], a05["pub_month"]) == (2015, 1)
    assert row.loc["nyt://article/a26", "url"] == "https://example.invalid/a26.html"
    assert list(df["entity_id"]) == sorted(df["entity_id"])
    assert meta["target"] == ["pub_date"] and meta["rows"] == len(KEPT)
    assert meta["pageview_filter"].startswith("none")
    assert meta["sources"]["nyt_archive"]["base_url"] == served.url
    assert sorted(meta["sources"]["nyt_archive"]["months"]) == ["2015-01", "2015-02"]
    assert meta["terms"]["copyright"] == ["Copyright (c) 2015 The New York Times Company. All Rights Reserved."]
    assert meta["terms"]["terms_of_use"].startswith("https://developer.nytimes.com")
    assert KEY not in (tmp_path / "out" / "metadata.json").read_text()


def test_split_is_by_headline_text(served, tmp_path):
    df, _ = build(sources(served.url, tmp_path / "cache"), tmp_path / "out")
    assert (df["split_group"] == df["name"].str.casefold()).all()
    assert all(s == split_of(g, "headlines") for g, s in zip(df["split_group"], df["split"]))
    # Two articles with one headline (in any case or spacing) always fall on the same side.
    assert split_of("senate passes the budget", "headlines") == split_of(
        "Senate Passes the Budget".casefold(), "headlines"
    )


def test_front_pages_of_any_desk_on_request(served, tmp_path):
    config = HeadlinesConfig(first_month="2015-01", last_month="2015-02", front_pages_from_any_desk=True)
    df, meta = build(sources(served.url, tmp_path / "cache"), tmp_path / "out", config)
    assert set(df["entity_id"]) == KEPT | {"nyt://article/a08"}
    assert meta["drops"]["counts"]["other_desk"] == 1


def test_desk_page_and_date_parsing():
    assert [canonical_desk(d) for d in ("Foreign Desk", "foreign", "OBITUARY", "Obits", "OpEd", None)] == [
        "Foreign",
        "Foreign",
        "Obits",
        "Obits",
        "OpEd",
        None,
    ]
    assert [print_page(p) for p in ("1", " 14 ", "A1", "", "0", 3, None, True)] == [
        1,
        14,
        None,
        None,
        None,
        3,
        None,
        None,
    ]
    assert parse_pub_date("2015-07-04T04:00:00+0000").date() == date(2015, 7, 4)  # summer: UTC-4
    assert parse_pub_date("2015-07-05T03:59:00+0000").date() == date(2015, 7, 4)
    assert parse_pub_date("2015-07-04").date() == date(2015, 7, 4)
    assert parse_pub_date("July 4, 2015") is None and parse_pub_date(None) is None


# ------------------------------------------------------------------------------------------------ resuming


def test_failed_month_names_itself_and_the_rerun_fetches_only_what_is_missing(served, tmp_path):
    february = served.root / "2015" / "2.json.gz"
    saved = february.read_bytes()
    february.unlink()
    with pytest.raises(SourceError, match=r"NYT archive 2015-02 .*HTTP 404"):
        build(sources(served.url, tmp_path / "cache"), tmp_path / "out")
    assert not (tmp_path / "out" / "data.parquet").exists()
    february.write_bytes(saved)
    before = len(served.requests)
    df, _ = build(sources(served.url, tmp_path / "cache"), tmp_path / "out")
    assert served.requests[before:] == ["/svc/archive/v1/2015/2.json"]
    assert set(df["entity_id"]) == KEPT


def test_rerun_from_cache_is_byte_identical_and_needs_no_key(served, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build(sources(served.url, tmp_path / "cache"), tmp_path / "first")
    monkeypatch.delenv(nyt.KEY_ENV)
    requests = len(served.requests)
    build(sources(served.url, tmp_path / "cache"), tmp_path / "second")
    assert len(served.requests) == requests
    for name in ("data.parquet", "metadata.json"):
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes()


# ------------------------------------------------------------------------------------------------ the sample


def test_bundled_sample_builds_end_to_end(tmp_path):
    expected = manifest()["datasets"]["headlines"]["counts"]
    folder = build_from_sample(headlines.build, tmp_path)
    df, meta = pd.read_parquet(folder / "data.parquet"), json.loads((folder / "metadata.json").read_text())
    assert meta["drops"]["counts"] == expected["expected_drops"]
    assert len(df) == expected["kept_events"] >= 400
    assert meta["query_rows"] == expected["docs"]
    assert len(meta["sources"]["nyt_archive"]["months"]) == 132
    assert meta["sources"]["nyt_archive"]["base_url"].startswith("bundled-sample:nyt:")
    assert meta["terms"]["source"].endswith("(bundled sample, not NYT text)")
    assert df["pub_year"].between(2010, 2020).all() and df["pub_year"].nunique() == 11
    assert df["entity_id"].is_unique and df["name"].str.casefold().is_unique
    assert not df["name"].str.contains("?", regex=False).any() and not df["name"].str.endswith(".").any()
    row = df.set_index("name").loc["Osama bin Laden Killed by U.S. Forces in Pakistan"]
    assert (row["pub_date"], row["news_desk"], row["section"]) == (date(2011, 5, 2), "Foreign", "World")
    assert set(df["news_desk"]) == {
        "Foreign",
        "National",
        "Politics",
        "Washington",
        "Obits",
        "Foreign Desk",
        "National Desk",
        "Washington Desk",
        "Obituaries",
    }
    assert 0.15 < (df["split"] == "test").mean() < 0.25


def test_sample_dates_are_new_york_dates():
    """Some sample docs carry an evening time whose UTC date is the next day; the kept date is New York's."""
    evening = []
    for path in sorted((SAMPLE_DIR / "nyt" / "archive").rglob("*.json.gz")):
        for doc in json.loads(gzip.decompress(path.read_bytes()))["response"]["docs"]:
            stamp = doc["pub_date"]
            if not stamp.endswith(("T05:00:00+0000", "T04:00:00+0000")) and "Sample" not in doc["headline"]["main"]:
                evening.append((stamp, parse_pub_date(stamp).date()))
    assert len(evening) > 20
    assert all(date.fromisoformat(stamp[:10]) - day == timedelta(days=1) for stamp, day in evening)


def test_sample_part_is_deterministic_and_matches_the_shipped_files():
    from tools.sample.headlines import headlines_part

    first, second = headlines_part(), headlines_part()
    assert first.files == second.files and first.manifest == second.manifest and first.views == {}
    assert len(first.files) == 132
    for rel, data in first.files.items():
        assert data[4:8] == b"\0\0\0\0", rel  # gzip without a timestamp
        assert (SAMPLE_DIR / rel).read_bytes() == data, f"{rel} is stale: run python -m tools.sample"
    assert manifest()["datasets"]["headlines"]["counts"] == first.manifest["counts"]
