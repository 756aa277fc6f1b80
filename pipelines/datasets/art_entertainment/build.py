"""art_entertainment: films, books and songs with a creator, released 1950 to 2020 (both included).

Target: ``release_date`` (declared in spec.py). One row per DBpedia work (one Wikipedia page); a song by several
artists is one row that names all of them. Rules, in order: a readable dbo:releaseDate, release year within
[1950, 2020] (the paper's range; the original code had no upper bound), an English label that is still a title after
cleaning, at least one creator, and more than ``min_views`` pageviews.

Creators are declared once, per kind of work, in :data:`CREATOR_PROPERTIES`: a tuple of tiers, and the first tier in
which a work has any value gives all its creators (for songs the performers, ``dbo:musicalArtist`` and
``dbo:artist``; the songwriters, ``dbo:writer``, only where no performer is known). A creator's name is its English
label, or else its title, without a final disambiguator ("Queen (band)" is "Queen"). ``creator`` joins the names,
sorted, as English prose does: "A", "A and B", "A, B and C", for the prompt "{name} by {creator}".

Release date: the earliest of a work's dbo:releaseDate values (xsd:date, xsd:gYearMonth or xsd:gYear; within the
earliest year the most precise value wins); ``release_date`` is ISO 8601 at that precision ("1977-05-25",
"1955-09", "1990") and ``date_precision`` says which (day, month, year).

Titles: ``title`` is the raw English label, ``name`` the cleaned one: a disambiguator naming the kind of work
(" (film)", " (1997 film)", " (Adele song)", " (novel)") removed, enclosing double quotes removed, and a stray final
period removed (not an ellipsis, an abbreviation such as "Inc." or "Jr.", an initialism such as "U.S.A.", or a
single initial).

Split: works and creators form a graph (a work is linked to each of its creators); each connected component goes
to one side, by hash of its key (the smallest entity_id in it), so no page and no creator is on
both sides. A component holding more than ``max_component_share`` of the rows cannot be split sensibly: it is put in
train (so that the test share stays near ``test_share``) and reported in the metadata with the other largest
components. When a new release links two components, their works move together; that is the price of the guarantee.
"""

from __future__ import annotations

import re
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
    present,
    resources_only,
    title_of,
    title_or_none,
    types_query,
)
from spacetime.pipelines.builders.graph import component_labels
from spacetime.pipelines.builders.steps import TEST_SHARE, Build, named, split_of
from spacetime.pipelines.datasets.art_entertainment.spec import SPEC
from spacetime.pipelines.sources import Sources
from spacetime.pipelines.sources.sparql import HistoricalDate, PagedQuery, RangeSplit

# DBpedia class -> kind of work, in order of preference for a work typed as several.
KIND_CLASSES = {"Film": "film", "Book": "book", "Song": "song", "Single": "song"}

# Kind -> tiers of creator properties (dbo: local names). The first tier with any value gives the creators.
CREATOR_PROPERTIES: dict[str, tuple[tuple[str, ...], ...]] = {
    "film": (("director",),),
    "book": (("author",),),
    "song": (("musicalArtist", "artist"), ("writer",)),
}
_PROPERTIES = sorted({p for tiers in CREATOR_PROPERTIES.values() for tier in tiers for p in tier})

_WORKS = f"""  VALUES ?root {{ {" ".join(f"dbo:{c}" for c in KIND_CLASSES)} }}
  ?work a ?root ;
        dbo:releaseDate ?releaseDate ."""

# Every work has a release date, which the store indexes: ranges of it cut the queries into pieces that cost what
# they return.
RELEASE_SPLIT = RangeSplit("releaseDate", 1880, 2040, datatype="date")

WORKS = PagedQuery(
    name="art_entertainment.works",
    select="DISTINCT ?work ?label ?releaseDate",
    where=f"""{_WORKS}
  OPTIONAL {{ ?work rdfs:label ?label . FILTER(LANGMATCHES(LANG(?label), "en")) }}""",
    key="work",
    split=RELEASE_SPLIT,
)

TYPES = types_query("art_entertainment.types", _WORKS, "work", RELEASE_SPLIT)

