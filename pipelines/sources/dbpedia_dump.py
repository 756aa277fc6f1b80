"""A DBpedia release downloaded from the Databus, filtered to what the builders' queries touch and served locally.

A release is a folder of N-Triples files as the Databus publishes them (``*.ttl.bz2``, ``*.nt.gz``, plain ...:
instance types, mapping-based objects and literals, geo coordinates, labels, the ontology). :data:`RELEASE` declares
the Databus files of the pinned release and the predicates the builders read from each; :func:`files_for` picks the
ones a set of datasets needs. Each is found by its Databus file name anywhere below the folder (flat, or the Databus
layout ``publisher/group/artifact/version/file``); a missing one, or two different copies of one, refuses the release
before any work, naming the file and its Databus artifact. Other files below the folder are not read. The files found
are sniffed (compression from the magic bytes, predicates from the first lines), and one without DBpedia triples is
refused by name.

What the builders need is read off their :class:`PagedQuery` declarations (:meth:`DumpNeeds.for_datasets`): the
dbo: classes that make a resource an entity (``dbo:PopulatedPlace`` ...) and the predicates the queries use. The
release is then streamed twice, in bounded memory:

1. the files with ``rdf:type`` triples, to collect the entities (the subjects typed with one of the classes);
2. every file, keeping an entity's triples whose predicate a query uses (``rdf:type`` only with dbo: classes,
   ``rdfs:label`` only in English), the English labels of the resources those triples point to (countries,
   creators ...), and the dbo: class tree (``rdfs:subClassOf``). Label files are read last, so the resources
   pointed to are known by then.

Memory grows with the number of entities (a set of their IRIs), never with the number of triples. Every line is
checked for a triple's shape; the kept lines are parsed by a real N-Triples parser (pyoxigraph, the loader's own).
Malformed lines are counted per file with a few examples, never skipped silently. The kept triples are written
(atomically: a killed run leaves nothing half-written, and a rerun writes the same bytes) into a folder named by the
release's content and the needs, and bulk-loaded into a local Oxigraph that serves the builders' unchanged queries.
"""

from __future__ import annotations

import bz2
import io
import json
import logging
import os
import queue
import re
import shutil
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pyoxigraph

from spacetime.common import digest, file_sha256, visible_files, write_json_atomic
from spacetime.pipelines.sources.errors import SourceError
from spacetime.pipelines.sources.sparql import PagedQuery, QueryResult, SparqlClient, conform_table, sorted_rows

log = logging.getLogger(__name__)

FILTER_VERSION = 2  # part of the cache key: bump when the filter's output for the same input changes
SNIFF_TRIPLES = 1_000  # triples looked at to recognise a file
SNIFF_BYTES = 8 << 20  # at most this much decompressed text for that
MAX_EXAMPLES = 5  # malformed lines kept as examples, per file
_BLOCK = 256 << 10  # compressed bytes per read
_PIECE = 4 << 20  # decompressed bytes per filter step

RDF_TYPE = b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
RDFS_LABEL = b"<http://www.w3.org/2000/01/rdf-schema#label>"
RDFS_SUBCLASS = b"<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
DBO = b"<http://dbpedia.org/ontology/"
DBPEDIA = b"<http://dbpedia.org/"  # the English chapter's resources and ontology
RESOURCE = "http://dbpedia.org/resource/"
_VERSION = re.compile(r"(?<![\d.])(\d{4}\.\d{2}\.\d{2}(?:-\d{6})?)(?![\d.])")  # Databus versions: 2022.12.01


class DumpError(SourceError):
    """A release file that cannot be used; the message names the file (and the byte or line where it matters)."""


# --- what the builders need ------------------------------------------------------------------------------------


_PREFIX_LINE = re.compile(r"PREFIX\s+(\w*):\s*<([^>]*)>", re.IGNORECASE)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_TERM = re.compile(r"<([^>\s]+)>|(?<![\w?$:])([A-Za-z][\w-]*):([A-Za-z_][\w-]*)|(?<![\w?$:])(a)(?![\w:])")


