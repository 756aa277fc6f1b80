"""SPARQL client for DBpedia-like endpoints: complete keyset paging, truncation checks, typed values, a resumable cache.

DBpedia (Virtuoso) caps every result at 10,000 rows with HTTP 200 (header ``X-SPARQL-MaxRows``), returns partial
results on timeouts (HTTP 200 or 206 with ``X-SQL-State: S1TAT``) and refuses ORDER BY with a deep OFFSET (SR353).
So this client never uses OFFSET. A query that declares a :class:`RangeSplit` is cut into ranges of one variable
that the store's indexes answer (Virtuoso seeks a range of ``?lat`` or of ``?deathDate`` in its POGS index), so each
query costs what its rows cost and a build grows linearly with the graph: a range whose answer fills the page, or
that times out (Virtuoso's SR171 / S1T00), is cut smaller and asked again, never retried as it was; a range no cut can
shrink (one value, or values outside every boundary) is paged by key on its own. Each range is asked entities first
(:meth:`PagedQuery.ranged`): a subquery reads the range from the split variable's own triple, and the rest of the
pattern is joined to what it found, so Virtuoso does not start from, say, every ``rdf:type`` triple of the graph when
its statistics favour that. A UNION whose branches bind different variables is fetched one branch at a time
(:meth:`PagedQuery.split_union`). Other queries are paged by the string form of a key variable (rows at or after the
last key seen); that costs a sort of the whole pattern per page, so it is for small results. Rows are held as
columns (:class:`QueryResult.table`), not as one dict per binding.
"""

from __future__ import annotations

import calendar
import collections
import contextlib
import hashlib
import http.client
import json
import logging
import math
import re
import urllib.error
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from SPARQLWrapper import GET, JSON, TSV, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import EndPointInternalError, EndPointNotFound, QueryBadFormed, Unauthorized

from spacetime.pipelines.sources.cache import JsonCache
from spacetime.pipelines.sources.errors import SourceError, TransientError, TruncatedResult
from spacetime.pipelines.sources.retry import RETRYABLE_STATUS, RetryPolicy, parse_retry_after
from spacetime.pipelines.sources.useragent import user_agent
from spacetime.progress import progress_bar

log = logging.getLogger(__name__)

DBPEDIA_ENDPOINT = "https://dbpedia.org/sparql"
DBPEDIA_MAX_ROWS = 10_000
# A counted range is cut into pieces expected to fill this share of a page: the rows are rarely spread evenly over a
# range, and a piece that overflows costs a wasted full answer.
RANGE_FILL = 0.5

PREFIXES = """\
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX dbo: <http://dbpedia.org/ontology/>
PREFIX dbr: <http://dbpedia.org/resource/>
PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
"""

# Virtuoso SQL states that no retry will cure (SR353: sorted-rows cap; 37000: syntax; 42000: access or semantics;
# 22023, 22007: a value it cannot convert, such as a date beyond its calendar).
SORTED_ROWS_CAP = re.compile(r"SR353\b.*?Only (\d+) are allowed")
PERMANENT_SQL_ERRORS = re.compile(r"\b(SR353|37000|42000|22023|22007)\b")
# Virtuoso's answer to a query over its execution limit: HTTP 500, not a partial result. Asking again the same way
# times out again; a smaller query may not.
QUERY_TIMEOUT = re.compile(r"\b(SR171|S1T00)\b|Transaction timed out")


# --------------------------------------------------------------------------------------------------------------------
# Typed values from SPARQL JSON bindings
# --------------------------------------------------------------------------------------------------------------------

XSD = "http://www.w3.org/2001/XMLSchema#"


class LiteralError(ValueError):
    """A literal whose lexical form does not match its datatype."""


class LangString(str):
    """A string with its language tag (``LangString("Paris", "fr").lang == "fr"``)."""

    lang: str

    def __new__(cls, value: str, lang: str) -> LangString:
        obj = super().__new__(cls, value)
        obj.lang = lang.lower()
        return obj


@dataclass(frozen=True, order=True)
class HistoricalDate:
    """A calendar date that may lie before year 1 (``datetime.date`` cannot). Years are as written: -0044 is -44."""

    year: int
    month: int | None = None
    day: int | None = None

    def isoformat(self) -> str:
        sign = "-" if self.year < 0 else ""
        text = f"{sign}{abs(self.year):04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
        if self.day is not None:
            text += f"-{self.day:02d}"
        return text


_TZ = r"(?:Z|[+-]\d{2}:\d{2})?"
_DATE = re.compile(rf"^(-\d{{3,}}|\d{{4,}})-(\d{{2}})-(\d{{2}}){_TZ}$")
_DATETIME = re.compile(rf"^(-\d{{3,}}|\d{{4,}})-(\d{{2}})-(\d{{2}})T\d{{2}}:\d{{2}}:\d{{2}}(?:\.\d+)?{_TZ}$")
_GYEAR = re.compile(rf"^(-\d{{3,}}|\d{{4,}}){_TZ}$")
_GYEARMONTH = re.compile(rf"^(-\d{{3,}}|\d{{4,}})-(\d{{2}}){_TZ}$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_DOUBLE = re.compile(r"^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?INF|NaN)$")
_DECIMAL = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)$")


def _days_in_month(year: int, month: int) -> int:
    """Days in a month of the proleptic Gregorian calendar, for any year the literal may carry.

    A negative year is astronomical in XSD 1.1 (-0500 is 501 BCE) and historical in XSD 1.0 (-0500 is 500 BCE);
    February has 29 days if either reading makes the year a leap year.
    """
    if month != 2:
        return calendar.monthrange(2001, month)[1]
    leap = calendar.isleap(year) or (year < 0 and calendar.isleap(year + 1))
    return 29 if leap else 28


def _checked_date(value: str, year: str, month: str | None, day: str | None) -> HistoricalDate:
    y, m, d = int(year), int(month) if month else None, int(day) if day else None
    if m is not None and not 1 <= m <= 12:
        raise LiteralError(f"month {m} out of range in {value!r}")
    if d is not None and not 1 <= d <= _days_in_month(y, m):
        raise LiteralError(f"day {d} out of range in {value!r}")
    return HistoricalDate(y, m, d)


