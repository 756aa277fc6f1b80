"""historical_figures: people with a death date or death year, died 1000 BCE .. 2000 CE, chosen by pageviews.

Target: ``death_year``. One row per DBpedia person (one Wikipedia page). Rules, in order: a readable death date or
year, deathDate and deathYear in agreement, death year within [-1000, 2000], an English label, an occupation or a
person type more specific than dbo:Person, born no later than died, more than ``min_views`` pageviews, and then the
``top_per_decade`` most viewed people of each death decade (ties by title). The original took "the first 350 rows
per decade in file order", which depends on how the endpoint happens to order rows; this keeps the most viewed, so
the choice is stable and every decade with any qualifying person is represented. Per-decade counts (candidates after
the pageview filter, and kept) go into the metadata.

Year numbering (BCE). DBpedia writes xsd:date / xsd:gYear with a leading minus for BCE years. XML Schema 1.1 and
ISO 8601 read those years astronomically: ``0000`` is 1 BCE and ``-0043-03-15`` is 15 March 44 BCE (the death of
Julius Caesar). That is the default here (``literal_years="astronomical"``); ``"historical"`` reads them as XML
Schema 1.0 did (no year 0, ``-0044`` is 44 BCE, and a year-0 literal is malformed). Whatever the input convention:

- ``death_year`` and ``birth_year`` use HISTORICAL numbering, with no year 0: 44 BCE is -44, 1 BCE is -1, 1 CE is 1;
- ``death_decade`` is ``floor(death_year / 10) * 10`` (-44 is in decade -50; decade 0 holds 1..9 CE, decade -10
  holds 10..1 BCE);
- ``death_date`` is ISO 8601 with ASTRONOMICAL years, as DBpedia and XML Schema 1.1 write it: ``-0043-03-15``.

deathDate and deathYear: a person may have several of each (calendar reforms, sources that disagree). Their years
must agree to within ``year_tolerance`` years (1 by default: Julian/Gregorian and Old Style year starts); then the
earliest full date gives the death year and date, or, with no full date, the smallest death year. Further apart, the
person is dropped as ``conflicting_death_dates``. Birth years follow the same rule, but a birth year that conflicts
or is malformed only becomes null (counted in the metadata under ``birth_year_nulls``), since it is not the target.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from spacetime.pipelines.builders.dbpedia import (
    ONTOLOGY,
    Ontology,
    bindings_frame,
    local_name,
    present,
    resources_only,
    title_or_none,
    types_query,
)
from spacetime.pipelines.builders.steps import TEST_SHARE, Build
from spacetime.pipelines.datasets.historical_figures.spec import SPEC
from spacetime.pipelines.sources import Sources
from spacetime.pipelines.sources.sparql import HistoricalDate, PagedQuery, RangeSplit

PERSON = ONTOLOGY + "Person"

# Persons with a death date or year; every other query joins on the same pattern.
_DEATH_UNION = "{ ?person dbo:deathDate ?deathDate } UNION { ?person dbo:deathYear ?deathYear }"
_DIED = f"""  ?person a dbo:Person .
  {_DEATH_UNION}"""
# Each branch is fetched by ranges of its own value, which the store's index answers (years as XSD writes them).
_DEATH_SPLITS = {
    "?person dbo:deathDate ?deathDate .": RangeSplit("deathDate", 1, 2041, datatype="date"),
    "?person dbo:deathYear ?deathYear .": RangeSplit("deathYear", 1, 2041, datatype="gYear"),
}

DEATHS = PagedQuery(
    name="historical_figures.deaths",
    select="DISTINCT ?person ?label ?deathDate ?deathYear ?birthDate ?birthYear",
    where=f"""{_DIED}
  OPTIONAL {{ ?person rdfs:label ?label . FILTER(LANGMATCHES(LANG(?label), "en")) }}
  OPTIONAL {{ ?person dbo:birthDate ?birthDate }}
  OPTIONAL {{ ?person dbo:birthYear ?birthYear }}""",
    key="person",
).split_union(_DEATH_UNION, _DEATH_SPLITS)

OCCUPATIONS = PagedQuery(
    name="historical_figures.occupations",
    select="DISTINCT ?person ?occupation ?occupationLabel",
    where=f"""{_DIED}
  ?person dbo:occupation ?occupation .
  OPTIONAL {{ ?occupation rdfs:label ?occupationLabel . FILTER(LANGMATCHES(LANG(?occupationLabel), "en")) }}""",
    key="person",
).split_union(_DEATH_UNION, _DEATH_SPLITS)

TYPES = types_query("historical_figures.types", _DIED, "person").split_union(_DEATH_UNION, _DEATH_SPLITS)

DEATH_COLUMNS = {
    "person": "dbpedia_uri",
    "label": "name",
    "deathDate": "death_date_value",
    "deathYear": "death_year_value",
    "birthDate": "birth_date_value",
    "birthYear": "birth_year_value",
}

YEAR_NUMBERINGS = ("astronomical", "historical")


@dataclass(frozen=True)
class HistoricalFiguresConfig:
    first_year: int = SPEC.range_of("death_year")[0]  # death years kept, historical numbering, both ends included
    last_year: int = SPEC.range_of("death_year")[1]
    min_views: int = 5_000  # keep people with MORE than this many views over the window (as the paper)
    top_per_decade: int = 350  # then the N most viewed per death decade (ties by title)
    year_tolerance: int = 1  # deathDate and deathYear years further apart than this conflict
    literal_years: str = "astronomical"  # how BCE literals are read; see the module docstring
    test_share: float = TEST_SHARE

    def __post_init__(self) -> None:
        if self.literal_years not in YEAR_NUMBERINGS:
            raise ValueError(f"literal_years must be one of {YEAR_NUMBERINGS}, not {self.literal_years!r}")
        if self.top_per_decade < 1:
            raise ValueError("top_per_decade must be at least 1")


# -- years -------------------------------------------------------------------------------------------------------------


def historical_year(literal_year: int, numbering: str = "astronomical") -> int | None:
    """The historical year (no year 0, 44 BCE = -44) of a year as written in a literal; None if it cannot be one."""
    if literal_year > 0:
        return literal_year
    if numbering == "astronomical":
        return literal_year - 1  # 0000 -> -1 (1 BCE), -0043 -> -44
    return literal_year if literal_year < 0 else None  # XML Schema 1.0 has no year 0


def astronomical_year(year: int) -> int:
    """The ISO 8601 year of a historical year: -44 -> -43, -1 -> 0."""
    return year + 1 if year < 0 else year


def decade_of(year: int) -> int:
    return math.floor(year / 10) * 10


def iso_date(year: int, month: int | None, day: int | None) -> str:
    """ISO 8601 text of a date given with a historical year (written with the astronomical year)."""
    return HistoricalDate(astronomical_year(year), month, day).isoformat()


@dataclass(frozen=True)
class Resolved:
    """One year out of a person's date and year literals, or why there is none."""

    year: int | None = None
    date: str | None = None  # ISO 8601 of the chosen full date
    problem: str | None = None  # "malformed" | "conflicting" | "missing"