def query_terms(query: PagedQuery) -> set[str]:
    """The IRIs written in a query's graph pattern (prefixed names expanded, ``a`` as rdf:type, strings ignored)."""
    prefixes = dict(_PREFIX_LINE.findall(query.prefixes))
    terms = set()
    for iri, prefix, local, a in _TERM.findall(_STRING.sub('""', query.where)):
        if a:
            terms.add(RDF_TYPE.decode()[1:-1])
        elif iri:
            terms.add(iri)
        elif prefix in prefixes:
            terms.add(prefixes[prefix] + local)
    return terms


@dataclass(frozen=True)
class DumpNeeds:
    """What to keep of a release: ``classes`` make a resource an entity; ``predicates`` are kept for entities."""

    classes: frozenset[str]
    predicates: frozenset[str]

    @classmethod
    def of_queries(cls, queries: Iterable[PagedQuery]) -> DumpNeeds:
        """dbo: terms with an upper-case local name are classes; other terms, except resources, are predicates."""
        classes, predicates = set(), set()
        for query in queries:
            for term in query_terms(query):
                if term.startswith(RESOURCE):
                    continue
                local = term.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
                if term.startswith(DBO.decode()[1:]) and local[:1].isupper():
                    classes.add(term)
                else:
                    predicates.add(term)
        return cls(frozenset(classes), frozenset(predicates))

    @classmethod
    def for_datasets(cls, names: Iterable[str]) -> DumpNeeds:
        """The needs of the named datasets' builders: every PagedQuery their modules declare, and the class tree."""
        from spacetime.pipelines.builders.dbpedia import SUBCLASSES
        from spacetime.pipelines.registry import builder

        queries = [SUBCLASSES]
        for name in names:
            queries.extend(v for v in vars(builder(name)).values() if isinstance(v, PagedQuery))
        return cls.of_queries(queries)

    def as_dict(self) -> dict[str, list[str]]:
        return {"classes": sorted(self.classes), "predicates": sorted(self.predicates)}

    def digest(self) -> str:
        return digest(*sorted(self.classes), "|", *sorted(self.predicates))


# --- the pinned release: its Databus files, and what the builders read from each -------------------------------

RELEASE_VERSION = "2022.12.01"  # the DBpedia release a refresh reads; move it deliberately
ONTOLOGY_VERSION = "2022.12.09-011003"  # the ontology snapshot published with it (DBpedia Archivo)
DATABUS = "https://databus.dbpedia.org/"
ONTOLOGY_PUBLISHER = "ontologies"  # DBpedia Archivo, which publishes the ontology snapshots on the Databus
_RDF_TYPE, _RDFS = RDF_TYPE.decode()[1:-1], "http://www.w3.org/2000/01/rdf-schema#"
_GEO, _DBO = "http://www.w3.org/2003/01/geo/wgs84_pos#", DBO.decode()[1:]
_OBJECT_PROPERTIES = ("country", "county", "isPartOf", "location", "state", "subdivision", "occupation")
_OBJECT_PROPERTIES += ("director", "author", "artist", "musicalArtist", "writer")
_LITERAL_PROPERTIES = ("populationTotal", "birthDate", "birthYear", "deathDate", "deathYear", "releaseDate")
_SHORT = {_RDF_TYPE: "rdf:type", _RDFS: "rdfs:", _GEO: "geo:", _DBO: "dbo:"}


@dataclass(frozen=True)
class DatabusFile:
    """One file of the pinned release on the Databus, and the predicates the builders read from it."""

    publisher: str
    group: str
    artifact: str
    version: str
    name: str  # the file name as the Databus publishes it
    carries: frozenset[str]

    @property
    def artifact_id(self) -> str:
        """``publisher/group/artifact``, e.g. ``dbpedia/mappings/geo-coordinates-mappingbased``."""
        return f"{self.publisher}/{self.group}/{self.artifact}"

    @property
    def path(self) -> PurePosixPath:
        """Where the Databus layout puts it: ``publisher/group/artifact/version/name``."""
        return PurePosixPath(self.publisher, self.group, self.artifact, self.version, self.name)

    @property
    def url(self) -> str:
        return f"{DATABUS}{self.path}"