def _parse_date(value: str) -> HistoricalDate:
    match = _DATE.match(value) or _DATETIME.match(value)
    if not match:
        raise LiteralError(f"{value!r} is not an xsd:date")
    return _checked_date(value, *match.groups())


def _parse_gyear(value: str) -> int:
    match = _GYEAR.match(value)
    if not match:
        raise LiteralError(f"{value!r} is not an xsd:gYear")
    return int(match.group(1))


def _parse_gyearmonth(value: str) -> HistoricalDate:
    match = _GYEARMONTH.match(value)
    if not match:
        raise LiteralError(f"{value!r} is not an xsd:gYearMonth")
    return _checked_date(value, match.group(1), match.group(2), None)


def _integer_parser(minimum: int | None) -> Callable[[str], int]:
    def parse(value: str) -> int:
        if not _INTEGER.match(value.strip()):
            raise LiteralError(f"{value!r} is not an integer")
        number = int(value)
        if minimum is not None and number < minimum:
            raise LiteralError(f"{value!r} is below {minimum}")
        return number

    return parse


def _parse_double(value: str) -> float:
    if not _DOUBLE.match(value.strip()):
        raise LiteralError(f"{value!r} is not an xsd:double")
    return float(value)


def _parse_decimal(value: str) -> Decimal:
    if not _DECIMAL.match(value.strip()):
        raise LiteralError(f"{value!r} is not an xsd:decimal")
    try:
        return Decimal(value)
    except InvalidOperation as err:  # pragma: no cover - the regex admits only valid decimals
        raise LiteralError(f"{value!r} is not an xsd:decimal") from err


def _parse_boolean(value: str) -> bool:
    if value not in ("true", "false", "1", "0"):
        raise LiteralError(f"{value!r} is not an xsd:boolean")
    return value in ("true", "1")


LITERAL_PARSERS: dict[str, Callable[[str], Any]] = {
    **{XSD + t: _parse_double for t in ("double", "float")},
    XSD + "decimal": _parse_decimal,
    **{
        XSD + t: _integer_parser(None)
        for t in ("integer", "int", "long", "short", "byte", "negativeInteger", "nonPositiveInteger")
    },
    **{
        XSD + t: _integer_parser(0)
        for t in ("nonNegativeInteger", "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")
    },
    XSD + "positiveInteger": _integer_parser(1),
    XSD + "date": _parse_date,
    XSD + "dateTime": _parse_date,
    XSD + "gYear": _parse_gyear,
    XSD + "gYearMonth": _parse_gyearmonth,
    XSD + "boolean": _parse_boolean,
}


def binding_value(binding: dict[str, str]) -> Any:
    """The Python value of one SPARQL JSON binding.

    IRIs and plain strings come back as ``str``, language-tagged strings as :class:`LangString`, typed literals
    (``"literal"`` with a datatype, or Virtuoso's ``"typed-literal"``) as float, Decimal, int, bool,
    :class:`HistoricalDate` (xsd:date, xsd:dateTime, xsd:gYearMonth) or int (xsd:gYear). Unknown datatypes stay str.
    Raises :class:`LiteralError` when the lexical form does not fit the datatype.
    """
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return value
    if kind == "bnode":
        return f"_:{value}"
    if kind not in ("literal", "typed-literal"):
        raise LiteralError(f"unknown binding type {kind!r}")
    if "xml:lang" in binding:
        return LangString(value, binding["xml:lang"])
    parser = LITERAL_PARSERS.get(binding.get("datatype", ""))
    return parser(value) if parser else value


# --------------------------------------------------------------------------------------------------------------------
# Queries and results
# --------------------------------------------------------------------------------------------------------------------


