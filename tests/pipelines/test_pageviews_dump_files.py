"""The dump reader on folders laid out as Wikimedia serves the pageview_complete dumps, on titles as the
Spark-written dumps quote them, and on months that would silently count nothing."""

from __future__ import annotations

import bz2
import shutil
from pathlib import Path

import pytest

from spacetime.pipelines.sources.errors import SourceError
from spacetime.pipelines.sources.pageviews import (
    DumpParser,
    PageviewDumps,
    PageviewWindow,
    dump_name,
    quote_dump_title,
    read_dump,
    unquote_dump_title,
)
from tests.pipelines.test_pageviews import write_dump

WINDOW = PageviewWindow("2021-01", 3)
MONTH_LINES = [
    "de.wikipedia Paris 1 desktop 999 A999",
    "en.wikipedia Paris 22989 desktop 100 A60B40",
    "en.wikipedia Paris 22989 mobile-web 20 C20",
]
MONTHLY_TREE = Path("other", "pageview_complete", "monthly")


def mirror(root: Path, window: PageviewWindow = WINDOW, daily: bool = True) -> Path:
    """``root`` laid out as https://dumps.wikimedia.org/other/: the monthly files under
    ``pageview_complete/monthly/YYYY/YYYY-MM/``, and (``daily``) each month's daily files, holding the same views
    again, under ``pageview_complete/YYYY/YYYY-MM/`` (two days a month here)."""
    for year, month in window.month_list():
        folder = f"{year:04d}/{year:04d}-{month:02d}"
        write_dump(root / MONTHLY_TREE / folder / dump_name(year, month), MONTH_LINES)
        if daily:
            for day in (1, 2):
                name = f"pageviews-{year:04d}{month:02d}{day:02d}-user.bz2"
                write_dump(root / "other" / "pageview_complete" / folder / name, MONTH_LINES)
    return root


def flat(folder: Path, window: PageviewWindow = WINDOW) -> Path:
    """One monthly file per month of ``window``, side by side in ``folder``."""
    for year, month in window.month_list():
        write_dump(folder / dump_name(year, month), MONTH_LINES)
    return folder


def paris(folder: Path, window: PageviewWindow = WINDOW):
    return PageviewDumps(folder, progress=False).fetch(["Paris"], window)


# --- where the files are -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("given", ["", "other", "other/pageview_complete", "other/pageview_complete/monthly"])
def test_the_dumps_server_layout_is_read_from_any_level_and_daily_files_are_not_added(tmp_path, given):
    root = mirror(tmp_path)
    counts = paris(root / given)
    assert counts.views == {"Paris": 3 * 120}  # three months, once each: the daily files are left out
    assert [f["name"] for f in counts.source["files"]] == WINDOW.dump_names()
    assert counts.source["daily_files_left_out"] == (0 if given.endswith("monthly") else 6)


def test_what_spacetime_download_saves_is_read_from_its_destination(tmp_path):
    """``spacetime download`` saves DEST/other/pageview_complete/monthly/YYYY/YYYY-MM/pageviews-YYYYMM-user.bz2."""
    dest = mirror(tmp_path / "dest", daily=False)
    (dest / "dbpedia").mkdir()  # other downloads beside it are no concern of the reader
    (dest / "dbpedia" / "labels_lang=en.ttl.bz2").write_bytes(bz2.compress(b"<a> <b> <c> .\n"))
    partial = dest / MONTHLY_TREE / "2021" / "2021-04" / "pageviews-202104-user.bz2.part"
    partial.parent.mkdir(parents=True)
    partial.write_bytes(b"half a download")
    assert paris(dest).views == {"Paris": 360}


def test_a_flat_folder_still_works(tmp_path):
    assert paris(flat(tmp_path)).views == {"Paris": 360}


def test_daily_files_in_place_of_monthly_ones_are_refused_with_the_monthly_url(tmp_path):
    root = mirror(tmp_path)
    shutil.rmtree(root / MONTHLY_TREE)
    with pytest.raises(SourceError) as err:
        paris(root)
    message = str(err.value)
    assert "3 of 3 months: 2021-01, 2021-02, 2021-03: found only daily files for them (6, e.g. " in message
    assert "pageviews-20210101-user.bz2" in message
    assert message.endswith(
        "https://dumps.wikimedia.org/other/pageview_complete/monthly/2021/2021-01/pageviews-202101-user.bz2"
    )
    assert "\n" not in message