def _dbpedia(group: str, artifact: str, name: str, *carries: str) -> DatabusFile:
    return DatabusFile("dbpedia", group, artifact, RELEASE_VERSION, name, frozenset(carries))


# Every artifact that the live endpoint (dbpedia.org/sparql, loaded from the Databus "latest-core" collection) serves
# a needed predicate from. That includes the generic geo-coordinates (coordinates from article templates) besides the
# mapping-based ones: DBpedia's maintainers trace the endpoint's geo triples to it (dbpedia/extraction-framework#712),
# so reading only the mapping-based file would lose places the endpoint returns.
RELEASE: tuple[DatabusFile, ...] = (
    _dbpedia("mappings", "instance-types", "instance-types_inference=specific_lang=en.ttl.bz2", _RDF_TYPE),
    _dbpedia("mappings", "instance-types", "instance-types_inference=transitive_lang=en.ttl.bz2", _RDF_TYPE),
    _dbpedia(
        "mappings",
        "mappingbased-objects",
        "mappingbased-objects_lang=en.ttl.bz2",
        *(_DBO + p for p in _OBJECT_PROPERTIES),
    ),
    _dbpedia(
        "mappings",
        "mappingbased-literals",
        "mappingbased-literals_lang=en.ttl.bz2",
        *(_DBO + p for p in _LITERAL_PROPERTIES),
    ),
    _dbpedia(
        "mappings",
        "geo-coordinates-mappingbased",
        "geo-coordinates-mappingbased_lang=en.ttl.bz2",
        _GEO + "lat",
        _GEO + "long",
    ),
    _dbpedia("generic", "geo-coordinates", "geo-coordinates_lang=en.ttl.bz2", _GEO + "lat", _GEO + "long"),
    _dbpedia("generic", "labels", "labels_lang=en.ttl.bz2", _RDFS + "label"),
    DatabusFile(
        ONTOLOGY_PUBLISHER,
        "dbpedia.org",
        "ontology--DEV",
        ONTOLOGY_VERSION,
        "ontology--DEV_type=parsed.nt",
        frozenset({_RDFS + "subClassOf"}),
    ),
)


def files_for(needs: DumpNeeds) -> list[DatabusFile]:
    """The files of :data:`RELEASE` that carry a predicate of ``needs``: every one that does, as the endpoint serves
    them all. A needed predicate that no declared file carries is a gap in :data:`RELEASE` (LookupError)."""
    uncovered = needs.predicates.difference(*(f.carries for f in RELEASE))
    if uncovered:
        raise LookupError(f"no file of RELEASE carries {sorted(uncovered)}: declare the Databus artifact that does")
    return [f for f in RELEASE if f.carries & needs.predicates]


def databus_files(datasets: Iterable[str] | None = None) -> list[DatabusFile]:
    """The Databus files that building ``datasets`` (default: every dataset) from the pinned release reads."""
    from spacetime.pipelines.registry import DATASETS

    return files_for(DumpNeeds.for_datasets(DATASETS if datasets is None else datasets))


_COMPRESSED = (".bz2", ".gz")
_FORMATS = (".ttl", ".nt")


def databus_key(name: str) -> tuple[str, frozenset[str]] | None:
    """What identifies a Databus file name whatever its compression: its artifact and content-variant values.

    ``instance-types_inference=specific_lang=en.ttl.bz2`` and the older spelling ``instance-types_lang=en_specific.ttl``
    are both ``("instance-types", {"specific", "en"})``; a name without an N-Triples format (.ttl/.nt) is None.
    """
    for suffix in _COMPRESSED:
        name = name.removesuffix(suffix)
    stem = next((name.removesuffix(f) for f in _FORMATS if name.endswith(f)), None)
    if not stem:
        return None
    artifact, _, variants = stem.partition("_")
    return artifact, frozenset(v.rpartition("=")[2] for v in variants.split("_") if v)


