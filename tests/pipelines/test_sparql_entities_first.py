"""Range queries ask for the entities in the range first: a subquery selects them (answered from the index of the
split variable), and the rest of the pattern (types, labels, OPTIONALs) is joined after it. The rows stay those of the
flat pattern with the range filter, on the bundled sample's Oxigraph for every split query the builders send."""

from __future__ import annotations

import re

import pytest

from spacetime.pipelines.builders.dbpedia import ONTOLOGY, types_query
from spacetime.pipelines.registry import builder
from spacetime.pipelines.sources import SourceOptions, open_sources
from spacetime.pipelines.sources.sparql import PagedQuery, Range, RangeSplit, sorted_rows

DBPEDIA_BUILDERS = ("world_places", "us_places", "historical_figures", "art_entertainment")
SPLIT = RangeSplit("lat", -90.0, 90.0)
WHERE = """  VALUES ?root { dbo:PopulatedPlace dbo:NaturalPlace }
  ?place a ?root ;
         geo:lat ?lat .
  OPTIONAL { ?place rdfs:label ?label }"""


def split_queries() -> list[PagedQuery]:
    """Every query the DBpedia builders fetch by ranges (a UNION's branches one by one)."""
    found = []
    for name in DBPEDIA_BUILDERS:
        for value in vars(builder(name)).values():
            if isinstance(value, PagedQuery):
                found.extend(value.branches or ([value] if value.split else []))
    return found


def flat(query: PagedQuery, part: Range) -> str:
    """The range as the pattern with the range filter, joined in whatever order the store picks (the old form)."""
    return (
        f"{query.prefixes}SELECT {query.select} WHERE {{\n{query.where}\n  FILTER({query.split.condition(part)})\n}}\n"
    )


def subquery_of(text: str) -> str:
    found = re.search(r"\{ SELECT DISTINCT [^{]*WHERE \{.*?\n  \} LIMIT \d+ \}", text, re.DOTALL)
    assert found, text
    return found.group(0)


def test_a_range_reads_its_entities_from_the_split_triple_before_the_types():
    query = types_query("places.types", "\n".join(WHERE.splitlines()[:3]), "place", SPLIT)
    text = query.part(Range(10.0, 10.5), 500)
    inner = subquery_of(text)
    # The range is asked of the one triple that binds ?lat: nothing in the subquery to start from but its index.
    assert re.fullmatch(
        r"\{ SELECT DISTINCT \?place \?lat WHERE \{\s*\?place geo:lat \?lat \.\s*"
        r"FILTER\(\?lat >= 10\.0 && \?lat < 10\.5\)\s*\} LIMIT \d+ \}",
        inner,
    )
    assert text.index(inner) < text.index("?place a ?type") < text.index(f'STRSTARTS(STR(?type), "{ONTOLOGY}")')


def test_the_whole_pattern_is_joined_after_the_range():
    query = PagedQuery("places", "DISTINCT ?place ?label ?lat", WHERE, key="place", split=SPLIT)
    text = query.part(Range(0.0, 1.0), 10)
    assert text.split(subquery_of(text), 1)[1].startswith("\n" + WHERE)
    assert query.split_triple == ("?place", "geo:lat")
    in_union = (
        "  { ?place dbo:country dbr:X ; a ?root ; geo:lat ?lat }\n  UNION { ?place dbo:state dbr:Y ; geo:lat ?lat }"
    )
    assert PagedQuery("us", "DISTINCT ?place", in_union, key="place", split=SPLIT).split_triple == ("?place", "geo:lat")


def test_count_and_key_paging_read_the_range_first_too():
    query = types_query("places.types", "\n".join(WHERE.splitlines()[:3]), "place", SPLIT)
    for text in (query.count(Range(0.0, 1.0)), query.within(Range(0.0, 1.0)).page(None, 100)):
        inner = subquery_of(text)
        assert "?lat >= 0.0" in inner and "?place a ?type" in text.split(inner, 1)[1]
    places = PagedQuery("places", "DISTINCT ?place ?label ?lat", WHERE, key="place", split=SPLIT)
    assert "OPTIONAL" not in places.count(Range(0.0, 1.0))  # the count stops before the first OPTIONAL


def test_a_split_variable_that_only_a_path_binds_is_refused():
    with pytest.raises(ValueError, match=r"must be the object of a triple <subject> <predicate> \?lat"):
        PagedQuery("path", "DISTINCT ?place", "  ?place geo:lat|geo:latitude ?lat .", key="place", split=SPLIT)


@pytest.mark.server
def test_every_split_query_returns_the_rows_of_the_flat_pattern_on_the_sample(tmp_path):
    queries = split_queries()
    assert len(queries) == 15  # places, types, states, counties, deaths, occupations, works, creators ...
    with open_sources(SourceOptions(sample=True, cache_dir=tmp_path / "cache")) as sources:
        client, rows = sources.sparql, {}
        for query in queries:
            assert "{ SELECT " in query.part(Range(0.0, 1.0), 10), query.name
            for part in query.split.initial():
                expected = sorted_rows(client.select(flat(query, part)).table, query.key, query.distinct)
                got = sorted_rows(client.select(query.part(part, 10**7)).table, query.key, query.distinct)
                assert got.to_pylist() == expected.to_pylist(), (query.name, part.label)
                rows[query.name] = rows.get(query.name, 0) + got.num_rows
    assert sum(rows.values()) > 50_000 and rows["world_places.types"] > 30_000  # the sample's thousands of places