def sparql_string(text: str) -> str:
    """A SPARQL string literal for ``text``."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


_IRIREF_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def key_term(after: str, is_iri: bool) -> str:
    """The SPARQL term a key is compared with. Virtuoso compares STR() of a stored IRI (UTF-8 bytes) with a string
    literal (Unicode) inconsistently once the IRI has a non-ASCII letter, so an IRI key is compared with STR(<iri>)."""
    if is_iri and not _IRIREF_FORBIDDEN.search(after):
        return f"STR(<{after}>)"
    return sparql_string(after)


@dataclass(frozen=True)
class Range:
    """Rows whose split variable lies in [low, high) (None: unbounded), or, with ``rest``, rows where it compares
    with no boundary at all (a malformed literal, or one of another type). Together the ranges and the rest hold every
    row once."""

    low: float | None = None
    high: float | None = None
    rest: bool = False

    @property
    def label(self) -> str:
        if self.rest:
            return "incomparable"
        return (
            f"[{'-inf' if self.low is None else f'{self.low:g}'}, {'inf' if self.high is None else f'{self.high:g}'})"
        )


def _number(x: float) -> str:
    text = repr(float(x))
    if not re.fullmatch(r"-?\d+(\.\d+)?(e[+-]?\d+)?", text):
        raise ValueError(f"range boundary {x!r} is not a finite number")
    return text


# Day of the year (0-based) on which each month starts, in a common year: a fractional year becomes a date.
_MONTH_STARTS = [sum(calendar.monthrange(2001, m)[1] for m in range(1, month)) for month in range(1, 13)]


def _date_term(x: float) -> str:
    """The xsd:date at fraction ``x - floor(x)`` of year ``floor(x)``."""
    year = math.floor(x)
    day = min(int((x - year) * 365), 364)
    month = max(m for m in range(12) if _MONTH_STARTS[m] <= day)
    return f'"{year:04d}-{month + 1:02d}-{day - _MONTH_STARTS[month] + 1:02d}"^^<{XSD}date>'


def _gyear_term(x: float) -> str:
    return f'"{math.floor(x):04d}"^^<{XSD}gYear>'


@dataclass(frozen=True)
class SplitDatatype:
    """What a split variable holds: how a boundary is written, the narrowest range worth cutting, and the values a
    boundary may take."""

    term: Callable[[float], str]
    min_width: float
    lowest: float = -math.inf
    highest: float = math.inf


# Dates and years are split on years (fractions of a year for dates). Boundaries stay within years 1-9999: Virtuoso
# orders BCE dates after every CE date and misreads year 0 and five-digit years, so a boundary outside them would cut
# its order in the wrong places. Values outside (BCE ones) fall in the range below 1 or above 9999, whichever the
# store's order puts them in, and come back once either way.
SPLIT_DATATYPES: dict[str, SplitDatatype] = {
    "number": SplitDatatype(_number, 1e-7),
    "date": SplitDatatype(_date_term, 1 / 365, 1, 9999),
    "gYear": SplitDatatype(_gyear_term, 1.0, 1, 9999),
}


@dataclass(frozen=True)
class RangeSplit:
    """Cut a query's rows by ranges of ``?var``, a variable that a required triple pattern binds to a value the store
    indexes (``geo:lat``, ``dbo:deathDate``): each range is then answered from the index in time proportional to its
    rows. ``datatype`` is what the values are: ``number``, ``date`` (xsd:date, boundaries in years) or ``gYear``.

    The query starts as ``parts`` equal ranges of [low, high), the two unbounded ranges outside it and the rest (values
    that compare with no boundary); a range whose answer fills the page or times out is cut into ``fanout`` equal
    ranges (a full answer is wasted work, so a few small extra queries are cheaper than another level of full ones).

    A DISTINCT query whose SELECT leaves ``?var`` out may see a row in two ranges (a place with two latitudes): such
    rows are kept once.
    """

    var: str
    low: float
    high: float
    parts: int = 16
    fanout: int = 4
    datatype: str = "number"

    def __post_init__(self) -> None:
        if self.datatype not in SPLIT_DATATYPES:
            raise ValueError(f"split datatype {self.datatype!r} is not one of {sorted(SPLIT_DATATYPES)}")
        kind = SPLIT_DATATYPES[self.datatype]
        if not kind.lowest <= self.low < self.high <= kind.highest:
            raise ValueError(f"split on ?{self.var}: [{self.low}, {self.high}) is outside what {self.datatype} allows")

    @property
    def min_width(self) -> float:
        """A range this narrow that still overflows is an error, not another split."""
        return SPLIT_DATATYPES[self.datatype].min_width

    def term(self, x: float) -> str:
        return SPLIT_DATATYPES[self.datatype].term(x)

    def condition(self, part: Range) -> str:
        """The FILTER expression that holds for the rows of ``part``."""
        v = f"?{self.var}"
        if part.rest:  # the complement of (v < anchor || v >= anchor): comparison errors and NaN
            anchor = self.term(self.low)
            return f"!COALESCE({v} < {anchor} || {v} >= {anchor}, false)"
        bounds = ([f"{v} >= {self.term(part.low)}"] if part.low is not None else []) + (
            [f"{v} < {self.term(part.high)}"] if part.high is not None else []
        )
        return " && ".join(bounds) if bounds else "true"

    def initial(self) -> list[Range]:
        inner = _equal_ranges(self.low, self.high, self.parts)
        return [Range(None, self.low), *inner, Range(self.high, None), Range(rest=True)]

    def sized(self, part: Range, rows: int, per_piece: float) -> list[Range] | None:
        """Equal ranges that together hold ``part``, as many as ``rows`` spread ``per_piece`` to a range need (None for
        an unbounded range or one that holds few enough already)."""
        if part.rest or part.low is None or part.high is None or rows <= per_piece:
            return None
        count = min(math.ceil(rows / per_piece), math.floor((part.high - part.low) / self.min_width))
        return _equal_ranges(part.low, part.high, count) if count >= 2 else None

    def pieces(self, part: Range) -> list[Range] | None:
        """``fanout`` ranges that together hold what ``part`` holds, or None when it cannot be cut further."""
        if part.rest:
            return None
        width, kind = self.high - self.low, SPLIT_DATATYPES[self.datatype]
        if part.low is None:  # outside [low, high): rare rows, halved outwards as far as a boundary may go
            edge = max(part.high - width, kind.lowest)
            return [Range(None, edge), Range(edge, part.high)] if edge < part.high else None
        if part.high is None:
            edge = min(part.low + width, kind.highest)
            return [Range(part.low, edge), Range(edge, None)] if edge > part.low else None
        if part.high - part.low < self.min_width:
            return None
        return _equal_ranges(part.low, part.high, self.fanout)


def _equal_ranges(low: float, high: float, count: int) -> list[Range]:
    step = (high - low) / count
    edges = [low + i * step for i in range(count)] + [high]
    return [Range(a, b) for a, b in zip(edges, edges[1:])]


def split_label(query: PagedQuery, part: Range) -> str:
    assert query.split is not None
    return f"{query.split.var} in {part.label}"


def select_variables(select: str) -> list[str]:
    """The variables a SELECT clause projects (``DISTINCT ?a ?b`` -> ["a", "b"])."""
    return [token[1:] for token in select.split() if token.startswith("?")]


# More rows than any graph holds. A subquery with a LIMIT is evaluated on its own: Virtuoso cannot merge it into the
# outer join order, as it does with a plain subquery (starting from, say, every creator triple of the graph).
SUBQUERY_LIMIT = 1_000_000_000
_PREDICATE = r"(?:[A-Za-z][\w.-]*)?:[\w.-]*|<[^<>\s]*>"


@dataclass(frozen=True)
class PagedQuery:
    """A SELECT fetched in several requests: by ranges of ``split`` when given, one branch at a time when it has
    ``branches`` (see :meth:`split_union`), else in pages ordered by ``?key``.

    ``where`` is the graph pattern (without braces). Rows that share a key always land on the same page. Results
    are sorted by ``?key``.

    A range of a split query is asked entities first (:meth:`ranged`): a subquery reads the entities whose split
    variable lies in the range from the one triple pattern that binds it (``?place geo:lat ?lat``, which ``where``
    must hold), and the whole pattern is joined to them after it. Virtuoso evaluates a subquery with a LIMIT on its
    own, so it does not start from the rest (every ``rdf:type`` triple of the graph, say) when its statistics lean
    that way: a range costs what its entities cost, not what the graph holds. (It may still start a UNION branch from
    a triple it misestimates as nearly empty; ``tests/pipelines/test_virtuoso_plans.py`` reads its plans.)
    """

    name: str
    select: str
    where: str
    key: str
    prefixes: str = PREFIXES
    split: RangeSplit | None = None
    branches: tuple[PagedQuery, ...] = ()

    def __post_init__(self) -> None:
        variables = self.variables
        if self.key not in variables:
            raise ValueError(f"query {self.name}: the key ?{self.key} must be among the selected variables")
        if self.split is not None:
            if not re.search(rf"\?{re.escape(self.split.var)}\b", self.where):
                raise ValueError(f"query {self.name}: the split variable ?{self.split.var} is not in the pattern")
            if self.split.var not in variables and not self.distinct:
                raise ValueError(
                    f"query {self.name}: a split on ?{self.split.var}, which the SELECT leaves out, needs SELECT "
                    "DISTINCT (a row may fall in two ranges)"
                )
            self.split_triple  # noqa: B018 - raises when no triple of the pattern binds the split variable

    def split_union(self, union: str, splits: dict[str, RangeSplit]) -> PagedQuery:
        """This query answered one branch of ``union`` (a ``{ A } UNION { B }`` group of its pattern) at a time, each
        branch cut by its own split: a range of a variable that only one branch binds cannot be asked across the
        UNION. ``splits`` maps each branch's triple pattern (``A .``) to its split. The rows are the UNION's rows."""
        if union not in self.where:
            raise ValueError(f"query {self.name}: {union!r} is not in its pattern")
        if len(splits) != union.count(" UNION ") + 1:
            raise ValueError(f"query {self.name}: every branch of {union!r} needs a split")
        for pattern in splits:
            if pattern.rstrip(" .") not in union:
                raise ValueError(f"query {self.name}: {pattern!r} is not a branch of {union!r}")
        branches = tuple(
            replace(self, name=f"{self.name}[{split.var}]", where=self.where.replace(union, pattern), split=split)
            for pattern, split in splits.items()
        )
        return replace(self, branches=branches)

    @property
    def variables(self) -> list[str]:
        return select_variables(self.select)

    @property
    def distinct(self) -> bool:
        return self.select.split()[0].upper() == "DISTINCT"

    def page(self, after: str | None, limit: int, after_is_iri: bool = False) -> str:
        condition = f"\n  FILTER(STR(?{self.key}) >= {key_term(after, after_is_iri)})" if after is not None else ""
        return (
            f"{self.prefixes}SELECT {self.select} WHERE {{\n{self.where}{condition}\n}}\n"
            f"ORDER BY ASC(STR(?{self.key}))\nLIMIT {limit}\n"
        )

    def beyond(self, after: str, after_is_iri: bool = False) -> str:
        """A one-row query that finds any key after ``after`` (used to confirm that a short page was the last)."""
        return (
            f"{self.prefixes}SELECT ?{self.key} WHERE {{\n{self.where}\n"
            f"  FILTER(STR(?{self.key}) > {key_term(after, after_is_iri)})\n}}\nLIMIT 1\n"
        )

    @property
    def split_triple(self) -> tuple[str, str]:
        """The subject and predicate of the triple pattern that binds the split variable: ``("?place", "geo:lat")``
        in ``?place a ?root ; geo:lat ?lat``. Raises ValueError when ``where`` has none (only a path binds it)."""
        assert self.split is not None
        var = re.escape(self.split.var)
        for found in re.finditer(rf"(?:^|(?<=[\s;{{]))({_PREDICATE})\s+\?{var}\b", self.where):
            statement = re.split(r"\s\.\s|[{}]", self.where[: found.start()])[-1].split()
            if statement and statement[0].startswith(("?", "<")):
                return statement[0], found.group(1)
        raise ValueError(
            f"query {self.name}: the split variable ?{self.split.var} must be the object of a triple "
            f"<subject> <predicate> ?{self.split.var} of the pattern (the range is read from it first)"
        )

    def ranged(self, part: Range, pattern: str | None = None) -> str:
        """The pattern of the rows in one range, entities first: a subquery reads the (subject, value) pairs of the
        split predicate whose value lies in ``part`` (the store answers it from its index of that predicate's values),
        and ``pattern`` (by default ``where``) is joined to them. The rows are those of ``pattern`` with the range
        filter: the subquery is DISTINCT, so each pair joins the pattern's own match of that triple once."""
        assert self.split is not None
        (subject, predicate), var = self.split_triple, self.split.var
        projected = f"{subject} ?{var}" if subject.startswith("?") else f"?{var}"
        subquery = (
            f"  {{ SELECT DISTINCT {projected} WHERE {{\n    {subject} {predicate} ?{var} .\n"
            f"    FILTER({self.split.condition(part)})\n  }} LIMIT {SUBQUERY_LIMIT} }}"
        )
        return f"{subquery}\n{self.where if pattern is None else pattern}"

    def part(self, part: Range, limit: int) -> str:
        """The query for the rows in one range of the split variable (no ORDER BY: the index order is the cheap one)."""
        return f"{self.prefixes}SELECT {self.select} WHERE {{\n{self.ranged(part)}\n}}\nLIMIT {limit}\n"

    def count(self, part: Range) -> str:
        """How many solutions of the pattern before its first OPTIONAL lie in one range: a cheap estimate of the rows
        the range holds (the OPTIONALs cost most of an answer and rarely add rows), used to size its pieces."""
        core = re.split(r"^  OPTIONAL\b", self.where, maxsplit=1, flags=re.MULTILINE)[0]
        return f"{self.prefixes}SELECT (COUNT(*) AS ?n) WHERE {{\n{self.ranged(part, core)}\n}}\n"

    def within(self, part: Range) -> PagedQuery:
        """The rows of one range as a query of their own, paged by key (for a range that cannot be cut further)."""
        return replace(self, where=self.ranged(part), split=None)

    @property
    def template(self) -> str:
        """The query text as recorded for provenance (the paging clauses shown as placeholders)."""
        if self.branches:
            return "\n".join(f"# UNION branch {i + 1}\n{b.template}" for i, b in enumerate(self.branches))
        if self.split is not None:
            text = self.part(Range(0.0, 1.0), 0)
            text = text.replace(self.split.condition(Range(0.0, 1.0)), "<range>")
            return text.replace("LIMIT 0", "LIMIT <page_size>")
        return self.page("<after>", 0).replace("LIMIT 0", "LIMIT <page_size>")

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.template.encode("utf-8")).hexdigest()


