"""nyc_places: NYC Open Data "Points of Interest" (dataset rxuy-2muj) through the SODA API.

Target: latitude, longitude. One row per point of interest (the source's ``placeid``). Rules, in order: a place id,
one record per place id, a GeoJSON point inside the five boroughs' extent, a name, a known borough code; then a
readable name for prompts beside the source's UPPERCASE one, and names shared within a borough resolved (one place
recorded twice is kept once, different places that share a name are dropped as ambiguous). The split is grouped by
building complex. There is no pageview filter: these places have no Wikipedia pages.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from spacetime.pipelines.builders.graph import component_labels
from spacetime.pipelines.builders.steps import TEST_SHARE, Build, Step, named
from spacetime.pipelines.datasets.nyc_places.spec import SPEC
from spacetime.pipelines.sources import Sources
from spacetime.pipelines.sources.soda import POINTS_OF_INTEREST, SodaQuery

# System fields too (":id" among them), so that a row handed out twice by an unstable order is caught.
QUERY = SodaQuery(dataset=POINTS_OF_INTEREST, order=":id", select=":*, *")

# Declared once: the codes of the dataset's data dictionary and their names.
# The borough codes 1..5 name the spec's borough class labels, in order.
BOROUGHS: dict[str, str] = {str(code): name for code, name in enumerate(SPEC.class_labels["borough"], start=1)}
FACILITY_TYPES: dict[str, str] = {
    "1": "Residential",
    "2": "Education Facility",
    "3": "Cultural Facility",
    "4": "Recreational Facility",
    "5": "Social Services",
    "6": "Transportation Facility",
    "7": "Commercial",
    "8": "Government Facility (non public safety)",
    "9": "Religious Institution",
    "10": "Health Services",
    "11": "Public Safety",
    "12": "Water",
    "13": "Miscellaneous",
}
NO_COMPLEX = {"", "0"}  # complexid 0 means the place belongs to no complex


@dataclass(frozen=True)
class NycPlacesConfig:
    duplicate_distance_m: float = 100.0  # two records of one name in one borough closer than this are one place
    lat_min: float = SPEC.range_of("latitude")[0]  # the five boroughs' extent
    lat_max: float = SPEC.range_of("latitude")[1]
    lon_min: float = SPEC.range_of("longitude")[0]
    lon_max: float = SPEC.range_of("longitude")[1]
    test_share: float = TEST_SHARE


def build(sources: Sources, out_dir: Path, config: NycPlacesConfig = NycPlacesConfig()) -> Path:
    run = Build(SPEC, sources)
    result = sources.client("soda").fetch_all(QUERY)
    run.provenance["soda"] = result.provenance
    frame, notes = places_frame(result.rows)

    def one_record_per_place(df: pd.DataFrame) -> pd.DataFrame:
        df = run.drop(df, df["entity_id"].isna(), "missing_placeid")
        repeated, conflicting = _repeated_place_ids(df)
        df = run.drop(df, repeated, "repeated_placeid")
        return run.drop(df, conflicting[~repeated].to_numpy(), "conflicting_placeid")

    def point_geometry(df: pd.DataFrame) -> pd.DataFrame:
        df = run.drop(df, df["geometry_problem"] == "missing", "missing_geometry")
        return run.drop(df, df["geometry_problem"] == "malformed", "malformed_geometry")

    def known_borough(df: pd.DataFrame) -> pd.DataFrame:
        df = run.drop(df, df["borough_code_text"].isna(), "missing_borough")
        return run.drop(df, ~df["borough_code_text"].isin(list(BOROUGHS)), "unknown_borough_code")

    def readable_names(df: pd.DataFrame) -> pd.DataFrame:
        return df.assign(name=df["source_name"].map(prompt_name))

    frame = run.run(
        frame,
        [
            one_record_per_place,
            point_geometry,
            run.within("latitude", config.lat_min, config.lat_max, "outside_nyc_extent"),
            run.within("longitude", config.lon_min, config.lon_max, "outside_nyc_extent"),
            run.require("source_name", "missing_name"),
            known_borough,
            readable_names,
            duplicate_names(run, config.duplicate_distance_m),
            run.split(config.test_share),
        ],
    )
    frame = _typed(frame)
    return run.write(
        frame,
        out_dir,
        query_rows=len(result.rows),
        parameters=asdict(config),
        pageview_filter=(
            "none: the NYC Points of Interest have no Wikipedia pages, so no pageview filter applies "
            "and the pageview window below is not used"
        ),
        code_maps={"borough": BOROUGHS, "facility_type": FACILITY_TYPES},
        unmapped_codes=_unmapped_facility_types(frame),
        field_problems=notes,
    )


# --------------------------------------------------------------------------------------------------------------------
# Rows to a frame
# --------------------------------------------------------------------------------------------------------------------


def places_frame(rows: list[dict[str, Any]]) -> tuple[pd.DataFrame, dict[str, int]]:
    """One row per SODA record, with its geometry parsed; also counts of fields that did not parse (kept as null)."""
    notes: Counter = Counter()
    records = []
    for row in rows:
        lat, lon, problem = parse_point(row.get("the_geom"))
        record = {
            "entity_id": _place_id(row.get("placeid")),
            "source_name": _text(row.get("name")),
            "latitude": lat,
            "longitude": lon,
            "geometry_problem": problem,
            "borough_code_text": _code(row.get("borough")),
            "facility_type_code_text": _code(row.get("facility_t")),
            "facility_domain_code_text": _code(row.get("faci_dom")),
            "complex_text": _code(row.get("complexid")),
            "agency": _text(row.get("source")),
            "saftype": _text(row.get("saftype")),
            "sos": _text(row.get("sos")),
            "bin": _text(row.get("bin")),
            "segment_id": _text(row.get("segmentid")),
            "b7sc": _text(row.get("b7sc", row.get("b7_sc"))),
            "pri_add": _text(row.get("pri_add")),
            "created": _date(row.get("created"), "created", notes),
            "modified": _date(row.get("modified"), "modified", notes),
        }
        for column in ("facility_type_code_text", "facility_domain_code_text", "complex_text"):
            if record[column] is not None and not record[column].isdigit():
                notes[f"{column.removesuffix('_text')}_not_a_number"] += 1
        records.append(record)
    frame = pd.DataFrame.from_records(records, columns=list(_EMPTY_RECORD))
    frame["split_group"] = [
        f"complex:{int(c)}" if c is not None and c.isdigit() and c.lstrip("0") else f"place:{p}"
        for c, p in zip(frame["complex_text"], frame["entity_id"])
    ]
    return frame, dict(sorted(notes.items()))


_EMPTY_RECORD = dict.fromkeys(
    [
        "entity_id",
        "source_name",
        "latitude",
        "longitude",
        "geometry_problem",
        "borough_code_text",
        "facility_type_code_text",
        "facility_domain_code_text",
        "complex_text",
        "agency",
        "saftype",
        "sos",
        "bin",
        "segment_id",
        "b7sc",
        "pri_add",
        "created",
        "modified",
    ]
)


def parse_point(geom: Any) -> tuple[float, float, str | None]:
    """(latitude, longitude, problem) from a GeoJSON Point, whose coordinates are [longitude, latitude].

    ``problem`` is "missing" (no geometry) or "malformed" (not a Point with two finite numbers); None when parsed.
    """
    if geom is None:
        return math.nan, math.nan, "missing"
    if not isinstance(geom, dict) or geom.get("type") != "Point":
        return math.nan, math.nan, "malformed"
    coords = geom.get("coordinates")
    if not isinstance(coords, (list, tuple)) or len(coords) != 2:
        return math.nan, math.nan, "malformed"
    try:
        lon, lat = (float(c) for c in coords if not isinstance(c, bool))
    except (TypeError, ValueError):
        return math.nan, math.nan, "malformed"
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return math.nan, math.nan, "malformed"
    return lat, lon, None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _code(value: Any) -> str | None:
    """A code as text without leading zeros or a decimal tail ("04", "4.0" -> "4"); SODA sends numbers as strings."""
    text = _text(value)
    if text is None:
        return None
    if re.fullmatch(r"\d+(\.0+)?", text):
        return str(int(float(text)))
    return text


def _place_id(value: Any) -> str | None:
    code = _code(value)
    return code if code is not None and code.isdigit() else None


def _date(value: Any, field: str, notes: Counter) -> date | None:
    """A SODA floating timestamp ("2009-05-14T00:00:00.000") or ISO date, as a date; others are counted."""
    text = _text(value)
    if text is None:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        notes[f"{field}_malformed"] += 1
        return None


def _repeated_place_ids(df: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Records after the first of a place id that agree with it (name and point), and all records of a place id whose
    records disagree."""
    key = df["entity_id"]
    signature = (
        df["source_name"].astype(str)
        + "|"
        + df["latitude"].round(6).astype(str)
        + "|"
        + df["longitude"].round(6).astype(str)
    )
    shared = key.duplicated(keep=False)
    disagree = shared & signature.groupby(key).transform("nunique").gt(1)
    repeated = shared & ~disagree & key.duplicated(keep="first")
    return repeated, disagree


