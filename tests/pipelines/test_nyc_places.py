"""The nyc_places builder: its rules on a small readable fixture served by a real loopback SODA server, its naming
and geometry helpers, and an end-to-end build from the bundled sample."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pandas as pd
import pytest

from spacetime.pipelines.builders.steps import split_of
from spacetime.pipelines.datasets.nyc_places import build as nyc_places
from spacetime.pipelines.datasets.nyc_places.build import haversine_m, name_key, parse_point, prompt_name
from spacetime.pipelines.sample import SAMPLE_DIR
from spacetime.pipelines.sources import Sources
from spacetime.pipelines.sources.pageviews import DEFAULT_WINDOW
from spacetime.pipelines.sources.soda import POINTS_OF_INTEREST, SodaClient
from tests.conftest import build_from_sample
from tests.faults import FaultProxy
from tests.faults import FaultySodaEmulator as SodaEmulator

pytestmark = pytest.mark.server  # this module's tests run against local servers


def poi(placeid, name, lon, lat, borough="1", facility="4", complexid="0", **changes) -> dict:
    """A Points of Interest row as SODA returns it (codes as strings, the point as [longitude, latitude])."""
    row = {
        "placeid": placeid,
        "name": name,
        "the_geom": {"type": "Point", "coordinates": [lon, lat]},
        "borough": borough,
        "facility_t": facility,
        "faci_dom": "1",
        "complexid": complexid,
        "source": "TEST",
        "created": "2009-05-14T00:00:00.000",
        "modified": "2017-01-09T00:00:00.000",
    }
    row.update(changes)
    return {k: v for k, v in row.items() if v is not None}  # SODA leaves null fields out


FIXTURE = [
    poi("1", "EMPIRE STATE BUILDING", -73.9857, 40.7484, facility="7"),
    poi("2", "ST. JOHN'S UNIVERSITY", -73.7949, 40.7223, borough="4", facility="2"),
    poi("3", "ST JOHNS UNIVERSITY", -73.7953, 40.7226, borough="4", facility="2"),  # 45 m from 2: the same place
    poi("4", "ST. JOHN'S UNIVERSITY", -74.0963, 40.6186, borough="5", facility="2"),  # another borough: kept
    poi("5", "CENTRAL PARK", -73.9654, 40.7829, complexid="444"),
    poi("6", "CENTRAL PARK", -73.9819, 40.7681, complexid="444"),  # 2 km from 5, same complex: the same place
    poi("7", "BELVEDERE CASTLE", -73.9691, 40.7794, facility="3", complexid="444"),
    poi("8", "86 ST", -73.9556, 40.7795, facility="6"),  # two stations of one name in one borough
    poi("9", "86 ST", -73.9768, 40.7888, facility="6"),
    poi("10", "PS 123 MAHALIA JACKSON", -73.9460, 40.8205, facility="2"),
    poi("11", "HIGH BRIDGE", None, None, the_geom=None),
    poi("12", "HELL GATE BRIDGE", None, None, borough="4", the_geom={"type": "Point", "coordinates": ["x", "y"]}),
    poi("13", "WILLIAMSBURG BRIDGE", None, None, the_geom="POINT (-73.9724 40.7134)"),
    poi("14", "ROOSEVELT ISLAND TRAMWAY", 40.7610, -73.9640),  # [lat, lon]: the wrong order
    poi("15", "YONKERS RACEWAY", -73.8830, 40.9312, borough="2"),  # north of the city line
    poi("16", None, -74.0396, 40.6995),
    poi("17", "LIBERTY STATE PARK", -74.0550, 40.7041, borough="8"),
    poi("18", "OUTERBRIDGE CROSSING", -74.2467, 40.5247, borough=None, facility="6"),
    poi("19", "GOETHALS BRIDGE", -74.1968, 40.6353, borough="5", facility="14"),  # unknown type: kept
    poi(None, "BOWLING GREEN", -74.0139, 40.7049),
    poi("21", "ROOSEVELT ISLAND", -73.9500, 40.7620, facility="13"),
    poi("21", "ROOSEVELT ISLAND", -73.9500, 40.7620, facility="13"),  # the same record twice
    poi("22", "RANDALLS ISLAND PARK", -73.9212, 40.7932),
    poi("22", "WARDS ISLAND", -73.9290, 40.7880),  # one place id, two different records
    poi("23", "GRACE CHURCH", -73.9912, 40.7322, facility="9", complexid="701"),
    poi("24", "GRACE CHURCH", -73.9915, 40.7324, facility="9", complexid="702"),  # 35 m away: the same place
    poi("25", "FLUSHING", -73.8330, 40.7630, borough="4"),
    poi("26", "FLUSHING", -73.8335, 40.7633, borough="4"),  # close to 25 ...
    poi("27", "FLUSHING", -73.9113, 40.7167, borough="4"),  # ... but 7 km from this one: three ambiguous records
    poi("28", "BROOKLYN HEIGHTS PROMENADE", -73.9976, 40.6963, borough="3", modified="yesterday"),
]
KEPT = {"1", "2", "4", "5", "7", "10", "19", "21", "23", "28"}
DROPS = {
    "missing_placeid": 1,
    "repeated_placeid": 1,
    "conflicting_placeid": 2,
    "missing_geometry": 1,
    "malformed_geometry": 2,
    "outside_nyc_extent": 2,
    "missing_name": 1,
    "unknown_borough_code": 1,
    "missing_borough": 1,
    "duplicate_name_same_place": 3,
    "duplicate_name_ambiguous": 5,
}


def sources_for(base_url: str, cache: Path) -> Sources:
    return Sources(None, None, DEFAULT_WINDOW, {"mode": "test"}, soda=SodaClient(base_url, cache_dir=cache / "soda"))


def build(rows: list[dict], out: Path, cache: Path) -> tuple[pd.DataFrame, dict, SodaEmulator]:
    with SodaEmulator({POINTS_OF_INTEREST: rows}) as server:
        folder = nyc_places.build(sources_for(server.base_url, cache), out)
    return read(folder) + (server,)


def read(folder: Path) -> tuple[pd.DataFrame, dict]:
    return pd.read_parquet(folder / "data.parquet"), json.loads((folder / "metadata.json").read_text())


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("nyc")
    return build(FIXTURE, root / "out", root / "cache")


# ------------------------------------------------------------------------------------------------ rules


def test_rules_keep_and_drop_the_right_records(built):
    df, meta, _ = built
    assert set(df["entity_id"]) == KEPT
    assert meta["drops"]["counts"] == DROPS
    assert meta["steps"][0]["rows_in"] == len(FIXTURE) == len(KEPT) + sum(DROPS.values())
    examples = meta["drops"]["examples"]
    assert examples["duplicate_name_same_place"] == ["3", "6", "24"]  # the lowest place id of each place stays
    assert sorted(examples["duplicate_name_ambiguous"]) == ["25", "26", "27", "8", "9"]
    assert sorted(examples["outside_nyc_extent"]) == ["14", "15"]


def test_columns_names_and_codes(built):
    df, meta, _ = built
    row = df.set_index("entity_id")
    assert row.loc["2", "name"] == "St. John's University" and row.loc["2", "source_name"] == "ST. JOHN'S UNIVERSITY"
    assert row.loc["10", "name"] == "PS 123 Mahalia Jackson"
    assert (row.loc["1", "latitude"], row.loc["1", "longitude"]) == (40.7484, -73.9857)  # GeoJSON [lon, lat] read right
    assert row.loc["4", "borough"] == "Staten Island" and row.loc["4", "borough_code"] == 5
    assert row.loc["7", "facility_type"] == "Cultural Facility" and row.loc["7", "complex_id"] == 444
    assert pd.isna(row.loc["1", "complex_id"])  # complexid 0: no complex
    assert pd.isna(row.loc["19", "facility_type"]) and row.loc["19", "facility_type_code"] == 14
    assert meta["unmapped_codes"] == {"facility_type:14": 1}
    assert pd.isna(row.loc["28", "modified"]) and meta["field_problems"] == {"modified_malformed": 1}
    assert str(row.loc["28", "created"]) == "2009-05-14"
    assert list(df.columns) == nyc_places.SPEC.schema.names
    assert set(df["borough"]) <= set(nyc_places.BOROUGHS.values())


def test_split_is_grouped_by_complex_and_stable(built, tmp_path):
    df, _, _ = built
    row = df.set_index("entity_id")
    assert row.loc["5", "split_group"] == row.loc["7", "split_group"] == "complex:444"
    assert row.loc["5", "split"] == row.loc["7", "split"] == split_of("complex:444", "nyc_places")
    assert row.loc["1", "split"] == split_of("place:1", "nyc_places")
    # The same entities in another order, with others missing, land on the same side.
    shuffled = [r for r in FIXTURE if r.get("placeid") not in {"10", "23"}]
    random.Random(7).shuffle(shuffled)
    again, _, _ = build(shuffled, tmp_path / "out", tmp_path / "cache")
    other = again.set_index("entity_id")["split"]
    common = other.index.intersection(row.index)
    assert len(common) >= 7 and (other[common] == row.loc[common, "split"]).all()


def test_metadata_records_provenance_and_the_missing_pageview_filter(built):
    _, meta, server = built
    soda = meta["sources"]["soda"]
    assert soda["dataset"] == "rxuy-2muj" and soda["query"] == {"$order": ":id", "$select": ":*, *"}
    assert soda["rows"] == len(FIXTURE) and soda["requests"] == soda["pages"] + 1 == len(server.requests)
    assert all(r.params["$order"] == ":id" and r.params["$select"] == ":*, *" for r in server.requests)
    assert "no Wikipedia pages" in meta["pageview_filter"]
    assert meta["code_maps"]["borough"]["3"] == "Brooklyn"
    assert meta["code_maps"]["facility_type"]["8"] == "Government Facility (non public safety)"
    assert meta["target"] == ["latitude", "longitude"]


def test_a_rebuild_reads_the_cache_and_survives_faults(tmp_path):
    cache = tmp_path / "cache"
    with SodaEmulator({POINTS_OF_INTEREST: FIXTURE}) as server:
        with FaultProxy(server.resource_url(POINTS_OF_INTEREST)) as proxy:
            proxy.plan("429:0", "429:0")
            first = nyc_places.build(sources_for(proxy.url, cache), tmp_path / "a")
        served = len(server.requests)
        second = nyc_places.build(sources_for(proxy.url, cache), tmp_path / "b")  # the proxy is gone: cache only
        assert len(server.requests) == served
    assert (first / "data.parquet").read_bytes() == (second / "data.parquet").read_bytes()


# ------------------------------------------------------------------------------------------------ helpers


@pytest.mark.parametrize(
    "source, readable",
    [
        ("ST. JOHN'S UNIVERSITY", "St. John's University"),
        ("PS 123", "PS 123"),
        ("IS 318 EUGENIO MARIA DE HOSTOS", "IS 318 Eugenio Maria de Hostos"),
        ("THIS IS IT", "This Is It"),
        ("CHURCH OF GOD OF PROPHECY RUTLAND RD", "Church of God of Prophecy Rutland Rd"),
        ("THE DAKOTA", "The Dakota"),
        ("MCCARREN PARK", "McCarren Park"),
        ("O'NEILL PLAYGROUND", "O'Neill Playground"),
        ("A PHILIP RANDOLPH CAMPUS HIGH SCHOOL", "A Philip Randolph Campus High School"),
        ("JOHN F. KENNEDY INTERNATIONAL AIRPORT", "John F. Kennedy International Airport"),
        ("LAGUARDIA AIRPORT", "LaGuardia Airport"),
        ("65 ST YARD", "65 St Yard"),
        ("1ST AVENUE PLAYGROUND", "1st Avenue Playground"),
        ("UNITY PLAZA SITES 4-27 BUILDING 2", "Unity Plaza Sites 4-27 Building 2"),
        ("NEWYORK-PRESBYTERIAN/WEILL CORNELL MEDICAL CENTER", "NewYork-Presbyterian/Weill Cornell Medical Center"),
        ("FDNY ENGINE 54 / LADDER 4", "FDNY Engine 54 / Ladder 4"),
        ("U.S. CUSTOM HOUSE", "U.S. Custom House"),
        ("PS/IS 187 HUDSON CLIFFS", "PS/IS 187 Hudson Cliffs"),
        ("KARMA HOOKAH BAR & LOUNGE", "Karma Hookah Bar & Lounge"),
        ("AT&T BUILDING", "AT&T Building"),
        ("CO-OP CITY", "Co-op City"),
        ("HELL'S KITCHEN PARK (WEST)", "Hell's Kitchen Park (West)"),
    ],
)
def test_prompt_names(source, readable):
    assert prompt_name(source) == readable


def test_name_key_ignores_punctuation_case_and_accents():
    assert name_key("ST. JOHN'S UNIVERSITY") == name_key("St Johns  University") == "st johns university"
    assert name_key("CAFÉ") == name_key("Cafe")
    assert name_key("PS 12") != name_key("PS 123")


@pytest.mark.parametrize(
    "geom, expected",
    [
        ({"type": "Point", "coordinates": [-73.9857, 40.7484]}, (40.7484, -73.9857, None)),
        ({"type": "Point", "coordinates": ["-73.9857", "40.7484"]}, (40.7484, -73.9857, None)),
        (None, (None, None, "missing")),
        ("POINT (-73.9857 40.7484)", (None, None, "malformed")),
        ({"type": "MultiPoint", "coordinates": [[-73.9, 40.7]]}, (None, None, "malformed")),
        ({"type": "Point", "coordinates": [-73.9857]}, (None, None, "malformed")),
        ({"type": "Point", "coordinates": [True, 40.7]}, (None, None, "malformed")),
        ({"type": "Point", "coordinates": [float("nan"), 40.7]}, (None, None, "malformed")),
    ],
)
def test_parse_point(geom, expected):
    lat, lon, problem = parse_point(geom)
    assert problem == expected[2]
    if problem is None:
        assert (lat, lon) == expected[:2]


def test_haversine_takes_latitude_first():
    empire_state, brooklyn_bridge = (40.7484, -73.9857), (40.7061, -73.9969)
    assert haversine_m(*empire_state, *brooklyn_bridge) == pytest.approx(4_800, rel=0.02)
    # Fed (lon, lat) it measures something else: the defect of the original metric code.
    swapped = haversine_m(empire_state[1], empire_state[0], brooklyn_bridge[1], brooklyn_bridge[0])
    assert abs(swapped - 4_800) > 500


# ------------------------------------------------------------------------------------------------ bundled sample


def sample_rows() -> list[dict]:
    folder = SAMPLE_DIR / "soda" / POINTS_OF_INTEREST
    return [row for path in sorted(folder.glob("*.json.gz")) for row in json.loads(gzip.decompress(path.read_bytes()))]


def test_sample_rows_are_in_the_service_format():
    rows = sample_rows()
    assert len(rows) >= 300
    assert all(isinstance(r.get("borough", ""), str) and isinstance(r.get("placeid"), str) for r in rows)
    empire = next(r for r in rows if r.get("name") == "EMPIRE STATE BUILDING")
    assert empire["the_geom"] == {"type": "Point", "coordinates": [-73.9857, 40.7484]}
    assert all(r["source"] == "SAMPLE" for r in rows)  # every row says it is a sample
    assert [r[":id"] for r in rows] == sorted(r[":id"] for r in rows)


def test_end_to_end_from_the_bundled_sample(tmp_path):
    df, meta = read(build_from_sample(nyc_places.build, tmp_path))
    assert len(df) >= 300 and meta["rows"] == len(df)
    assert meta["drops"]["counts"] == {
        "conflicting_placeid": 2,
        "duplicate_name_ambiguous": 10,
        "duplicate_name_same_place": 3,
        "malformed_geometry": 1,
        "missing_borough": 1,
        "missing_geometry": 1,
        "missing_name": 1,
        "outside_nyc_extent": 3,
        "repeated_placeid": 1,
        "unknown_borough_code": 1,
    }
    assert meta["sources"]["soda"]["source"].startswith("bundled-sample:soda:")
    assert df["latitude"].between(40.4774, 40.9176).all() and df["longitude"].between(-74.2591, -73.7004).all()
    names = df.groupby("name")["borough"].agg(set)
    assert names["St. John's University"] == {"Queens", "Staten Island"}
    assert names["Hell's Kitchen"] == {"Manhattan"} and "86 St" not in names
    assert 0.1 < (df["split"] == "test").mean() < 0.3
    assert df.groupby("split_group")["split"].nunique().max() == 1


def test_build_command_takes_a_soda_url(tmp_path):
    """`spacetime build nyc_places --soda-url URL`: the live code path, pointed at another SODA server."""
    from click.testing import CliRunner

    from spacetime.cli import main
    from spacetime.pipelines.sample import soda_dir
    from spacetime.pipelines.servers.soda import SodaEmulator

    with SodaEmulator.from_folder(soda_dir()) as emulator:
        url = emulator.base_url
        result = CliRunner().invoke(main, ["build", "nyc_places", "--soda-url", url, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "build" / "nyc_places" / "metadata.json").read_text())
    assert meta["rows"] > 300 and meta["sources"]["mode"] == "live"
    assert url in json.dumps(meta["sources"])