@dataclass
class Page:
    bindings: list[dict[str, dict[str, str]]]
    fetched_at: str
    status: int = 200
    max_rows: int | None = None
    sql_state: str | None = None


# --------------------------------------------------------------------------------------------------------------------
# Columnar results: per variable its value, term type, datatype and language, as Arrow columns
# --------------------------------------------------------------------------------------------------------------------

_PARTS = (("value", "value"), ("type", "type"), ("datatype", "datatype"), ("lang", "xml:lang"))


def column_name(var: str, part: str) -> str:
    return var if part == "value" else f"{var}#{part}"


def bindings_table(bindings: list[dict[str, dict[str, str]]], variables: list[str]) -> pa.Table:
    """SPARQL JSON bindings as an Arrow table: ``var`` (the value), ``var#type``, ``var#datatype``, ``var#lang``."""
    columns = {}
    for var in variables:
        terms = [row.get(var) for row in bindings]
        for part, field_name in _PARTS:
            array = pa.array([t.get(field_name) if t is not None else None for t in terms], pa.string())
            columns[column_name(var, part)] = array if part == "value" else array.dictionary_encode()
    return pa.table(columns) if columns else pa.table({})


def _concat(tables: list[pa.Table], variables: list[str]) -> pa.Table:
    if not tables:
        return bindings_table([], variables)
    return pa.concat_tables(tables, promote_options="permissive").unify_dictionaries().combine_chunks()