def _unmapped_facility_types(df: pd.DataFrame) -> dict[str, int]:
    """Kept places whose facility type has no name: their code (or "missing"), counted."""
    codes = Counter(c if c is not None else "missing" for c in df["facility_type_code_text"] if c not in FACILITY_TYPES)
    return {f"facility_type:{code}": n for code, n in sorted(codes.items())}


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    def as_int(column: str) -> pd.Series:
        return pd.to_numeric(
            df[column].where(df[column].map(lambda c: isinstance(c, str) and c.isdigit())), errors="coerce"
        ).astype("Int64")

    complex_id = as_int("complex_text")
    return df.assign(
        borough=df["borough_code_text"].map(BOROUGHS),
        borough_code=as_int("borough_code_text"),
        facility_type=df["facility_type_code_text"].map(FACILITY_TYPES),
        facility_type_code=as_int("facility_type_code_text"),
        facility_domain_code=as_int("facility_domain_code_text"),
        complex_id=complex_id.where(complex_id != 0),
    )


# --------------------------------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------------------------------

SMALL_WORDS = {"an", "and", "as", "at", "by", "de", "del", "for", "in", "la", "of", "on", "or", "the", "to"}
ACRONYMS = {
    "PS",
    "MS",
    "JHS",
    "HS",
    "NYC",
    "NY",
    "NYS",
    "NYPD",
    "FDNY",
    "NYCHA",
    "CUNY",
    "SUNY",
    "USTA",
    "YMCA",
    "YWCA",
    "YMHA",
    "YWHA",
    "US",
    "USA",
    "EMS",
    "DSNY",
    "MTA",
    "LIRR",
    "JFK",
    "NYU",
    "CCNY",
    "LIU",
    "ROTC",
    "DOE",
    "DOT",
    "DEP",
    "DPR",
    "HRA",
    "ACS",
    "HPD",
    "MLK",
    "UN",
    "TV",
    "IRT",
    "BMT",
    "IND",
    "AIDS",
    "HIV",
    "PAL",
    "SRO",
    "USPS",
    "VA",
    "LGBT",
    "NAACP",
    "II",
    "III",
    "IV",
    "VI",
    "VII",
    "VIII",
    "IX",
    "XI",
    "XII",
    "LLC",
}
ABBREVIATIONS = {
    "ST": "St",
    "STS": "Sts",
    "AVE": "Ave",
    "AV": "Av",
    "BLVD": "Blvd",
    "RD": "Rd",
    "DR": "Dr",
    "PL": "Pl",
    "PKWY": "Pkwy",
    "HWY": "Hwy",
    "EXPWY": "Expwy",
    "MT": "Mt",
    "FT": "Ft",
    "JR": "Jr",
    "SR": "Sr",
    "CTR": "Ctr",
    "SQ": "Sq",
    "BKLYN": "Bklyn",
    "HOSP": "Hosp",
    "LN": "Ln",
    "CT": "Ct",
    "BLDG": "Bldg",
    "DEPT": "Dept",
    "MR": "Mr",
    "MRS": "Mrs",
    "DRS": "Drs",
    "BRS": "Brs",
    "BROS": "Bros",
}
SPECIAL_WORDS = {"LAGUARDIA": "LaGuardia", "DEKALB": "DeKalb", "NEWYORK": "NewYork", "CO-OP": "Co-op"}
CONTRACTIONS = {"S", "T", "D", "LL", "RE", "VE", "M"}  # lower case after an apostrophe: John's, Don't
_ORDINAL = re.compile(r"^(\d+)(ST|ND|RD|TH)$", re.IGNORECASE)
_INITIALS = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]?$")
_VOWELS = set("AEIOUY")


