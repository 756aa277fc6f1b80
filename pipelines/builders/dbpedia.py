"""DBpedia specifics shared by the builders: resource titles, the class hierarchy, bindings to typed columns."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from spacetime.pipelines.sources.sparql import (
    LITERAL_PARSERS,
    LangString,
    LiteralError,
    PagedQuery,
    QueryResult,
    RangeSplit,
    bindings_table,
    column_name,
)

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


def types_query(name: str, where: str, key: str, split: RangeSplit | None = None) -> PagedQuery:
    """Every dbo: class of the resources that the pattern ``where`` binds to ``?key`` (for the most specific type).

    Split by ranges, the entities of a range are read first and their types joined to them
    (:meth:`~spacetime.pipelines.sources.sparql.PagedQuery.ranged`), so the dbo: filter costs what the range's
    entities' types cost: on DBpedia, 20-60 types per entity, most of them schema.org, Wikidata, DUL or YAGO ones."""
    return PagedQuery(
        name=name,
        select=f"DISTINCT ?{key} ?type",
        where=f"""{where}
  ?{key} a ?type .
  FILTER(STRSTARTS(STR(?type), "{ONTOLOGY}"))""",
        key=key,
        split=split,
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


def values_by_key(result: QueryResult, key: str, var: str) -> dict[str, frozenset[str]]:
    """``?key`` value -> the set of ``?var`` values that come with it (unbound ones left out).

    Both columns are dictionary-encoded first, so a million keys with ten types each make one string per distinct
    key and type, not one per row.
    """
    table = result.table.select([key, var]).filter(pc.is_valid(result.table.column(var)))
    if not table.num_rows:
        return {}
    keys = table.column(key).combine_chunks().dictionary_encode()
    values = table.column(var).combine_chunks().dictionary_encode()
    key_codes = keys.indices.to_numpy()
    value_codes = values.indices.to_numpy()
    order = np.argsort(key_codes, kind="stable")
    key_codes, value_codes = key_codes[order], value_codes[order]
    starts = np.flatnonzero(np.r_[True, key_codes[1:] != key_codes[:-1]])
    ends = np.r_[starts[1:], len(key_codes)]
    key_names, value_names = keys.dictionary.to_pylist(), values.dictionary.to_pylist()
    sets: dict[tuple[int, ...], frozenset[str]] = {}  # keys share a few hundred sets of types: one object each
    out = {}
    for a, b in zip(starts.tolist(), ends.tolist()):
        codes = tuple(sorted(set(value_codes[a:b].tolist())))
        found = sets.get(codes)
        if found is None:
            found = sets[codes] = frozenset(value_names[c] for c in codes)
        out[key_names[key_codes[a]]] = found
    return out


def bindings_frame(rows: QueryResult | list[dict[str, dict[str, str]]], columns: dict[str, str]) -> pd.DataFrame:
    """A DataFrame of typed values (see :func:`~spacetime.pipelines.sources.sparql.binding_value`) from a query's
    columnar result or from SPARQL JSON rows; ``columns`` maps variable -> column.

    A malformed literal becomes a missing value, with the column name recorded in ``malformed`` so the builder can
    count the drop against the field. Each distinct (lexical form, datatype) is parsed once.
    """
    if isinstance(rows, QueryResult):
        table = rows.table
    else:
        table = bindings_table(rows, list(columns))
    out: dict[str, pd.Series] = {}
    bad_masks: dict[str, np.ndarray] = {}
    for var, column in columns.items():
        out[column], bad_masks[column] = _typed_column(table, var)
    malformed: list[tuple[str, ...]] = [()] * table.num_rows
    bad_any = np.zeros(table.num_rows, dtype=bool)
    for mask in bad_masks.values():
        bad_any |= mask
    for i in np.flatnonzero(bad_any):  # rare: a per-row tuple only where something was malformed
        malformed[i] = tuple(column for column, mask in bad_masks.items() if mask[i])
    out["malformed"] = pd.Series(malformed, dtype=object)
    # Object columns: an integer column with gaps must stay integers, not turn into floats.
    return pd.DataFrame(out, columns=[*columns.values(), "malformed"])


def _objects(table, name: str) -> np.ndarray:
    """A column as a numpy array of Python strings and None."""
    return pc.cast(table.column(name), pa.string()).to_numpy(zero_copy_only=False)


def _typed_column(table, var: str) -> tuple[pd.Series, np.ndarray]:
    """The Python values of one variable's bindings (None where unbound or malformed) and the malformed mask."""
    n = table.num_rows
    values = np.full(n, None, dtype=object)
    bad = np.zeros(n, dtype=bool)
    if var not in table.column_names:
        return pd.Series(values, dtype=object), bad
    value, kind, datatype, lang = (_objects(table, column_name(var, p)) for p in ("value", "type", "datatype", "lang"))
    bound = pd.notna(value)
    uri = bound & (kind == "uri")
    values[uri] = value[uri]
    bnode = bound & (kind == "bnode")
    values[bnode] = [f"_:{v}" for v in value[bnode]]
    literal = bound & ((kind == "literal") | (kind == "typed-literal"))
    unknown = bound & ~(uri | bnode | literal)
    if unknown.any():
        raise LiteralError(f"unknown binding type {kind[unknown][0]!r} for ?{var}")
    tagged = literal & pd.notna(lang)
    strings: dict[tuple[str, str], LangString] = {}  # one object per distinct tagged string (country names repeat)
    values[tagged] = [
        strings.get((v, t)) or strings.setdefault((v, t), LangString(v, t)) for v, t in zip(value[tagged], lang[tagged])
    ]
    typed = literal & ~tagged
    datatype = np.where(pd.notna(datatype), datatype, "")
    for name in pd.unique(datatype[typed]):
        rows = typed & (datatype == name)
        parser = LITERAL_PARSERS.get(name)
        if parser is None:  # plain strings and unknown datatypes stay str
            values[rows] = value[rows]
            continue
        parsed = {}
        for text in pd.unique(value[rows]):
            try:
                parsed[text] = parser(text)
            except LiteralError:
                parsed[text] = _MALFORMED
        result = [parsed[t] for t in value[rows]]
        malformed = np.fromiter((r is _MALFORMED for r in result), dtype=bool, count=len(result))
        chosen = np.full(len(result), None, dtype=object)
        chosen[~malformed] = [r for r, m in zip(result, malformed) if not m]
        values[rows] = chosen
        bad[np.flatnonzero(rows)[malformed]] = True
    return pd.Series(values, dtype=object), bad


_MALFORMED = object()