def table_variables(table: pa.Table) -> list[str]:
    return [name for name in table.column_names if "#" not in name]


@dataclass
class QueryResult:
    """The rows of a query as columns (see :func:`bindings_table`); ``rows`` rebuilds SPARQL JSON bindings."""

    table: pa.Table
    pages: int
    provenance: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return self.table.num_rows

    @property
    def rows(self) -> list[dict[str, dict[str, str]]]:
        """One dict per row, as in SPARQL JSON (for small results: it costs what the columns save)."""
        columns = {name: self.table.column(name).to_pylist() for name in self.table.column_names}
        out = []
        for i in range(self.table.num_rows):
            row = {}
            for var in table_variables(self.table):
                value = columns[var][i]
                if value is None:
                    continue
                term = {"type": columns[column_name(var, "type")][i], "value": value}
                for part, field_name in _PARTS[2:]:
                    extra = columns[column_name(var, part)][i]
                    if extra is not None:
                        term[field_name] = extra
                row[var] = term
            out.append(row)
        return out


def conform_table(table: pa.Table, variables: list[str]) -> pa.Table:
    """``table`` with the columns of exactly ``variables`` (a variable no row bound gets null columns)."""
    unbound = [var for var in variables if var not in table.column_names]
    nulls = bindings_table([{}] * table.num_rows, unbound)
    columns = {}
    for var in variables:
        source = nulls if var in unbound else table
        columns.update({column_name(var, part): source.column(column_name(var, part)) for part, _ in _PARTS})
    return pa.table(columns) if columns else table


def sorted_rows(table: pa.Table, key: str, distinct: bool) -> pa.Table:
    """Rows sorted by key, then by the other values (a stable sort); duplicate rows removed when ``distinct``."""
    if not table.num_rows:
        return table
    if distinct:
        table = table.group_by(table.column_names, use_threads=False).aggregate([])
    values = [key, *(v for v in table_variables(table) if v != key)]
    return table.take(pc.sort_indices(table, [(v, "ascending") for v in values]))


# SPARQL 1.1 TSV results write each term in N-Triples syntax (<iri>, _:b, "text"@en, "v"^^<type>) or, for numbers and
# booleans, as a bare token; an empty field is an unbound variable.
_TSV_LITERAL = r'^"(?P<value>.*)"(?:@(?P<lang>[A-Za-z0-9-]+)|\^\^<(?P<datatype>[^<>]*)>)?$'
_TSV_BARE = {  # a bare token's datatype, by its shape
    XSD + "boolean": r"^(true|false)$",
    XSD + "integer": r"^[+-]?[0-9]+$",
    XSD + "decimal": r"^[+-]?[0-9]*\.[0-9]+$",
    XSD + "double": r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+$",
}
_NT_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|[tbnrf\"'\\])")
_NT_CHARS = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescape(text: str) -> str:
    return _NT_ESCAPE.sub(lambda m: _NT_CHARS.get(m.group(1)) or chr(int(m.group(1)[1:], 16)), text)


def _matched(group: pa.Array) -> pa.Array:
    """A regex group's values, null where the optional group did not take part (extract_regex gives "")."""
    return pc.if_else(pc.equal(group, ""), pa.nulls(len(group), pa.string()), group)


def _tsv_terms(column: pa.Array) -> dict[str, pa.Array]:
    """One TSV column as value, type, datatype and lang arrays (see :func:`bindings_table`)."""
    null = pa.nulls(len(column), pa.string())
    iri, bnode, quoted = (pc.fill_null(pc.starts_with(column, p), False) for p in ("<", "_:", '"'))
    literal = pc.extract_regex(pc.if_else(quoted, column, null), _TSV_LITERAL)
    text = literal.field("value")
    if pc.any(pc.fill_null(pc.match_substring(text, "\\"), False)).as_py():  # escapes are rare: unescape in Python
        text = pa.array([None if t is None else _unescape(t) for t in text.to_pylist()], pa.string())
    bare = pc.and_(pc.is_valid(column), pc.invert(pc.or_(pc.or_(iri, bnode), quoted)))
    bare_type = null
    for datatype, shape in _TSV_BARE.items():
        bare_type = pc.if_else(
            pc.and_(bare, pc.fill_null(pc.match_substring_regex(column, shape), False)), datatype, bare_type
        )
    unknown = pc.and_(bare, pc.is_null(bare_type))
    if pc.any(unknown).as_py():
        term = column[pc.index(unknown, True).as_py()]
        raise TransientError(f"SPARQL TSV: {term} is neither an IRI, a blank node nor a literal")
    value = pc.if_else(iri, pc.utf8_slice_codeunits(column, 1, -1), null)
    value = pc.if_else(bnode, pc.utf8_slice_codeunits(column, 2), value)
    value = pc.if_else(quoted, text, pc.if_else(bare, column, value))
    kind = pc.if_else(iri, "uri", pc.if_else(bnode, "bnode", pc.if_else(pc.is_valid(column), "literal", null)))
    return {
        "value": value,
        "type": kind,
        "datatype": pc.if_else(quoted, _matched(literal.field("datatype")), bare_type),
        "lang": pc.if_else(quoted, _matched(literal.field("lang")), null),
    }