def prompt_name(source: str) -> str:
    """A readable name from the source's UPPERCASE one: title case that keeps acronyms, numbers and small words sane.

    "ST. JOHN'S UNIVERSITY" -> "St. John's University"; "PS 123" -> "PS 123"; "IS 318 EUGENIO MARIA DE HOSTOS" ->
    "IS 318 Eugenio Maria de Hostos"; "MCCARREN PARK" -> "McCarren Park".
    """
    words = source.split()
    out = []
    for i, word in enumerate(words):
        following = words[i + 1] if i + 1 < len(words) else ""
        out.append(_word(word, first=i == 0, before_number=following[:1].isdigit()))
    return " ".join(out)


def _word(token: str, first: bool, before_number: bool) -> str:
    lead = re.match(r"^[^\w]*", token).group(0)
    trail = re.search(r"[^\w.]*$", token).group(0) if token else ""
    core = token[len(lead) : len(token) - len(trail)] if trail else token[len(lead) :]
    if not core:
        return token
    first = first or lead.endswith("(")
    return lead + _core(core, first, before_number) + trail


def _core(core: str, first: bool, before_number: bool) -> str:
    if _INITIALS.match(core):
        return core.upper()  # U.S., A.M.E.
    dotted = core.endswith(".")
    stem = core.rstrip(".")
    if stem.upper() in SPECIAL_WORDS:
        return SPECIAL_WORDS[stem.upper()] + ("." if dotted else "")
    if "-" in stem or "/" in stem:
        parts = re.split(r"([-/])", stem)
        cased = [p if p in "-/" else _core(p, first and j == 0, before_number) for j, p in enumerate(parts)]
        return "".join(cased) + ("." if dotted else "")
    return _plain(stem, first, before_number) + ("." if dotted else "")