def test_a_missing_month_names_the_download_url(tmp_path):
    root = mirror(tmp_path, daily=False)
    with pytest.raises(
        SourceError,
        match=r"1 of 4 months: 2021-04 \(looked for pageviews-202104-user\.bz2 .*"
        r"monthly/2021/2021-04/pageviews-202104-user\.bz2$",
    ):
        paris(root, PageviewWindow("2021-01", 4))


def test_a_month_found_twice_is_refused_naming_both_paths(tmp_path):
    root = mirror(tmp_path, daily=False) / MONTHLY_TREE
    nested = root / "2021" / "2021-02" / "pageviews-202102-user.bz2"
    copy = root / "pageviews-202102-user.bz2"
    shutil.copyfile(nested, copy)
    with pytest.raises(SourceError) as err:
        paris(root)
    assert str(err.value) == (
        f"the pageview dump for 2021-02 is below {root} 2 times: {copy} and {nested}; "
        "keep one of them (move or delete the others)"
    )


def test_one_file_reached_twice_through_a_link_is_read_once(tmp_path):
    root = flat(tmp_path / "dumps")
    (root / "2021").mkdir()
    (root / "2021" / "pageviews-202102-user.bz2").symlink_to(root / "pageviews-202102-user.bz2")
    assert paris(root).views == {"Paris": 360}


def test_other_agents_files_are_not_read(tmp_path):
    root = flat(tmp_path)
    write_dump(root / "pageviews-202101-automated.bz2", MONTH_LINES)
    write_dump(root / "pageviews-202101-spider.bz2", MONTH_LINES)
    assert paris(root).views == {"Paris": 360}


# --- titles as the Spark-written dumps quote them --------------------------------------------------------------------

# Before the dump jobs moved to Spark (2023-02) titles were written bare; since then Spark's CSV writer quotes a title
# holding a double quote, escaping '"' as '\"' and '\' as '\\'. A title with a backslash alone stays bare.
HIVE_MONTH = [
    'en.wikipedia "Heroes" 1 desktop 1 A1',
    'en.wikipedia "Heroes"_(David_Bowie_album) 2 desktop 10 A10',
    'en.wikipedia Foo_"bar"_baz 3 mobile-web 100 A100',
    "en.wikipedia Heroes 4 desktop 1000 A1000",
    "en.wikipedia Back\\slash 5 desktop 10000 A10000",
]
SPARK_MONTH = [
    'en.wikipedia "\\"Heroes\\"" 1 desktop 2 A2',
    'en.wikipedia "\\"Heroes\\"_(David_Bowie_album)" 2 desktop 20 A20',
    'en.wikipedia "Foo_\\"bar\\"_baz" 3 mobile-web 200 A200',
    'en.wikipedia "Foo_\\"bar\\"_baz" 3 desktop 5 A5',
    "en.wikipedia Heroes 4 desktop 2000 A2000",
    "en.wikipedia Back\\slash 5 desktop 20000 A20000",
    'en.wikipedia "Both_\\"\\\\\\"" 6 desktop 7 A7',  # the title Both_"\"
]


def test_quoting_follows_sparks_csv_writer():
    assert quote_dump_title(b"Paris") == b"Paris"
    assert quote_dump_title(b"Back\\slash") == b"Back\\slash"
    assert quote_dump_title(b'"Heroes"') == b'"\\"Heroes\\""'
    assert quote_dump_title(b'Both_"\\"') == b'"Both_\\"\\\\\\""'
    for title in (b'"Heroes"', b'Foo_"bar"_baz', b'Both_"\\"', b'"', b"Back\\slash", b"Paris"):
        assert unquote_dump_title(quote_dump_title(title)) == title
    # a bare title from a pre-2023 file is never taken for a quoted one: a quoted title always holds \"
    assert unquote_dump_title(b'"Heroes"') == b'"Heroes"'
    assert unquote_dump_title(b'"Unbalanced') == b'"Unbalanced'