CREATORS = PagedQuery(
    name="art_entertainment.creators",
    select="DISTINCT ?work ?property ?creator ?creatorLabel",
    where=f"""{_WORKS}
  VALUES ?property {{ {" ".join(f"dbo:{p}" for p in _PROPERTIES)} }}
  ?work ?property ?creator .
  OPTIONAL {{ ?creator rdfs:label ?creatorLabel . FILTER(LANGMATCHES(LANG(?creatorLabel), "en")) }}""",
    key="work",
    split=RELEASE_SPLIT,
)

WORK_COLUMNS = {"work": "dbpedia_uri", "label": "title", "releaseDate": "release_value"}


@dataclass(frozen=True)
class ArtEntertainmentConfig:
    first_year: int = SPEC.range_of("release_year")[0]  # release years kept, both ends included
    last_year: int = SPEC.range_of("release_year")[1]
    min_views: int = 5_000  # keep works with MORE than this many views over the window (as the paper)
    max_component_share: float = 0.05  # a component with more of the rows than this goes to train, reported
    test_share: float = TEST_SHARE


# -- titles ------------------------------------------------------------------------------------------------------------

_DISAMBIGUATOR = re.compile(r"\s*\((?:[^()]*\s)?(?:film|movie|novel|novella|book|song|single)\)$", re.IGNORECASE)
_QUOTES = (('"', '"'), ("\u201c", "\u201d"), ("\u201e", "\u201c"), ("\u00ab", "\u00bb"))
ABBREVIATIONS = frozenset(
    {"inc", "jr", "sr", "co", "corp", "ltd", "dr", "mr", "mrs", "ms", "st", "vol", "no", "bros", "pt", "vs", "etc"}
)


def clean_title(label: str) -> str:
    """The title a reader would write: no disambiguator, no enclosing quotes, no stray final period."""
    text = " ".join(str(label).split())
    text = _DISAMBIGUATOR.sub("", text).strip()
    for opening, closing in _QUOTES:
        if len(text) > 2 and text.startswith(opening) and text.endswith(closing):
            text = text[len(opening) : -len(closing)].strip()
            break
    if text.endswith(".") and not _keeps_final_period(text):
        text = text[:-1].rstrip()
    return text


def _keeps_final_period(text: str) -> bool:
    """True where the final period belongs to the title: an ellipsis, an abbreviation, an initialism, an initial."""
    if text.endswith(".."):
        return True
    word = text[:-1].rsplit(" ", 1)[-1]
    return "." in word or len(word) == 1 or word.casefold() in ABBREVIATIONS


def plain_name(label: str) -> str:
    """A creator's label without a final " (...)" disambiguator: "Queen (band)" -> "Queen"."""
    text = " ".join(label.split())
    if text.endswith(")") and " (" in text:
        text = text[: text.rindex(" (")].rstrip()
    return text


def title_label(iri: str) -> str:
    """A readable name from a resource IRI: its title with spaces, without a final "(...)" disambiguator."""
    return plain_name(title_of(iri).replace("_", " "))


def join_names(names: list[str]) -> str:
    """English prose: "A", "A and B", "A, B and C"."""
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


# -- dates -------------------------------------------------------------------------------------------------------------

PRECISIONS = ("year", "month", "day")


@dataclass(frozen=True)
class Release:
    year: int | None = None
    date: str | None = None
    precision: str | None = None
    malformed: bool = False


def first_release(values: Iterable[Any], malformed: bool) -> Release:
    """The earliest release among parsed xsd:date / xsd:gYearMonth (HistoricalDate) and xsd:gYear (int) values;
    within the earliest year the most precise value wins. ``malformed`` says whether a literal failed to parse."""
    found: list[tuple[int, int, int, int, HistoricalDate]] = []
    for value in values:
        if isinstance(value, HistoricalDate):
            date = value
        elif isinstance(value, int) and not isinstance(value, bool):
            date = HistoricalDate(value)
        else:
            malformed = True  # a literal of another datatype
            continue
        precision = 2 if date.day is not None else 1 if date.month is not None else 0
        found.append((date.year, -precision, date.month or 0, date.day or 0, date))
    if not found:
        return Release(malformed=malformed)
    year, precision, _, _, date = min(found)
    return Release(year=year, date=date.isoformat(), precision=PRECISIONS[-precision])


