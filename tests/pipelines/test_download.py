"""`spacetime download` against a local Databus + dumps server (tests/dumpserver.py): the mirrored layout, resumed
transfers, checksums, 404s, 429 with Retry-After, and reruns that fetch nothing."""

from __future__ import annotations

import bz2
import hashlib
import json
import random
import urllib.parse
from pathlib import Path

import pytest
from click.testing import CliRunner

from spacetime.cli import main
from spacetime.pipelines.sources.dbpedia_dump import DatabusFile, databus_files
from spacetime.pipelines.sources.download import MANIFEST, DownloadError, download, version_iri, version_parts
from spacetime.pipelines.sources.pageviews import PageviewWindow, dump_name
from spacetime.pipelines.sources.retry import RetryPolicy
from tests.dumpserver import SAMPLE, DumpServer

pytestmark = pytest.mark.server

FAST = RetryPolicy(attempts=4, backoff_base=0.01, backoff_max=0.05)
WINDOW = PageviewWindow("2021-01", 2)
RELEASE = (  # a file of each publisher: DBpedia and DBpedia Archivo (the ontology)
    DatabusFile(
        "dbpedia",
        "mappings",
        "instance-types",
        "2022.12.01",
        "instance-types_inference=transitive_lang=en.ttl.bz2",
        frozenset(),
    ),
    DatabusFile(
        "ontologies", "dbpedia.org", "ontology--DEV", "2022.12.09-011003", "ontology--DEV_type=parsed.nt", frozenset()
    ),
)


def payload(seed: int, lines: int = 400) -> bytes:
    """A bzip2 file of a few KB that does not compress to nothing (so a cut falls inside it)."""
    rng = random.Random(seed)
    text = "".join(
        f'<http://dbpedia.org/resource/E{rng.getrandbits(48):x}> <http://dbpedia.org/ontology/p> "{rng.random()}" .\n'
        for _ in range(lines)
    )
    return bz2.compress(text.encode())


def month_path(year: int, month: int) -> str:
    """Where dumps.wikimedia.org serves a month's file (written out here, to check the client's layout)."""
    return f"/other/pageview_complete/monthly/{year}/{year}-{month:02d}/{dump_name(year, month)}"


@pytest.fixture
def server():
    with DumpServer() as dumps:
        yield dumps


def serve_all(server: DumpServer, release=RELEASE, window=WINDOW) -> dict[str, bytes]:
    """The release and the window's months on ``server``; destination-relative path -> bytes."""
    expected = {}
    files = {item: payload(i) for i, item in enumerate(release)}
    server.publish_release(files)
    for item, data in files.items():
        expected[str(item.path)] = data
    for i, (year, month) in enumerate(window.month_list()):
        data = payload(100 + i)
        server.publish_month(month_path(year, month), data, md5sums=(i == 0))
        expected[month_path(year, month).lstrip("/")] = data
    return expected


def run(server: DumpServer, dest: Path, release=RELEASE, window=WINDOW, **options):
    return download(
        dest,
        databus_url=server.url,
        dumps_url=server.url,
        window=window,
        release=release,
        retry=FAST,
        progress=False,
        **options,
    )


def tree(dest: Path) -> dict[str, bytes]:
    """Every file under ``dest`` (hidden ones too) but the manifest."""
    files = (p for p in sorted(dest.rglob("*")) if p.is_file() and p.name != MANIFEST)
    return {p.relative_to(dest).as_posix(): p.read_bytes() for p in files}


def file_gets(server: DumpServer) -> list[str]:
    return [e.path for e in server.log if e.path.startswith("/download/") or e.path.endswith(".bz2")]


def test_sample_version_document_is_read_as_the_databus_publishes_it():
    parts = version_parts(json.loads(SAMPLE.read_text()), "sample")
    name = "instance-types_inference=transitive_lang=en.ttl.bz2"
    assert set(parts) == {name, "instance-types_inference=specific_lang=en.ttl.bz2"}
    assert parts[name]["byteSize"] == "2222" and parts[name]["sha256sum"] == "2" * 64
    assert parts[name]["downloadURL"].endswith(f"/instance-types/2022.12.01/{name}")


