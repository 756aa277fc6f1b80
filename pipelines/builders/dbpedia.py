"""DBpedia specifics shared by the builders: resource titles, the class hierarchy, bindings to typed columns."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
from spacetime.pipelines.sources.sparql import LiteralError, PagedQuery, binding_value

if TYPE_CHECKING:
    from spacetime.pipelines.builders.steps import Build, Step

RESOURCE = "http://dbpedia.org/resource/"
ONTOLOGY = "http://dbpedia.org/ontology/"


def title_of(iri: str) -> str:
    """The Wikipedia title (underscored) of a DBpedia resource IRI: the local name, percent-decoded."""
    if not iri.startswith(RESOURCE):
        raise ValueError(f"{iri!r} is not a DBpedia resource IRI")
    return urllib.parse.unquote(iri[len(RESOURCE) :])


def title_or_none(iri: str) -> str | None:
    """The Wikipedia title of a DBpedia resource, or None for any other IRI (a drop rule counts those)."""
    try:
        return title_of(iri)
    except ValueError:
        return None


def present(values) -> list[Any]:
    """The non-missing values of a column of parsed literals."""
    return [v for v in values if v is not None and not (isinstance(v, float) and v != v)]


def resources_only(run: Build) -> Step:
    """Drop rows whose subject is not a ``dbr:`` resource (``entity_id`` is None): they have no Wikipedia page."""

    def dbpedia_resources(df: pd.DataFrame) -> pd.DataFrame:
        return run.drop(df, df["entity_id"].isna(), "not_a_dbpedia_resource")

    return dbpedia_resources


def local_name(iri: str) -> str:
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def types_query(name: str, where: str, key: str) -> PagedQuery:
    """Every dbo: class of the resources that the pattern ``where`` binds to ``?key`` (for the most specific type)."""
    return PagedQuery(
        name=name,
        select=f"DISTINCT ?{key} ?type",
        where=f"""{where}
  ?{key} a ?type .
  FILTER(STRSTARTS(STR(?type), "{ONTOLOGY}"))""",
        key=key,
    )


SUBCLASSES = PagedQuery(
    name="ontology.subclasses",
    select="DISTINCT ?class ?parent",
    where=f"""  ?class rdfs:subClassOf ?parent .
  FILTER(STRSTARTS(STR(?class), "{ONTOLOGY}"))""",
    key="class",
)


@dataclass(frozen=True)
class Ontology:
    """The dbo: class tree, to pick the most specific of a resource's types."""

    parents: dict[str, frozenset[str]]

    @classmethod
    def fetch(cls, run: Build) -> Ontology:
        result = run.select_all(SUBCLASSES)
        parents: dict[str, set[str]] = {}
        for row in result.rows:
            parent = row["parent"]["value"]
            if parent.startswith(ONTOLOGY):
                parents.setdefault(row["class"]["value"], set()).add(parent)
        return cls({k: frozenset(v) for k, v in parents.items()})

    def depth(self, cls_iri: str, _seen: frozenset[str] = frozenset()) -> int:
        """Edges on the longest path up to a root (dbo:Place has depth 0 when its parent is owl:Thing)."""
        ups = self.parents.get(cls_iri, frozenset()) - _seen
        return 1 + max(self.depth(p, _seen | {cls_iri}) for p in ups) if ups else 0

    def ancestors(self, cls_iri: str) -> set[str]:
        found, todo = set(), [cls_iri]
        while todo:
            for parent in self.parents.get(todo.pop(), ()):
                if parent not in found:
                    found.add(parent)
                    todo.append(parent)
        return found

    def most_specific(self, types: set[str]) -> str | None:
        """The deepest dbo: class among ``types`` (ties broken by name, so the choice is stable)."""
        known = [t for t in types if t.startswith(ONTOLOGY)]
        if not known:
            return None
        return min(known, key=lambda t: (-self.depth(t), t))


def bindings_frame(rows: list[dict[str, dict[str, str]]], columns: dict[str, str]) -> pd.DataFrame:
    """A DataFrame of typed values from SPARQL rows; ``columns`` maps variable -> column.

    A malformed literal becomes a missing value, with the column name recorded in ``malformed`` so the builder can
    count the drop against the field.
    """
    columns_out = [*columns.values(), "malformed"]
    values: dict[str, list[Any]] = {column: [] for column in columns_out}
    for row in rows:
        bad = []
        for var, column in columns.items():
            binding = row.get(var)
            value = None
            if binding is not None:
                try:
                    value = binding_value(binding)
                except LiteralError:
                    bad.append(column)
            values[column].append(value)
        values["malformed"].append(tuple(bad))
    # Object columns: an integer column with gaps must stay integers, not turn into floats.
    return pd.DataFrame({column: pd.Series(v, dtype=object) for column, v in values.items()}, columns=columns_out)