def tsv_table(source: Any, block_size: int = 16 << 20) -> pa.Table:
    """A SPARQL TSV results document (a binary file object, read in blocks) as the columns of :func:`bindings_table`."""
    names = source.readline().decode("utf-8").rstrip("\r\n").split("\t")
    if not all(name.startswith("?") for name in names):
        raise TransientError(f"SPARQL TSV: the header {names} is not a list of variables")
    variables = [name[1:] for name in names]
    try:
        reader = pacsv.open_csv(  # every column read as text: a column of numbers may hold an IRI further on
            source,
            read_options=pacsv.ReadOptions(block_size=block_size, column_names=names),
            parse_options=pacsv.ParseOptions(delimiter="\t", quote_char=False, escape_char=False, double_quote=False),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=True, null_values=[""]
            ),
        )
    except pa.ArrowInvalid as err:
        if "Empty CSV file" in str(err):  # the header alone: no rows
            return _concat([], variables)
        raise TransientError(f"SPARQL TSV: the answer is not complete: {err}") from err
    tables = []
    try:
        for batch in reader:
            columns = {}
            for var, column in zip(variables, batch.columns):
                for part, array in _tsv_terms(column).items():
                    columns[column_name(var, part)] = array if part == "value" else array.dictionary_encode()
            tables.append(pa.table(columns))
    except pa.ArrowInvalid as err:  # a row cut short: the answer broke off
        raise TransientError(f"SPARQL TSV: the answer is not complete: {err}") from err
    return _concat(tables, variables)


class _CapExceeded(Exception):
    def __init__(self, cap: int):
        self.cap = cap


class _PartialResult(Exception):
    pass


class _QueryTimeout(Exception):
    pass


