"""A local stand-in for NYC Open Data's SODA 2 API, serving the bundled sample on loopback in sample mode.

:class:`SodaEmulator` answers ``/resource/<dataset>.json`` with the service's paging semantics, so the same
:class:`~spacetime.pipelines.sources.soda.SodaClient` code runs against it and against the live service.
"""

from __future__ import annotations

import gzip
import json
import logging
import random
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from spacetime.common import digest
from spacetime.pipelines.servers.loopback import LoopbackServer, Request

log = logging.getLogger(__name__)

SODA_DEFAULT_LIMIT = 1000  # what the service returns when no $limit is given
SUPPORTED_PARAMS = {"$limit", "$offset", "$order", "$select"}


class SoqlError(ValueError):
    """A query the emulator refuses, as the service answers a malformed query: HTTP 400 with a JSON error."""


class SodaEmulator(LoopbackServer):
    """A loopback HTTP server answering ``/resource/<dataset>.json`` from rows in memory.

    Rows are stored as ``$select=:*,*`` would return them: data fields plus system fields such as ``:id``. They are
    served with SODA's paging semantics: ``$limit`` (default 1000), ``$offset``, ``$order`` (fields or ``:id``,
    ``ASC``/``DESC``, comma-separated) and ``$select`` (``*``, ``:*, *`` or a list of fields). System fields are left
    out unless selected. Without ``$order`` each request sees the rows in a different order, as the service does not
    promise one. Other clauses (``$where``, ...) are refused with 400, as a malformed query is.
    """

    name = "SODA emulator"

    def __init__(self, datasets: dict[str, Sequence[dict[str, Any]]], *, content_id: str = "memory"):
        super().__init__()
        self.datasets = {name: [dict(r) for r in rows] for name, rows in datasets.items()}
        self.content_id = content_id
        self._unordered_calls = 0

    @classmethod
    def from_folder(cls, folder: Path, **kwargs: Any) -> SodaEmulator:
        """Rows from ``<folder>/<dataset>/*.json[.gz]`` (pages of rows, read in file-name order)."""
        datasets: dict[str, list[dict[str, Any]]] = {}
        hashes: list[str] = []
        for sub in sorted(p for p in Path(folder).iterdir() if p.is_dir()):
            rows: list[dict[str, Any]] = []
            for path in sorted(sub.glob("*.json*")):
                data = path.read_bytes()
                hashes += [f"{sub.name}/{path.name}", digest(data.hex())]
                page = json.loads(gzip.decompress(data) if path.suffix == ".gz" else data)
                if not isinstance(page, list) or not all(isinstance(row, dict) for row in page):
                    raise ValueError(f"SODA sample file {path}: expected a JSON array of row objects")
                rows.extend(page)
            datasets[sub.name] = rows
        if not datasets:
            raise FileNotFoundError(f"no SODA dataset folders under {folder}")
        kwargs.setdefault("content_id", digest(*hashes)[:16])
        return cls(datasets, **kwargs)

    @property
    def base_url(self) -> str:
        return self.url

    def start(self) -> SodaEmulator:
        super().start()
        log.info("SODA emulator serving %s", self.base_url)
        return self

    # -- query semantics -------------------------------------------------------------------------------------------

    def answer(self, dataset: str, params: dict[str, str]) -> list[dict[str, Any]]:
        """The rows the service would return for ``params``; raises :class:`SoqlError` or KeyError (no dataset)."""
        rows = self.datasets[dataset]
        unknown = set(params) - SUPPORTED_PARAMS
        if unknown:
            raise SoqlError(f"the emulator does not support {sorted(unknown)}")
        limit = _non_negative(params, "$limit", SODA_DEFAULT_LIMIT)
        offset = _non_negative(params, "$offset", 0)
        if "$order" in params:
            ordered = _ordered(rows, params["$order"])
        else:
            with self.lock:
                self._unordered_calls += 1
                seed = self._unordered_calls
            ordered = list(rows)
            random.Random(seed).shuffle(ordered)
        page = ordered[offset : offset + limit]
        return [_selected(row, params.get("$select")) for row in page]

    def respond(self, request: Request) -> None:
        parsed = urllib.parse.urlsplit(request.path)
        params = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
        if not parsed.path.startswith("/resource/") or not parsed.path.endswith(".json"):
            return request.send_json(404, {"code": "not_found", "error": True, "message": "Not found"})
        name = parsed.path.removeprefix("/resource/").removesuffix(".json")
        try:
            rows = self.answer(name, params)
        except KeyError:
            return request.send_json(
                404, {"code": "dataset.missing", "error": True, "message": f"Cannot find view with id {name}"}
            )
        except SoqlError as err:
            return request.send_json(400, {"code": "query.soql.invalid", "error": True, "message": str(err)})
        request.send_json(200, rows)


def _non_negative(params: dict[str, str], name: str, default: int) -> int:
    text = params.get(name)
    if text is None:
        return default
    if not text.strip().isdigit():
        raise SoqlError(f"{name} must be a non-negative integer, got {text!r}")
    return int(text)


def _ordered(rows: list[dict[str, Any]], order: str) -> list[dict[str, Any]]:
    """Rows sorted by a SoQL ``$order``: comma-separated fields, each optionally ASC or DESC; missing values first."""
    keys = []
    for part in order.split(","):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].upper() not in ("ASC", "DESC")):
            raise SoqlError(f"cannot parse $order {order!r}")
        keys.append((words[0], len(words) == 2 and words[1].upper() == "DESC"))
    out = list(rows)
    for name, descending in reversed(keys):  # stable sorts, last key first
        out.sort(key=lambda r: (r.get(name) is not None, _sort_value(r.get(name))), reverse=descending)
    return out


def _sort_value(value: Any) -> tuple:
    """Numbers sort as numbers (SODA's number columns arrive as strings), everything else as text."""
    if value is None:
        return (0, 0.0, "")
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    try:
        return (1, float(text), "")
    except ValueError:
        return (2, 0.0, text)


def _selected(row: dict[str, Any], select: str | None) -> dict[str, Any]:
    fields = [f.strip() for f in (select or "*").split(",") if f.strip()]
    if not fields:
        raise SoqlError(f"cannot parse $select {select!r}")
    out: dict[str, Any] = {}
    for name in fields:
        if name == "*":
            out.update({k: v for k, v in row.items() if not k.startswith(":")})
        elif name == ":*":
            out.update({k: v for k, v in row.items() if k.startswith(":")})
        elif name in row:
            out[name] = row[name]
        elif not name.replace("_", "").replace(":", "").isalnum():
            raise SoqlError(f"the emulator supports only plain field names in $select, not {name!r}")
    return out