def _plain(word: str, first: bool, before_number: bool) -> str:
    upper = word.upper()
    if not word or any(ch.isdigit() for ch in word):
        match = _ORDINAL.match(word)
        return f"{match.group(1)}{match.group(2).lower()}" if match else upper
    if "&" in word:
        return upper  # AT&T, A&P
    if "'" in word or "\u2019" in word:
        parts = re.split(r"(['\u2019])", word)
        cased = [parts[0][:1].upper() + parts[0][1:].lower()]
        for j in range(1, len(parts), 2):
            piece = parts[j + 1]
            rest = piece.lower() if piece.upper() in CONTRACTIONS else piece[:1].upper() + piece[1:].lower()
            cased += [parts[j], rest]
        return "".join(cased)
    if upper in SPECIAL_WORDS:
        return SPECIAL_WORDS[upper]
    if upper in ABBREVIATIONS:
        return ABBREVIATIONS[upper]
    if upper in ACRONYMS or (upper == "IS" and before_number):
        return upper
    if 2 <= len(word) <= 5 and word.isalpha() and not (set(upper) & _VOWELS):
        return upper  # no vowel at all: an acronym (DCP, BX)
    if len(word) == 1:
        return upper  # initials: "John F Kennedy"
    if not first and word.lower() in SMALL_WORDS:
        return word.lower()
    if upper.startswith("MC") and len(word) > 3:
        return "Mc" + word[2].upper() + word[3:].lower()
    return word[:1].upper() + word[1:].lower()


def name_key(name: str) -> str:
    """The normalised form two records must share to count as one name: accents, case, apostrophes and other
    punctuation ignored ("ST. JOHN'S" and "St Johns" match)."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"['\u2019]", "", text)
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


# --------------------------------------------------------------------------------------------------------------------
# Names shared within a borough
# --------------------------------------------------------------------------------------------------------------------


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between (lat1, lon1) and (lat2, lon2): latitude first."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(a)))


def same_place_clusters(records: list[dict[str, Any]], distance_m: float) -> list[int]:
    """A cluster number per record: records of one complex, or within ``distance_m`` of each other, join one cluster
    (transitively)."""

    def same_place(a: dict[str, Any], b: dict[str, Any]) -> bool:
        same_complex = a["complex"] is not None and a["complex"] == b["complex"]
        return same_complex or haversine_m(a["lat"], a["lon"], b["lat"], b["lon"]) <= distance_m

    n = len(records)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n) if same_place(records[i], records[j])]
    return component_labels(n, pairs).tolist()


def duplicate_names(run: Build, distance_m: float) -> Step:
    """Records sharing a normalised name in one borough: one place recorded several times (same complex, or within
    ``distance_m``) keeps the record with the lowest place id; several places sharing the name are all dropped."""

    def step(df: pd.DataFrame) -> pd.DataFrame:
        keys = df["borough_code_text"].astype(str) + "|" + df["source_name"].map(name_key)
        repeat = np.zeros(len(df), dtype=bool)
        ambiguous = np.zeros(len(df), dtype=bool)
        for _, index in df.groupby(keys, sort=True).groups.items():
            if len(index) < 2:
                continue
            group = df.loc[index]
            records = [
                {"complex": c if c not in NO_COMPLEX and c is not None else None, "lat": la, "lon": lo}
                for c, la, lo in zip(group["complex_text"], group["latitude"], group["longitude"])
            ]
            positions = df.index.get_indexer(index)
            if len(set(same_place_clusters(records, distance_m))) > 1:
                ambiguous[positions] = True
            else:
                keep = int(np.argmin(group["entity_id"].astype("int64").to_numpy()))
                repeat[np.delete(positions, keep)] = True
        df = run.drop(df, repeat, "duplicate_name_same_place")
        return run.drop(df, ambiguous[~repeat], "duplicate_name_ambiguous")

    return named("resolve_duplicate_names", step)