# -- components --------------------------------------------------------------------------------------------------------


def connected_groups(links: Iterable[tuple[str, Iterable[str]]]) -> dict[str, str]:
    """Work id -> key of its connected component in the graph linking each work to its creators.

    The key is the smallest work id in the component, so it does not depend on the order of ``links``.
    """
    nodes: dict[str, int] = {}  # "work\0<id>" and "creator\0<id>" -> node number
    works, edges = [], []
    for work, creators in links:
        node = nodes.setdefault("work\x00" + work, len(nodes))
        works.append((work, node))
        edges += [(node, nodes.setdefault("creator\x00" + creator, len(nodes))) for creator in creators]
    label = component_labels(len(nodes), edges)
    smallest: dict[int, str] = {}
    for work, node in works:
        smallest[label[node]] = min(smallest.get(label[node], work), work)
    return {work: smallest[label[node]] for work, node in works}


# -- build -------------------------------------------------------------------------------------------------------------


def build(sources: Sources, out_dir: Path, config: ArtEntertainmentConfig = ArtEntertainmentConfig()) -> Path:
    run = Build(SPEC, sources)
    works = run.select_all(WORKS)
    type_sets = _types_by_work(run.select_all(TYPES).rows)
    creator_rows = _creators_by_work(run.select_all(CREATORS).rows)
    ontology = Ontology.fetch(run)
    components: dict[str, Any] = {}

    def kind_of_work(df: pd.DataFrame) -> pd.DataFrame:
        df = df.assign(entity_type=[_kind(type_sets.get(uri, set()), ontology) for uri in df["dbpedia_uri"]])
        return run.drop(df, df["entity_type"].isna(), "no_work_kind")

    def readable_release(df: pd.DataFrame) -> pd.DataFrame:
        return run.drop(df, df["release_year"].isna() & df["release_malformed"], "malformed_release_date")

    def cleaned_title(df: pd.DataFrame) -> pd.DataFrame:
        df = df.assign(name=[clean_title(t) if isinstance(t, str) else None for t in df["title"]])
        return run.drop(df, df["name"].map(lambda n: isinstance(n, str) and not n), "empty_title_after_cleaning")

    def with_creators(df: pd.DataFrame) -> pd.DataFrame:
        chosen = [
            _choose_creators(creator_rows.get(uri, {}), kind) for uri, kind in zip(df["dbpedia_uri"], df["entity_type"])
        ]
        df = df.assign(
            creator_ids=[[key for key, _ in c] for c in chosen], creators=[[name for _, name in c] for c in chosen]
        )
        df = df.assign(creator=df["creators"].map(join_names))
        return run.drop(df, df["creators"].map(len) == 0, "missing_creator")

    def grouped_split(df: pd.DataFrame) -> pd.DataFrame:
        groups = connected_groups(zip(df["entity_id"], df["creator_ids"]))
        df = df.assign(split_group=df["entity_id"].map(groups))
        sizes = df["split_group"].value_counts()
        limit = config.max_component_share * len(df)
        too_big = {key for key, n in sizes.items() if n > 1 and n > limit}
        splits = [
            ("train" if key in too_big else split_of(key, SPEC.name, config.test_share)) for key in df["split_group"]
        ]
        components.update(_component_report(df, sizes, too_big, config))
        return df.assign(split=pd.Series(splits, index=df.index, dtype="string"))

    frame = _collapse_works(bindings_frame(works.rows, WORK_COLUMNS))
    frame = run.run(
        frame,
        [
            resources_only(run),
            kind_of_work,
            readable_release,
            run.year_range("release_year", config.first_year, config.last_year),
            run.require("title", "no_english_label"),
            cleaned_title,
            with_creators,
            run.pageview_filter(config.min_views),
            named("split_by_work_creator_components", grouped_split),
        ],
    )
    return run.write(
        frame,
        out_dir,
        query_rows=len(works.rows),
        parameters=asdict(config),
        creator_properties={k: [list(t) for t in v] for k, v in CREATOR_PROPERTIES.items()},
        creator_join="sorted names joined as English prose: 'A', 'A and B', 'A, B and C'",
        components=components,
    )


