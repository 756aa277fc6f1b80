"""Countries without an English label: named from their IRI, as the paper did, and counted rather than dropped."""

from __future__ import annotations

import urllib.parse
from typing import TYPE_CHECKING

import pandas as pd

from spacetime.pipelines.builders.dbpedia import local_name, title_or_none

if TYPE_CHECKING:
    from spacetime.pipelines.builders.steps import Build

RULE = "country_from_iri"


def name_from_iri(iri: str) -> str:
    """``http://dbpedia.org/resource/Kingdom_of_Foo`` -> ``Kingdom of Foo`` (percent-decoded, underscores to spaces)."""
    title = title_or_none(iri) or urllib.parse.unquote(local_name(iri))
    return title.replace("_", " ").strip()


def country_from_iri(run: Build, rows: pd.DataFrame) -> pd.DataFrame:
    """Fill ``country`` from ``country_uri`` where the country has no English label, counting the places repaired
    under :data:`RULE` (``rows``: a query's rows, several per place; ``dbpedia_uri`` names the place)."""
    repair = rows["country"].isna() & rows["country_uri"].notna()
    if not repair.any():
        return rows
    rows = rows.copy()
    rows.loc[repair, "country"] = rows.loc[repair, "country_uri"].map(name_from_iri)
    places = rows.loc[repair, "dbpedia_uri"].drop_duplicates().sort_values()
    run.note_repair(RULE, [title_or_none(uri) or uri for uri in places])
    return rows