def test_quoted_and_bare_spellings_of_a_title_add_up_across_the_window(tmp_path):
    write_dump(tmp_path / "pageviews-202301-user.bz2", HIVE_MONTH)
    write_dump(tmp_path / "pageviews-202303-user.bz2", SPARK_MONTH)
    write_dump(tmp_path / "pageviews-202302-user.bz2", ["en.wikipedia Heroes 4 desktop 0 A0"])
    titles = ['"Heroes"', '"Heroes" (David Bowie album)', 'Foo "bar" baz', "Heroes", "Back\\slash", 'Both_"\\"']
    counts = PageviewDumps(tmp_path, progress=False).fetch(titles, PageviewWindow("2023-01", 3))
    assert counts.views == {
        '"Heroes"': 3,
        '"Heroes" (David Bowie album)': 30,
        'Foo "bar" baz': 305,
        "Heroes": 3000,
        "Back\\slash": 30000,
        'Both_"\\"': 7,
    }
    assert counts.not_found == set() and counts.source["malformed_lines"] == {}


def test_reading_a_whole_dump_unquotes_the_titles(tmp_path):
    totals, stats = read_dump(write_dump(tmp_path / "spark.bz2", SPARK_MONTH))
    assert totals == {
        b'"Heroes"': 2,
        b'"Heroes"_(David_Bowie_album)': 20,
        b'Foo_"bar"_baz': 205,
        b"Heroes": 2000,
        b"Back\\slash": 20000,
        b'Both_"\\"': 7,
    }
    assert stats.malformed == {}


# --- months that would count nothing --------------------------------------------------------------------------------


def test_a_month_without_a_line_of_the_project_is_refused(tmp_path):
    root = flat(tmp_path)
    february = root / "pageviews-202102-user.bz2"
    write_dump(february, ["de.wikipedia Paris 1 desktop 999 A999", "fr.wikipedia Paris 2 desktop 5 A5"])
    with pytest.raises(SourceError) as err:
        paris(root)
    assert str(err.value) == (
        f"{february}: no en.wikipedia line among its 2 lines, so every title would get 0 views for 2021-02; it is "
        "not a complete monthly pageview_complete dump: download it again from "
        "https://dumps.wikimedia.org/other/pageview_complete/monthly/2021/2021-02/pageviews-202102-user.bz2"
    )


def test_a_month_in_another_format_is_refused_naming_the_first_bad_line(tmp_path):
    root = flat(tmp_path)
    march = root / "pageviews-202103-user.bz2"
    # the hourly "pageviews" files' format: domain title views bytes
    write_dump(march, ["de.wikipedia Paris 999 0", "en.wikipedia Paris 120 0", "en.wikipedia Rome 7 0"])
    with pytest.raises(SourceError) as err:
        paris(root)
    assert str(err.value).startswith(
        f"{march}: none of its 2 en.wikipedia lines is in the pageview_complete monthly format "
        "(line 2: fewer than 5 fields: 'en.wikipedia Paris 120 0'); download it again from https://"
    )


def test_malformed_examples_carry_their_line_number_across_chunks_streams_and_threads(tmp_path):
    lines = [f"en.wikipedia T{i} {i} desktop {i} A{i}" for i in range(3000)]
    bad = {
        7: "en.wikipedia T7 7 tablet 7 A7",
        1500: "en.wikipedia T1500 1500 desktop",
        2999: "en.wikipedia  1 desktop 1",
    }
    for index, line in bad.items():
        lines[index] = line
    text = "".join(f"{line}\n" for line in lines).encode()
    cuts = [0, 5, 3000, 3001, 40_000, 41_234, len(text)]  # streams cut mid-line
    path = tmp_path / "numbered.bz2"
    path.write_bytes(b"".join(bz2.compress(text[a:b]) for a, b in zip(cuts, cuts[1:])))
    for chunk_size, piece_size, threads in [(37, 1, 1), (37, 1, 6), (1000, 333, 3), (1 << 22, 1 << 20, 4)]:
        stats = DumpParser("en.wikipedia", None, {}, chunk_size, piece_size, threads).parse_file(path)
        found = {e["line_number"]: e["line"] for e in stats.examples}
        assert found == {i + 1: line for i, line in bad.items()}, (chunk_size, piece_size, threads)


def test_a_broken_link_named_like_a_dump_is_named(tmp_path):
    root = flat(tmp_path / "dumps")
    (root / "old").mkdir()
    broken = root / "old" / "pageviews-202101-user.bz2"
    broken.symlink_to(tmp_path / "gone.bz2")
    with pytest.raises(SourceError, match=f"^{broken}: cannot be read .*; remove it or make it a readable file$"):
        paris(root)