def test_cli_fetches_the_pinned_release_and_the_window_into_the_servers_layout(server, tmp_path):
    release = databus_files()  # what the DBpedia builds read
    expected = serve_all(server, release=release, window=PageviewWindow("2021-01", 1))
    dest = tmp_path / "out" / "downloads"
    args = ["download", "--out", str(tmp_path / "out"), "--databus-url", server.url, "--dumps-url", server.url]
    result = CliRunner().invoke(main, [*args, "--window-months", "1", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert tree(dest) == expected  # every file, verified, under the mirrored path; no .part or .bad left
    assert "dbpedia/mappings/instance-types/2022.12.01/instance-types_inference=specific_lang=en.ttl.bz2" in expected
    assert "ontologies/dbpedia.org/ontology--DEV/2022.12.09-011003/ontology--DEV_type=parsed.nt" in expected
    assert f"{len(expected)} files fetched" in result.output
    assert all(e.user_agent.startswith("llm-spacetime/") for e in server.log)
    versions = {urllib.parse.urlsplit(version_iri(item, server.url)).path for item in release}
    assert sorted(e.path for e in server.log if e.path in versions) == sorted(versions)  # one request per version
    manifest = json.loads((dest / MANIFEST).read_text())
    entry = next(e for e in manifest["files"] if e["path"] == str(release[0].path))
    assert entry["digests"]["sha256"] == hashlib.sha256(expected[entry["path"]]).hexdigest()
    assert entry["bytes"] == len(expected[entry["path"]]) and manifest["window"]["months"] == 1


def test_a_rerun_fetches_nothing(server, tmp_path):
    expected = serve_all(server)
    first = run(server, tmp_path)
    assert len(first.fetched) == len(expected) and first.bytes_transferred == sum(map(len, expected.values()))
    server.log.clear()
    second = run(server, tmp_path)
    assert second.fetched == [] and len(second.kept) == len(expected) and second.bytes_transferred == 0
    assert file_gets(server) == []  # only the metadata and checksum lists were asked for again
    assert tree(tmp_path) == expected


def test_a_transfer_cut_off_mid_file_resumes_with_a_range_request(server, tmp_path):
    expected = serve_all(server)
    path = f"/download/{RELEASE[0].path}"
    server.faults[path] = ["cut"]
    run(server, tmp_path)
    assert tree(tmp_path) == expected
    first, second = server.requests_for(path)
    size = len(expected[str(RELEASE[0].path)])
    assert first.range is None and second.range == f"bytes={size // 2}-"


def test_a_killed_run_resumes_its_part_file_and_keeps_completed_files(server, tmp_path):
    expected = serve_all(server)
    done, killed = RELEASE
    (tmp_path / done.path).parent.mkdir(parents=True)
    (tmp_path / done.path).write_bytes(expected[str(done.path)])  # finished and renamed before the kill
    part = tmp_path / killed.path.parent / f".{killed.name}.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(expected[str(killed.path)][:1000])
    month = month_path(2021, 1).lstrip("/")  # no size published: the server says it is whole (416 bytes */N)
    (tmp_path / month).parent.mkdir(parents=True)
    (tmp_path / month).with_name(f".{Path(month).name}.part").write_bytes(expected[month])
    report = run(server, tmp_path)
    assert tree(tmp_path) == expected
    assert server.requests_for(f"/download/{done.path}") == []
    assert [e.range for e in server.requests_for(f"/download/{killed.path}")] == ["bytes=1000-"]
    assert [e.range for e in server.requests_for(f"/{month}")] == [f"bytes={len(expected[month])}-"]
    assert done.path in report.kept


def test_a_wrong_sha256_is_refused_naming_the_file_and_both_digests(server, tmp_path):
    data = payload(7)
    item = RELEASE[0]
    server.publish_release({item: data}, sha256={item.name: "ab" * 32})
    with pytest.raises(DownloadError) as caught:
        run(server, tmp_path, release=(item,), window=PageviewWindow("2021-01", 1), pageviews=False)
    message = str(caught.value)
    assert item.name in message and "ab" * 32 in message and hashlib.sha256(data).hexdigest() in message
    final = tmp_path / item.path
    assert not final.exists() and final.with_name(f".{item.name}.bad").read_bytes() == data


def test_a_wrong_published_md5_of_a_month_is_refused(server, tmp_path):
    data = payload(8)
    server.publish_month(month_path(2021, 1), data, md5sums=True, md5="0" * 32)
    with pytest.raises(DownloadError, match=f"{dump_name(2021, 1)}: md5 {hashlib.md5(data).hexdigest()}"):
        run(server, tmp_path, window=PageviewWindow("2021-01", 1), dbpedia=False)
    assert not (tmp_path / month_path(2021, 1).lstrip("/")).exists()


def test_a_month_missing_from_the_server_is_named_with_its_url(server, tmp_path):
    expected = serve_all(server)
    missing = month_path(2021, 3)
    with pytest.raises(DownloadError, match="HTTP 404") as caught:
        run(server, tmp_path, window=PageviewWindow("2021-01", 3))
    assert f"{server.url}{missing}" in str(caught.value)
    assert tree(tmp_path) == expected  # the others are all there


def test_429_waits_as_long_as_retry_after_says_and_5xx_is_retried(server, tmp_path):
    expected = serve_all(server)
    path = month_path(2021, 2)
    server.faults[path] = ["429", "503"]
    run(server, tmp_path, workers=1)
    assert tree(tmp_path) == expected
    first, second, third = server.requests_for(path)
    assert second.time - first.time >= 0.95  # Retry-After: 1, where the backoff alone would wait 0.01-0.03 s


def test_a_damaged_copy_under_the_final_name_is_put_aside_and_fetched_again(server, tmp_path):
    expected = serve_all(server)
    item = RELEASE[0]
    damaged = tmp_path / item.path
    damaged.parent.mkdir(parents=True)
    damaged.write_bytes(expected[str(item.path)][:-1] + b"x")  # the right size, the wrong bytes
    report = run(server, tmp_path)
    assert damaged.read_bytes() == expected[str(item.path)] and item.path in report.fetched
    assert damaged.with_name(f".{item.name}.bad").exists()


def test_the_pageview_reader_finds_the_downloaded_months(server, tmp_path):
    from spacetime.pipelines.sources.pageviews import PageviewDumps

    for year, month in WINDOW.month_list():
        lines = "en.wikipedia Paris 22989 desktop 7 A7\nen.wikipedia Lyon 3 mobile-web 2 B2\n"
        server.publish_month(month_path(year, month), bz2.compress(lines.encode()))
    run(server, tmp_path, dbpedia=False)
    counts = PageviewDumps(tmp_path, progress=False).fetch(["Paris", "Lyon"], WINDOW)
    assert counts.views == {"Paris": 14, "Lyon": 4}


def test_download_then_build_gives_the_rows_of_the_flat_folders(server, tmp_path):
    """The release files in the Databus layout and three months in Wikimedia's, fetched from a local server, build
    exactly the rows that the same files in two flat folders build."""
    import pandas as pd

    from spacetime.pipelines.sources.dbpedia_dump import databus_key
    from tests.conftest import write_pageview_dumps
    from tests.pipelines.test_dbpedia_dump import VIEWS, write_release

    window = PageviewWindow("2021-01", 3)
    flat = write_release(tmp_path / "flat")
    fixtures = {databus_key(p.name): p.read_bytes() for p in flat.rglob("*") if p.is_file()}
    release = databus_files(["world_places"])
    server.publish_release({item: fixtures[databus_key(item.name)] for item in release})
    months = write_pageview_dumps(tmp_path / "months", window, VIEWS)
    for year, month in window.month_list():
        server.publish_month(month_path(year, month), (months / dump_name(year, month)).read_bytes())
    dest = tmp_path / "dest"
    download(dest, databus_url=server.url, dumps_url=server.url, window=window, release=release, progress=False)
    assert (dest / "other/pageview_complete/monthly/2021/2021-03/pageviews-202103-user.bz2").is_file()

    def build(dbpedia: Path, pageviews: Path, out: Path) -> pd.DataFrame:
        args = ["build", "world_places", "--dbpedia-dump", str(dbpedia), "--pageviews-dump", str(pageviews)]
        args += ["--out", str(out), "--window-start", "2021-01", "--window-months", "3"]
        result = CliRunner().invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return pd.read_parquet(out / "build" / "world_places" / "data.parquet")

    downloaded = build(dest, dest, tmp_path / "out")
    assert len(downloaded) > 0
    pd.testing.assert_frame_equal(downloaded, build(flat, months, tmp_path / "out-flat"))