def resolve_year(
    dates: Iterable[Any], years: Iterable[Any], malformed: bool, numbering: str, tolerance: int
) -> Resolved:
    """The year (and the date, when one is known) that a person's date and year literals agree on.

    ``dates`` holds parsed xsd:date values (:class:`HistoricalDate`), ``years`` parsed xsd:gYear values (int);
    ``malformed`` says whether any literal failed to parse. The years must lie within ``tolerance`` of each other;
    then the earliest full date wins, else the smallest year.
    """
    full: list[tuple[int, int, int]] = []
    candidates: list[int] = []
    for value in dates:
        if isinstance(value, HistoricalDate):
            year = historical_year(value.year, numbering)
            if year is None:
                malformed = True
            elif value.month is not None and value.day is not None:
                full.append((year, value.month, value.day))
                candidates.append(year)
            else:
                candidates.append(year)
        else:  # a literal of another datatype: not a date we can read
            malformed = True
    for value in years:
        year = historical_year(value, numbering) if isinstance(value, int) else None
        if year is None:
            malformed = True
        else:
            candidates.append(year)
    if not candidates:
        return Resolved(problem="malformed" if malformed else "missing")
    if max(candidates) - min(candidates) > tolerance:
        return Resolved(problem="conflicting")
    if full:
        year, month, day = min(full)
        return Resolved(year=year, date=iso_date(year, month, day))
    return Resolved(year=min(candidates))


# -- build -------------------------------------------------------------------------------------------------------------