def _short(iri: str) -> str:
    for namespace, prefix in _SHORT.items():
        if iri.startswith(namespace):
            return prefix + iri[len(namespace) :]
    return iri


class ReleaseStoreClient(SparqlClient):
    """The SPARQL client for the local store of a release, which has no row cap: each PagedQuery in one request.

    The paging clauses are left out (Oxigraph sorts by ``STR(?key)`` several times slower than it evaluates the
    pattern, and there is nothing to page); the rows are sorted here exactly as :meth:`SparqlClient.select_all` sorts
    them, and the provenance names the query as the paged path does (template and sha256).
    """

    def select_all(self, query: PagedQuery) -> QueryResult:
        text = f"{query.prefixes}SELECT {query.select} WHERE {{\n{query.where}\n}}\n"
        result = self.select_tsv(text, query.name)  # millions of rows: read in batches into columns, not as JSON
        table = sorted_rows(conform_table(result.table, query.variables), query.key, query.distinct)
        provenance = {**result.provenance, "query": query.template, "query_sha256": query.sha256}
        return QueryResult(table, 1, provenance)


# --- reading files ----------------------------------------------------------------------------------------------


def compression_of(path: Path) -> str:
    """'bz2', 'gzip' or 'none', from the file's first bytes (not its name)."""
    with open(path, "rb") as fh:
        head = fh.read(3)
    if head.startswith(b"BZh"):
        return "bz2"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    return "none"


_DECOMPRESSORS: dict[str, Callable[[], Any]] = {
    "bz2": bz2.BZ2Decompressor,
    "gzip": lambda: zlib.decompressobj(16 + zlib.MAX_WBITS),
}


def _decompressed_blocks(
    path: Path, compression: str, counter: Callable[[int], None] | None, block_size: int = _BLOCK
) -> Iterator[bytes]:
    """The file's decompressed bytes in order; concatenated streams (multi-stream bzip2, multi-member gzip) too."""
    new = _DECOMPRESSORS.get(compression)
    offset = 0
    decompressor, started = (new(), False) if new else (None, False)
    with open(path, "rb") as fh:
        while block := fh.read(block_size):
            if counter:
                counter(len(block))
            if decompressor is None:
                yield block
                offset += len(block)
                continue
            data = block
            while data:
                if decompressor.eof:
                    decompressor, started = new(), False
                try:
                    out = decompressor.decompress(data)
                except (OSError, EOFError, zlib.error) as err:
                    raise DumpError(
                        f"{path}: corrupt {compression} data in compressed bytes {offset}..{offset + len(block)} "
                        f"({err}); download the file again"
                    ) from None
                started = True
                data = decompressor.unused_data if decompressor.eof else b""
                if out:
                    yield out
            offset += len(block)
    if started and not decompressor.eof:
        raise DumpError(
            f"{path}: truncated: the {compression} stream breaks off at byte {offset} (the end of the file); "
            "download the file again"
        )


def _in_background(items: Iterator[bytes], depth: int = 4) -> Iterator[bytes]:
    """``items`` produced by a thread (bz2 and zlib let go of the GIL), so decompressing overlaps with filtering."""
    handoff: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(end)
        except BaseException as err:  # handed to the consumer, which raises it
            put(err)

    worker = threading.Thread(target=produce, name="dump reader", daemon=True)
    worker.start()
    try:
        while (item := handoff.get()) is not end:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()


def line_pieces(
    path: Path,
    compression: str,
    counter: Callable[[int], None] | None = None,
    block_size: int = _BLOCK,
    piece_size: int = _PIECE,
) -> Iterator[bytes]:
    """The file's text as pieces of whole lines (each ends with a newline but perhaps the very last)."""
    carry = b""
    for block in _in_background(_decompressed_blocks(path, compression, counter, block_size)):
        carry += block
        if len(carry) < piece_size:
            continue
        cut = carry.rfind(b"\n") + 1
        if cut:
            yield carry[:cut]
            carry = carry[cut:]
    if carry:
        yield carry


# --- lines --------------------------------------------------------------------------------------------------------