class SparqlClient:
    """Runs SELECT queries against one endpoint; see the module docstring for the paging rules.

    ``page_size`` is the LIMIT asked for; when the server caps below it (``X-SPARQL-MaxRows``) the client drops to
    the cap, and when the server answers partially (timeouts) it halves the page, down to ``min_page_size``.
    """

    def __init__(
        self,
        endpoint: str,
        *,
        cache_dir: str | Path | None = None,
        timeout: float = 120.0,
        retry: RetryPolicy | None = None,
        page_size: int = DBPEDIA_MAX_ROWS,
        min_page_size: int = 100,
        default_graph: str | None = None,
        contact: str | None = None,
        progress: bool = True,
        source_label: str | None = None,
        count_ranges: bool = True,
    ):
        self.endpoint = endpoint
        # Names the data in the cache key and the provenance; defaults to the endpoint URL.
        self.source_label = source_label or endpoint
        self.cache = JsonCache(cache_dir)  # None: nothing kept
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.page_size = page_size
        self.min_page_size = min_page_size
        self.default_graph = default_graph
        self.agent = user_agent(contact)
        self.progress = progress
        self.count_ranges = count_ranges  # size a split query's first ranges by a COUNT before fetching any
        self.http_requests = 0

    # -- public API ------------------------------------------------------------------------------------------------

    def select(self, text: str, name: str = "query") -> QueryResult:
        """Run one query that must fit in one response; raise :class:`TruncatedResult` if the server cut it."""
        try:
            page = self._page(text, name, limit=None)
        except _CapExceeded as cap:
            raise TruncatedResult(
                f"SPARQL {name}: the endpoint capped the result at {cap.cap} rows; use select_all with a PagedQuery"
            ) from None
        except _PartialResult:
            raise TruncatedResult(f"SPARQL {name}: the endpoint returned a partial result (timeout)") from None
        except _QueryTimeout:
            raise TruncatedResult(f"SPARQL {name}: the query ran past the endpoint's time limit") from None
        variables = list(dict.fromkeys(var for row in page.bindings for var in row))
        provenance = self._provenance(
            name, text, hashlib.sha256(text.encode()).hexdigest(), 1, len(page.bindings), [page.fetched_at]
        )
        return QueryResult(bindings_table(page.bindings, variables), 1, provenance)

    def select_all(self, query: PagedQuery) -> QueryResult:
        """Every row of ``query``, each exactly once, sorted by key."""
        if query.branches:
            return self._select_branches(query)
        if query.split is not None:
            return self._select_ranges(query)
        return self._select_keyset(query)

    # -- ranges ------------------------------------------------------------------------------------------------------

    def _select_branches(self, query: PagedQuery) -> QueryResult:
        """The rows of each branch of a UNION, put together as the UNION would (a DISTINCT query keeps a row once)."""
        results = [self.select_all(branch) for branch in query.branches]
        tables = [conform_table(result.table, query.variables) for result in results]
        table = sorted_rows(_concat(tables, query.variables), query.key, query.distinct)
        fetched = [r.provenance[k] for r in results for k in ("fetched_first", "fetched_last") if r.provenance.get(k)]
        pages = sum(result.pages for result in results)
        provenance = self._provenance(query.name, query.template, query.sha256, pages, table.num_rows, fetched)
        provenance["branches"] = [result.provenance for result in results]
        return QueryResult(table, pages, provenance)

    def _select_ranges(self, query: PagedQuery) -> QueryResult:
        """Ask for each range of the split variable; cut a range whose answer is full, capped or timed out."""
        split = query.split
        assert split is not None
        todo = collections.deque(split.initial())
        uncounted = {p for p in todo if p.low is not None and p.high is not None} if self.count_ranges else set()
        tables, fetched, done = [], [], []
        limit, splits, counted = self.page_size, 0, 0
        bar = progress_bar(enabled=self.progress, desc=f"SPARQL {query.name}", unit=" rows", leave=False)
        try:
            while todo:
                part = todo.popleft()
                if part in uncounted:  # a first range: cut it to size before fetching, rather than after a full answer
                    uncounted.discard(part)
                    rows = self._count(query, part)
                    counted += 1
                    pieces = split.sized(part, rows, limit * RANGE_FILL) if rows is not None else None
                    if pieces:
                        todo.extendleft(reversed(pieces))
                        continue
                text = query.part(part, limit)
                try:
                    page = self._page(text, f"{query.name} {split_label(query, part)}", limit)
                    full = len(page.bindings) >= limit
                    why = "filled the page" if full else None
                except _CapExceeded as cap:
                    log.info("%s: endpoint caps results at %d rows; asking for %d", query.name, cap.cap, cap.cap)
                    limit = cap.cap
                    todo.appendleft(part)
                    continue
                except _PartialResult:
                    full, why = True, "came back partial"
                except _QueryTimeout:
                    full, why = True, "timed out"
                if full:
                    pieces = split.pieces(part)
                    if pieces is None:  # one value, or values the store orders outside the boundaries: by key
                        log.info("%s: %s in %s %s; paging it by key", query.name, split.var, part.label, why)
                        within = self._select_keyset(query.within(part))
                        tables.append(within.table)
                        fetched.extend(v for k, v in within.provenance.items() if k.startswith("fetched_") and v)
                        done.append({"range": part.label, "rows": len(within), "key_pages": within.pages})
                        bar.update(len(within))
                        continue
                    log.debug("%s: %s in %s %s; cutting it", query.name, split.var, part.label, why)
                    splits += 1
                    todo.extendleft(reversed(pieces))
                    continue
                self._check_keys(query, page.bindings)
                tables.append(bindings_table(page.bindings, query.variables))
                fetched.append(page.fetched_at)
                done.append({"range": part.label, "rows": len(page.bindings), "query_sha256": _sha(text)})
                bar.update(len(page.bindings))
        finally:
            bar.close()
        table = sorted_rows(_concat(tables, query.variables), query.key, query.distinct)
        provenance = self._provenance(query.name, query.template, query.sha256, len(done), table.num_rows, fetched)
        provenance["split"] = {"variable": split.var, "ranges": done, "cut": splits, "counted": counted}
        return QueryResult(table, len(done), provenance)

    def _count(self, query: PagedQuery, part: Range) -> int | None:
        """The estimate of :meth:`PagedQuery.count`, or None when the endpoint cannot give it in time."""
        try:
            page = self._page(query.count(part), f"{query.name} count of {split_label(query, part)}", limit=None)
        except (_PartialResult, _QueryTimeout, _CapExceeded):
            return None
        try:
            return int(page.bindings[0]["n"]["value"])
        except (IndexError, KeyError, ValueError):
            raise SourceError(f"SPARQL {query.name}: the count of {part.label} is not a number") from None

    def _check_keys(self, query: PagedQuery, bindings: list[dict]) -> None:
        for i, row in enumerate(bindings):
            if query.key not in row:
                raise SourceError(f"SPARQL {query.name}: row {i} has no ?{query.key} binding")

    # -- keyset pages (small results) ------------------------------------------------------------------------------

    def _select_keyset(self, query: PagedQuery) -> QueryResult:
        tables: list[pa.Table] = []
        done_keys: set[str] = set()
        fetched: list[str] = []
        after: str | None = None
        after_is_iri = False
        limit, pages = self.page_size, 0
        bar = progress_bar(enabled=self.progress, desc=f"SPARQL {query.name}", unit=" rows", leave=False)
        try:
            while True:
                text = query.page(after, limit, after_is_iri)
                try:
                    page = self._page(text, f"{query.name} page {pages + 1}", limit)
                except _CapExceeded as cap:
                    log.info("%s: endpoint caps results at %d rows; paging by %d", query.name, cap.cap, cap.cap)
                    limit = cap.cap
                    continue
                except (_PartialResult, _QueryTimeout):
                    limit = self._smaller_page(query, limit)
                    continue
                full = len(page.bindings) >= limit
                if not full and page.bindings and not self._confirm_end(query, page.bindings[-1][query.key]):
                    # Rows are missing from a page that looked like the last: no header said so. Throw it away.
                    log.warning("%s: a short page was not the end; the endpoint truncated silently", query.name)
                    limit = self._smaller_page(query, limit)
                    continue
                pages += 1
                fetched.append(page.fetched_at)
                keep, last = self._complete_keys(query, page.bindings, full)
                for row in keep:
                    key = row[query.key]["value"]
                    if key in done_keys:
                        raise SourceError(
                            f"SPARQL {query.name}: key {key!r} came back on two pages; the endpoint's "
                            "ordering is not stable"
                        )
                tables.append(bindings_table(keep, query.variables))
                done_keys.update(row[query.key]["value"] for row in keep)
                bar.update(len(keep))
                if not full:
                    break
                after, after_is_iri = last, page.bindings[-1][query.key]["type"] == "uri"
        finally:
            bar.close()
        table = sorted_rows(_concat(tables, query.variables), query.key, distinct=False)
        return QueryResult(
            table, pages, self._provenance(query.name, query.template, query.sha256, pages, table.num_rows, fetched)
        )

    def _complete_keys(self, query: PagedQuery, bindings: list[dict], full: bool) -> tuple[list[dict], str | None]:
        """Rows whose key is complete on this page, and the last key. On a full page the last key's rows are held
        back: more of them may follow, and the next page starts at that key."""
        if not bindings:
            return [], None
        self._check_keys(query, bindings)
        last = bindings[-1][query.key]["value"]
        if not full:
            return bindings, last
        keep = [row for row in bindings if row[query.key]["value"] != last]
        if not keep:
            raise SourceError(
                f"SPARQL {query.name}: key {last!r} alone fills a page of {len(bindings)} rows; "
                "raise page_size or narrow the query"
            )
        return keep, last

    def _confirm_end(self, query: PagedQuery, last: dict[str, str]) -> bool:
        page = self._page(query.beyond(last["value"], last["type"] == "uri"), f"{query.name} end check", limit=1)
        return not page.bindings

    def _smaller_page(self, query: PagedQuery, limit: int) -> int:
        smaller = limit // 2
        if smaller < self.min_page_size:
            raise TruncatedResult(
                f"SPARQL {query.name}: the endpoint keeps returning partial results even for pages "
                f"of {limit} rows; giving up rather than returning incomplete data"
            )
        log.warning("%s: partial result from the endpoint; retrying with pages of %d rows", query.name, smaller)
        return smaller

    # -- one request ---------------------------------------------------------------------------------------------------

    def _page(self, text: str, what: str, limit: int | None) -> Page:
        """One answer, from the cache when it holds it; only a complete answer is kept."""
        kept, _ = self.cache.fetch(
            lambda: self._complete_answer(text, what, limit), self.source_label, self.default_graph or "", text
        )
        return Page(kept["bindings"], kept["fetched_at"])

    def _complete_answer(self, text: str, what: str, limit: int | None) -> dict[str, Any]:
        """The answer to ``text`` as the cache keeps it; raises when the endpoint capped or cut it."""
        try:
            page = self.retry.call(lambda: self._request(text, what), what=f"SPARQL {what} at {self.endpoint}")
        except _CapExceeded as cap:  # SR353: re-slice when asking for fewer rows helps, else give up
            if limit is not None and cap.cap < limit:
                raise
            raise SourceError(f"SPARQL {what}: the endpoint refuses to sort more than {cap.cap} rows (SR353)") from None
        if page.status == 206 or (page.sql_state or "").upper() == "S1TAT":
            raise _PartialResult()
        if (
            page.max_rows is not None
            and len(page.bindings) >= page.max_rows
            and (limit is None or page.max_rows < limit)
        ):
            raise _CapExceeded(page.max_rows)
        return {"source": self.source_label, "query": text, "fetched_at": page.fetched_at, "bindings": page.bindings}

    def _request(self, text: str, what: str) -> Page:
        with self._answer(text, what, JSON) as response:
            body = self._read(response.read, what)
            headers, status = response.headers, response.status
        bindings = _parse_results(body, what)
        max_rows = headers.get("X-SPARQL-MaxRows")
        return Page(
            bindings=bindings,
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
            status=status,
            max_rows=int(max_rows) if max_rows and max_rows.isdigit() else None,
            sql_state=headers.get("X-SQL-State"),
        )

    def select_tsv(self, text: str, name: str = "query") -> QueryResult:
        """Run one query whose answer is read as TSV in batches, straight into columns: for a store without a row cap
        whose answers are too big to hold as JSON (the local store of a release). Retried as any request."""

        def answer() -> tuple[pa.Table, str]:
            with self._answer(text, name, TSV) as response:
                return self._read(lambda: tsv_table(response), name), datetime.now(UTC).isoformat(timespec="seconds")

        try:
            table, fetched_at = self.retry.call(answer, what=f"SPARQL {name} at {self.endpoint}")
        except (_CapExceeded, _PartialResult, _QueryTimeout):
            raise TruncatedResult(f"SPARQL {name}: the endpoint cut its answer short (a cap or a time limit)") from None
        sha = hashlib.sha256(text.encode()).hexdigest()
        return QueryResult(table, 1, self._provenance(name, text, sha, 1, table.num_rows, [fetched_at]))

    @contextlib.contextmanager
    def _answer(self, text: str, what: str, return_format: str) -> Iterator[Any]:
        """The open HTTP response to ``text``; the endpoint's errors become the client's (see the module docstring)."""
        wrapper = SPARQLWrapper(self.endpoint, agent=self.agent)
        wrapper.setQuery(text)
        wrapper.setMethod(GET)
        wrapper.setReturnFormat(return_format)
        wrapper.setTimeout(self.timeout)
        if self.default_graph:
            wrapper.addDefaultGraph(self.default_graph)
        self.http_requests += 1
        try:
            response = wrapper.query().response
        except urllib.error.HTTPError as err:
            retry_after = parse_retry_after(err.headers.get("Retry-After") if err.headers else None)
            if err.code in RETRYABLE_STATUS:
                raise TransientError(f"SPARQL {what}: HTTP {err.code}", retry_after) from err
            raise SourceError(f"SPARQL {what}: HTTP {err.code}: {_snippet(err.read())}") from err
        except EndPointInternalError as err:
            sorted_cap = SORTED_ROWS_CAP.search(str(err))
            if sorted_cap:  # ORDER BY with OFFSET + LIMIT above MaxSortedTopRows: ask for fewer rows
                raise _CapExceeded(int(sorted_cap.group(1))) from None
            if QUERY_TIMEOUT.search(str(err)):  # over the endpoint's time limit: the caller makes the query smaller
                raise _QueryTimeout() from None
            if PERMANENT_SQL_ERRORS.search(str(err)):
                raise SourceError(f"SPARQL {what}: endpoint error: {_snippet(str(err))}") from err
            raise TransientError(f"SPARQL {what}: HTTP 500: {_snippet(str(err))}") from err
        except (QueryBadFormed, EndPointNotFound, Unauthorized) as err:
            raise SourceError(f"SPARQL {what}: {type(err).__name__}: {_snippet(str(err))}") from err
        except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError) as err:
            raise TransientError(f"SPARQL {what}: {type(err).__name__}: {err}") from err
        with contextlib.closing(response):
            yield response

    @staticmethod
    def _read(read: Callable[[], Any], what: str) -> Any:
        """``read()`` of a response body; a connection lost on the way is a transient error."""
        try:
            return read()
        except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError) as err:
            raise TransientError(f"SPARQL {what}: {type(err).__name__} while reading the answer: {err}") from err

    def _provenance(self, name: str, text: str, sha: str, pages: int, rows: int, fetched: list[str]) -> dict:
        return {
            "name": name,
            "source": self.source_label,
            "default_graph": self.default_graph,
            "query": text,
            "query_sha256": sha,
            "pages": pages,
            "rows": rows,
            "fetched_first": min(fetched) if fetched else None,
            "fetched_last": max(fetched) if fetched else None,
        }


def _parse_results(body: bytes, what: str) -> list[dict]:
    """The bindings of a SPARQL JSON results document; truncated or non-JSON bodies are transient errors."""
    try:
        data = json.loads(body)
        bindings = data["results"]["bindings"]
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as err:
        raise TransientError(
            f"SPARQL {what}: the response is not a complete SPARQL JSON document "
            f"({type(err).__name__}): {_snippet(body)}"
        ) from err
    if not isinstance(bindings, list):
        raise TransientError(f"SPARQL {what}: results.bindings is not a list")
    return bindings


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _snippet(text: bytes | str, width: int = 300) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width] + "…"