def build(sources: Sources, out_dir: Path, config: HistoricalFiguresConfig = HistoricalFiguresConfig()) -> Path:
    run = Build(SPEC, sources)
    deaths = run.select_all(DEATHS)
    occupations = _occupations_by_person(run.select_all(OCCUPATIONS).rows)
    type_sets = _types_by_person(run.select_all(TYPES).rows)
    ontology = Ontology.fetch(run)
    birth_nulls: Counter = Counter()
    per_decade: list[dict[str, int]] = []

    def readable_death(df: pd.DataFrame) -> pd.DataFrame:
        df = run.drop(df, df["death_problem"] == "malformed", "malformed_death_date")
        df = run.drop(df, df["death_problem"] == "conflicting", "conflicting_death_dates")
        return run.drop(df, df["death_problem"] == "missing", "no_death_date")

    def occupation_or_type(df: pd.DataFrame) -> pd.DataFrame:
        types = [type_sets.get(uri, set()) for uri in df["dbpedia_uri"]]
        df = df.assign(
            occupation=[occupations.get(uri) for uri in df["dbpedia_uri"]],
            entity_type=[_person_type(ts, ontology) for ts in types],
        )
        vague = df["occupation"].isna() & (df["entity_type"] == "Person")
        return run.drop(df, vague, "no_occupation_or_person_type")

    def born_before_death(df: pd.DataFrame) -> pd.DataFrame:
        births = df["birth_year"].astype("Float64")
        return run.drop(df, (births > df["death_year"]).fillna(False), "born_after_death")

    def most_viewed_per_decade(df: pd.DataFrame) -> pd.DataFrame:
        order = df.sort_values(["death_decade", "page_views", "entity_id"], ascending=[True, False, True])
        rank = order.groupby("death_decade", sort=False).cumcount()
        beyond = pd.Series(False, index=df.index)
        beyond.loc[rank.index[rank.to_numpy() >= config.top_per_decade]] = True
        for decade, group in df.groupby("death_decade", sort=True):
            per_decade.append(
                {"decade": int(decade), "candidates": len(group), "kept": int((~beyond.loc[group.index]).sum())}
            )
        return run.drop(df, beyond, f"beyond_{config.top_per_decade}_most_viewed_in_decade")

    frame = _collapse_people(bindings_frame(deaths.rows, DEATH_COLUMNS), config, birth_nulls)
    frame = run.run(
        frame,
        [
            resources_only(run),
            readable_death,
            run.year_range("death_year", config.first_year, config.last_year),
            run.require("name", "no_english_label"),
            occupation_or_type,
            born_before_death,
            run.pageview_filter(config.min_views),
            most_viewed_per_decade,
            run.split(config.test_share),  # one row per Wikipedia page: the page is the group
        ],
    )
    return run.write(
        frame,
        out_dir,
        query_rows=len(deaths.rows),
        parameters=asdict(config),
        per_decade=per_decade,
        birth_year_nulls=dict(sorted(birth_nulls.items())),
        year_numbering={
            "death_year": "historical (no year 0; 44 BCE = -44)",
            "death_date": "ISO 8601, astronomical (-0043-03-15 = 15 March 44 BCE)",
            "literals_read_as": config.literal_years,
        },
    )


def _occupations_by_person(rows: list[dict]) -> dict[str, str]:
    """person -> the English label of an occupation (first by name); a literal occupation counts as its text."""
    labels: dict[str, set[str]] = {}
    for row in rows:
        occupation = row.get("occupation", {})
        text = row.get("occupationLabel", {}).get("value")
        if (
            text is None
            and occupation.get("type") in ("literal", "typed-literal")
            and occupation.get("xml:lang", "en").lower().startswith("en")
        ):
            text = occupation.get("value")
        if text and text.strip():
            labels.setdefault(row["person"]["value"], set()).add(text.strip())
    return {person: min(texts, key=lambda t: (t.casefold(), t)) for person, texts in labels.items()}


def _types_by_person(rows: list[dict]) -> dict[str, set[str]]:
    types: dict[str, set[str]] = {}
    for row in rows:
        types.setdefault(row["person"]["value"], set()).add(row["type"]["value"])
    return types


def _person_type(types: set[str], ontology: Ontology) -> str:
    """The most specific class at or under dbo:Person ("Person" when there is none deeper)."""
    under = {t for t in types if t == PERSON or PERSON in ontology.ancestors(t)}
    best = ontology.most_specific(under)
    return local_name(best) if best else "Person"


def _collapse_people(df: pd.DataFrame, config: HistoricalFiguresConfig, birth_nulls: Counter) -> pd.DataFrame:
    """One row per person from the query's cross product of labels, death and birth literals."""
    records = []
    for uri, group in df.groupby("dbpedia_uri", sort=True):
        bad = set().union(*group["malformed"]) if len(group) else set()
        death = resolve_year(
            present(group["death_date_value"]),
            present(group["death_year_value"]),
            bool(bad & {"death_date_value", "death_year_value"}),
            config.literal_years,
            config.year_tolerance,
        )
        birth = resolve_year(
            present(group["birth_date_value"]),
            present(group["birth_year_value"]),
            bool(bad & {"birth_date_value", "birth_year_value"}),
            config.literal_years,
            config.year_tolerance,
        )
        if birth.problem in ("malformed", "conflicting") and death.year is not None:
            birth_nulls[birth.problem] += 1
        records.append(
            {
                "dbpedia_uri": uri,
                "entity_id": title_or_none(uri),
                "name": min((str(n) for n in group["name"].dropna()), default=None),
                "death_year": death.year,
                "death_decade": decade_of(death.year) if death.year is not None else None,
                "death_date": death.date,
                "death_problem": death.problem,
                "birth_year": birth.year,
            }
        )
    columns = [
        "dbpedia_uri",
        "entity_id",
        "name",
        "death_year",
        "death_decade",
        "death_date",
        "death_problem",
        "birth_year",
    ]
    people = pd.DataFrame.from_records(records, columns=columns)
    for column in ("death_year", "death_decade", "birth_year"):
        people[column] = people[column].astype("Int32")
    return people