# A triple's shape, for lines the fast split does not take (tabs, several spaces, a comment after the dot).
_SHAPE = re.compile(rb"[ \t]*(<[^>\s]*>|_:\S+)[ \t]+(<[^>\s]*>)[ \t]+(.*?)[ \t]*\.[ \t]*(?:#.*)?")


def split_triple(line: bytes) -> tuple[bytes, bytes, bytes] | None:
    """(subject, predicate, object) of an N-Triples line as written, or None when it is not shaped like one."""
    parts = line.split(b" ", 2)
    if len(parts) == 3:
        s, p, rest = parts
        if rest.endswith(b" .") and p[:1] == b"<" and (s[:1] == b"<" or s[:2] == b"_:"):
            return s, p, rest[:-2]
    match = _SHAPE.fullmatch(line)
    return match.groups() if match else None  # type: ignore[return-value]


def is_english(obj: bytes) -> bool:
    """A literal tagged @en or @en-* (what the queries' LANGMATCHES(LANG(?x), "en") accepts)."""
    at = obj.rfind(b'"@')
    if at < 0:
        return False
    tag = obj[at + 2 :].lower()
    return tag == b"en" or tag.startswith(b"en-")


@dataclass
class FileReport:
    """One release file: what it is, and what reading it found."""

    name: str  # path relative to the release folder
    bytes: int
    sha256: str
    compression: str
    version: str | None = None
    databus: str = ""  # the Databus artifact it was found as (publisher/group/artifact)
    predicates: list[str] = field(default_factory=list)  # the predicates of its first lines, most frequent first
    lines: int = 0
    triples: int = 0
    kept: int = 0
    malformed: dict[str, int] = field(default_factory=dict)
    malformed_examples: list[dict[str, Any]] = field(default_factory=list)

    def note_malformed(self, reason: str, line_no: int, line: bytes) -> None:
        self.malformed[reason] = self.malformed.get(reason, 0) + 1
        if len(self.malformed_examples) < MAX_EXAMPLES:
            text = line[:300].decode("utf-8", "replace")
            self.malformed_examples.append({"line": line_no, "reason": reason, "text": text})

    @property
    def has_labels(self) -> bool:
        return RDFS_LABEL.decode()[1:-1] in self.predicates

    @property
    def has_types(self) -> bool:
        return RDF_TYPE.decode()[1:-1] in self.predicates


# --- the release ------------------------------------------------------------------------------------------------


def locate(folder: Path, wanted: Iterable[DatabusFile]) -> dict[DatabusFile, Path]:
    """Each wanted file, found by its Databus file name anywhere below ``folder``; DumpError naming every missing
    file and its artifact, or the two paths of a file found twice with different bytes."""
    if not folder.is_dir():
        raise DumpError(f"{folder}: not a folder (pass the folder the DBpedia release files were downloaded to)")
    wanted = list(wanted)
    by_key = {databus_key(f.name): f for f in wanted}
    found: dict[DatabusFile, list[Path]] = {f: [] for f in wanted}
    for path in visible_files(folder):
        if (declared := by_key.get(databus_key(path.name))) is not None:
            found[declared].append(path)
    missing = [f for f in wanted if not found[f]]
    if missing:
        raise DumpError(f"{folder}: {_missing_message(missing)}")
    return {f: _one_copy(folder, paths) for f, paths in found.items()}


def _missing_message(missing: list[DatabusFile]) -> str:
    described = "; ".join(
        f"{f.name} (Databus artifact {f.artifact_id}, for {', '.join(_short(p) for p in sorted(f.carries))})"
        for f in missing
    )
    return (
        f"the DBpedia release lacks {len(missing)} file{'s' if len(missing) > 1 else ''} the builders read: "
        f"{described}; download {'them' if len(missing) > 1 else 'it'} from {DATABUS} into this folder "
        "(flat, or in the Databus layout below it)"
    )