def _types_by_work(rows: list[dict]) -> dict[str, set[str]]:
    types: dict[str, set[str]] = {}
    for row in rows:
        types.setdefault(row["work"]["value"], set()).add(row["type"]["value"])
    return types


def _kind(types: set[str], ontology: Ontology) -> str | None:
    """film, book or song: the first class of KIND_CLASSES that the work is, or is under."""
    for cls, kind in KIND_CLASSES.items():
        iri = ONTOLOGY + cls
        if any(t == iri or iri in ontology.ancestors(t) for t in types):
            return kind
    return None


def _creators_by_work(rows: list[dict]) -> dict[str, dict[str, dict[str, set[str]]]]:
    """work -> property local name -> creator key -> its English labels."""
    found: dict[str, dict[str, dict[str, set[str]]]] = {}
    for row in rows:
        creator = row["creator"]
        prop = row["property"]["value"].rsplit("/", 1)[-1]
        if creator["type"] == "uri":
            key = creator["value"]
        else:
            text = " ".join(creator["value"].split())
            if not text:
                continue
            key = "literal:" + text
        labels = found.setdefault(row["work"]["value"], {}).setdefault(prop, {}).setdefault(key, set())
        label = row.get("creatorLabel", {}).get("value", "").strip()
        if label:
            labels.add(" ".join(label.split()))
    return found


def _choose_creators(by_property: dict[str, dict[str, set[str]]], kind: str) -> list[tuple[str, str]]:
    """(key, name) of the creators from the first tier of the kind's properties that has any, sorted by name."""
    for tier in CREATOR_PROPERTIES.get(kind, ()):
        chosen: dict[str, set[str]] = {}
        for prop in tier:
            for key, labels in by_property.get(prop, {}).items():
                chosen.setdefault(key, set()).update(labels)
        if chosen:
            named_creators = [(key, _creator_name(key, labels)) for key, labels in chosen.items()]
            return sorted(named_creators, key=lambda kn: (kn[1].casefold(), kn[1], kn[0]))
    return []


def _creator_name(key: str, labels: set[str]) -> str:
    if labels:
        return plain_name(min(labels, key=lambda t: (t.casefold(), t)))
    if key.startswith("literal:"):
        return key[len("literal:") :]
    try:
        return title_label(key)
    except ValueError:
        return key


def _collapse_works(df: pd.DataFrame) -> pd.DataFrame:
    """One row per work from the query's cross product of labels and release dates."""
    records = []
    for uri, group in df.groupby("dbpedia_uri", sort=True):
        bad = any("release_value" in m for m in group["malformed"])
        release = first_release(present(group["release_value"]), bad)
        records.append(
            {
                "dbpedia_uri": uri,
                "entity_id": title_or_none(uri),
                "title": min((str(t) for t in group["title"].dropna()), default=None),
                "release_year": release.year,
                "release_date": release.date,
                "date_precision": release.precision,
                "release_malformed": release.malformed,
            }
        )
    columns = [
        "dbpedia_uri",
        "entity_id",
        "title",
        "release_year",
        "release_date",
        "date_precision",
        "release_malformed",
    ]
    out = pd.DataFrame.from_records(records, columns=columns)
    out["release_year"] = out["release_year"].astype("Int32")
    out["release_malformed"] = out["release_malformed"].astype(bool)
    return out


def _component_report(
    df: pd.DataFrame, sizes: pd.Series, too_big: set[str], config: ArtEntertainmentConfig
) -> dict[str, Any]:
    def describe(key: str) -> dict[str, Any]:
        rows = df[df["split_group"] == key]
        creators = sorted({c for ids in rows["creator_ids"] for c in ids})
        return {
            "key": key,
            "rows": int(len(rows)),
            "share": round(len(rows) / max(len(df), 1), 4),
            "creators": len(creators),
            "example_creators": creators[:5],
        }

    largest = sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    histogram = Counter(int(n) for n in sizes.values)
    return {
        "count": int(len(sizes)),
        "max_component_share": config.max_component_share,
        "sizes": {str(n): histogram[n] for n in sorted(histogram)},
        "largest": [describe(key) for key, _ in largest],
        "too_big_assigned_to_train": [describe(key) for key in sorted(too_big)],
    }