def _one_copy(folder: Path, paths: list[Path]) -> Path:
    """The one copy of a file; two copies with different bytes (two versions, two compressions) are refused."""
    first = paths[0]
    for other in paths[1:]:
        same = other.stat().st_size == first.stat().st_size and file_sha256(other) == file_sha256(first)
        if not same:
            a, b = (p.relative_to(folder).as_posix() for p in (first, other))
            raise DumpError(
                f"{folder}: two different copies of {first.name}: {a} and {b}; keep the one of the release to read "
                f"(the pinned version is {RELEASE_VERSION}) and move the other out of the folder"
            )
    return first


def version_of(path: Path, folder: Path) -> str | None:
    """The Databus version (e.g. 2022.12.01) in the file's path below or at the release folder, if any."""
    for part in reversed([folder.name, *path.relative_to(folder).parts]):
        if found := _VERSION.search(part):
            return found.group(1)
    return None


def sniff(path: Path, folder: Path) -> FileReport:
    """Recognise a release file from its first triples; DumpError naming it when it is not part of a release."""
    compression = compression_of(path)
    report = FileReport(
        name=path.relative_to(folder).as_posix(),
        bytes=path.stat().st_size,
        sha256="",
        compression=compression,
        version=version_of(path, folder),
    )
    counts: dict[bytes, int] = {}
    triples = dbpedia = seen = 0
    pieces = line_pieces(path, compression, block_size=64 << 10, piece_size=256 << 10)  # a file's head only
    try:
        for piece in pieces:
            for line in piece.splitlines():
                if not line.strip() or line.lstrip().startswith(b"#"):
                    continue
                parts = split_triple(line)
                if parts is None:
                    continue
                triples += 1
                dbpedia += parts[0].startswith(DBPEDIA)
                counts[parts[1]] = counts.get(parts[1], 0) + 1
                if triples >= SNIFF_TRIPLES:
                    break
            seen += len(piece)
            if triples >= SNIFF_TRIPLES or seen >= SNIFF_BYTES:
                break
    finally:
        pieces.close()
    if not triples:
        raise DumpError(
            f"{report.name}: not N-Triples (no triple in its first lines); the release folder may hold only the "
            "N-Triples files of a DBpedia release (.ttl/.nt, plain, .bz2 or .gz)"
        )
    if not dbpedia:
        raise DumpError(
            f"{report.name}: not part of a DBpedia release: none of its first {triples} triples is about a "
            "http://dbpedia.org/ resource or class; move it out of the release folder"
        )
    report.predicates = [p.decode()[1:-1] for p, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return report


class DumpFilter:
    """The two passes over a release: collect the entities, then keep their needed triples (see the module doc)."""

    def __init__(self, needs: DumpNeeds):
        self.classes = frozenset(f"<{c}>".encode() for c in needs.classes)
        self.predicates = frozenset(f"<{p}>".encode() for p in needs.predicates)
        self.entities: set[bytes] = set()
        self.linked: set[bytes] = set()
        self._types = re.compile(
            rb"^[ \t]*(\S++)[ \t]+"
            + re.escape(RDF_TYPE)
            + rb"[ \t]+(?:"
            + b"|".join(re.escape(c) for c in sorted(self.classes))
            + rb")[ \t]*\.",
            re.MULTILINE,
        )

    def collect_entities(self, piece: bytes) -> None:
        """Pass 1: the subjects typed with one of the classes."""
        if self.classes:
            self.entities.update(self._types.findall(piece))

    def keep(self, piece: bytes, report: FileReport) -> bytes:
        """Pass 2: the needed lines of ``piece``, checked by the N-Triples parser; malformed lines counted."""
        entities, linked, predicates, classes = self.entities, self.linked, self.predicates, self.classes
        kept: list[bytes] = []
        kept_lines: list[int] = []
        first = report.lines + 1
        lines = piece.split(b"\n")
        if lines and not lines[-1]:
            lines.pop()
        triples = 0
        for i, line in enumerate(lines):
            try:  # DBpedia's own spelling (single spaces, nothing after the dot) takes the fast path
                s, p, o = line.split(b" ", 2)
                fast = o.endswith(b" .") and p[:1] == b"<" and (s[:1] == b"<" or s[:2] == b"_:")
            except ValueError:
                fast = False
            if fast:
                o = o[:-2]
            else:
                line = line.rstrip(b"\r")
                if not line.strip() or line.lstrip()[:1] == b"#":
                    continue
                if (parts := split_triple(line)) is None:
                    report.note_malformed("not shaped like a triple", first + i, line)
                    continue
                s, p, o = parts
            triples += 1
            if p == RDF_TYPE:
                if s in entities:
                    if o.startswith(DBO) and p in predicates:
                        kept.append(line)
                        kept_lines.append(first + i)
                elif o in classes:
                    raise DumpError(
                        f"{report.name} line {first + i}: an rdf:type {o.decode()} triple that the first pass "
                        "did not see (it sniffed no rdf:type in the file's first lines)"
                    )
            elif p == RDFS_LABEL:
                if (s in entities or s in linked) and is_english(o) and p in predicates:
                    kept.append(line)
                    kept_lines.append(first + i)
            elif p == RDFS_SUBCLASS:
                if s.startswith(DBO) and p in predicates:
                    kept.append(line)
                    kept_lines.append(first + i)
            elif p in predicates and s in entities:
                kept.append(line)
                kept_lines.append(first + i)
                if o[:1] == b"<":
                    linked.add(o)
        report.lines += len(lines)
        report.triples += triples
        return self._parsed(kept, kept_lines, report)

    def _parsed(self, kept: list[bytes], line_numbers: list[int], report: FileReport) -> bytes:
        """The kept lines the N-Triples parser accepts; the others are counted as malformed with its reason."""
        text = b"".join(line + b"\n" for line in kept)
        starts = [0]
        for line in kept:
            starts.append(starts[-1] + len(line) + 1)
        stream, start, bad_lines = io.BytesIO(text), 0, []
        while start < len(kept):
            stream.seek(starts[start])  # after a bad line the parser resumes at the next one, without a copy
            try:
                for _ in pyoxigraph.parse(stream, format=pyoxigraph.RdfFormat.N_TRIPLES):
                    pass
                break
            except SyntaxError as err:
                bad = start + (err.lineno or 1) - 1
                reason = str(err.msg).split(": ", 1)[-1] if err.msg else "N-Triples syntax error"
                report.note_malformed(reason, line_numbers[bad], kept[bad])
                bad_lines.append(bad)
                start = bad + 1
        report.kept += len(kept) - len(bad_lines)
        if not bad_lines:
            return text
        good, previous = [], 0
        for bad in bad_lines:
            good.append(text[starts[previous] : starts[bad]])
            previous = bad + 1
        good.append(text[starts[previous] :])
        return b"".join(good)


@dataclass
class PreparedRelease:
    """A filtered release ready to load: the N-Triples files and what reading the release found."""

    folder: Path
    files: list[Path]
    report: dict[str, Any]


class DbpediaDump:
    """A release folder, filtered for ``needs`` into ``cache_root/<key>/`` (reused while the files are the same).

    It reads the files of :data:`RELEASE` that the needs call for (:func:`files_for`), and only those."""

    def __init__(self, folder: str | os.PathLike, needs: DumpNeeds, cache_root: str | os.PathLike, progress=True):
        self.folder = Path(folder)
        self.needs = needs
        self.wanted = files_for(needs)
        self.cache_root = Path(cache_root)
        self.progress = progress
        self.bytes_read = 0  # compressed bytes read by the two passes (for benchmarks)
        self._reports: list[FileReport] | None = None

    def reports(self) -> list[FileReport]:
        """The wanted files of the release, located (or the release refused), recognised and hashed (once)."""
        if self._reports is None:
            reports = []
            for declared, path in sorted(locate(self.folder, self.wanted).items(), key=lambda fp: fp[1]):
                report = sniff(path, self.folder)
                report.databus = declared.artifact_id
                report.sha256 = file_sha256(path)
                reports.append(report)
            self._reports = reports
        return self._reports

    def key(self) -> str:
        """Names the filtered output: the filter's version, the needs, and every file's name, size and sha256."""
        parts = [f"filter-v{FILTER_VERSION}", self.needs.digest()]
        for r in self.reports():
            parts += [r.name, str(r.bytes), r.sha256]
        return digest(*parts)[:16]

    def prepare(self) -> PreparedRelease:
        """The filtered release, from the cache when this release was filtered for these needs before."""
        final = self.cache_root / self.key()
        if not (final / "report.json").exists():
            self._filter_into(final)
        report = json.loads((final / "report.json").read_text("utf-8"))
        return PreparedRelease(final, [final / name for name in report["outputs"]], report)

    def _filter_into(self, final: Path) -> None:
        """Both passes into a work folder, renamed into place at the end (a killed run starts over)."""
        work = final.with_name(f".{final.name}.partial")
        if work.exists():
            shutil.rmtree(work)  # what a killed run left
        work.mkdir(parents=True)
        reports = self.reports()
        dump_filter = DumpFilter(self.needs)
        for report in reports:
            if report.has_types:
                for piece in self._pieces(report, "entities"):
                    dump_filter.collect_entities(piece)
        log.info("DBpedia release: %d entities of %d classes", len(dump_filter.entities), len(self.needs.classes))
        outputs = []
        for index, report in sorted(enumerate(reports), key=lambda ir: (ir[1].has_labels, ir[0])):
            name = f"{index:02d}-{_safe_name(report.name)}.nt"
            with open(work / name, "wb") as out:
                for piece in self._pieces(report, "filter"):
                    out.write(dump_filter.keep(piece, report))
            outputs.append(name)
            _warn_malformed(report)
        summary = {
            "filter_version": FILTER_VERSION,
            "needs": self.needs.as_dict(),
            "entities": len(dump_filter.entities),
            "linked_resources": len(dump_filter.linked),
            "kept_triples": sum(r.kept for r in reports),
            "outputs": sorted(outputs),
            "files": [_report_dict(r) for r in reports],
        }
        write_json_atomic(work / "report.json", summary)
        if final.exists():
            shutil.rmtree(final)
        os.replace(work, final)

    def _pieces(self, report: FileReport, what: str) -> Iterator[bytes]:
        from tqdm.auto import tqdm

        path = self.folder / report.name
        with tqdm(
            total=report.bytes,
            desc=f"DBpedia {what}: {report.name}",
            unit="B",
            unit_scale=True,
            leave=False,
            disable=None if self.progress else True,
        ) as bar:

            def count(n: int) -> None:
                self.bytes_read += n
                bar.update(n)

            yield from line_pieces(path, report.compression, count)

    def info(self, prepared: PreparedRelease) -> dict[str, Any]:
        """The release as recorded in the build metadata (``sources.dbpedia_release``)."""
        report = prepared.report
        dated = [f for f in report["files"] if f["version"] and f["databus"].split("/")[0] != ONTOLOGY_PUBLISHER]
        versions = sorted({f["version"] for f in dated})  # the ontology snapshot keeps its own, in its file entry
        return {
            "folder": str(self.folder),
            "versions": versions,
            "files": report["files"],
            "filter": {
                k: report[k] for k in ("filter_version", "needs", "entities", "linked_resources", "kept_triples")
            },
            "store": prepared.folder.name,
        }


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", name)


def _report_dict(report: FileReport) -> dict[str, Any]:
    return {
        "name": report.name,
        "version": report.version,
        "databus": report.databus,
        "bytes": report.bytes,
        "sha256": report.sha256,
        "compression": report.compression,
        "predicates": report.predicates[:10],
        "lines": report.lines,
        "triples": report.triples,
        "kept": report.kept,
        "malformed": dict(sorted(report.malformed.items())),
        "malformed_examples": report.malformed_examples,
    }


def _warn_malformed(report: FileReport) -> None:
    if report.malformed:
        log.warning(
            "%s: %d malformed lines left out (%s); e.g. %s",
            report.name,
            sum(report.malformed.values()),
            report.malformed,
            report.malformed_examples[:1],
        )
