"""A local stand-in for the Databus and dumps.wikimedia.org, for ``spacetime download``'s tests.

It serves both layouts from memory: a Databus version's JSON-LD at the version IRI's path (in the shape of the
bundled sample ``tests/pipelines/fixtures/databus/instance-types-2022.12.01.jsonld``, the format the Databus
publishes, with this server's sizes and sha256 filled in), the files at their download paths with HTTP Range
support (206 with Content-Range, 416 past the end), and ``md5sums.txt`` in a pageview month folder where a test
puts one. Anything else is a 404.

A test scripts faults per path (``server.faults[path] = ["cut", "429"]``): each request to that path takes the next
action: ``cut`` sends the headers of the whole answer and half of its body, then closes the connection; ``429``
answers Too Many Requests with ``Retry-After: 1``; ``503`` a server error. Every request is logged with its time,
path, Range and User-Agent.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spacetime.pipelines.servers.loopback import LoopbackServer, Request
from spacetime.pipelines.sources.dbpedia_dump import DatabusFile
from spacetime.pipelines.sources.download import version_iri

SAMPLE = Path(__file__).parent / "pipelines" / "fixtures" / "databus" / "instance-types-2022.12.01.jsonld"
REAL_DATABUS = "https://databus.dbpedia.org"


@dataclass(frozen=True)
class Logged:
    time: float
    method: str
    path: str
    range: str | None
    user_agent: str | None


class DumpServer(LoopbackServer):
    name = "dump server"

    def __init__(self) -> None:
        super().__init__()
        self.files: dict[str, bytes] = {}
        self.documents: dict[str, Any] = {}
        self.faults: dict[str, deque[str] | list[str]] = {}
        self.log: list[Logged] = []

    # --- what it serves

    def publish_release(self, files: dict[DatabusFile, bytes], sha256: dict[str, str] | None = None) -> None:
        """Each file at ``/download/<path>`` and its version's JSON-LD at the version IRI's path. ``sha256``: file
        name -> a digest to publish instead of the true one."""
        versions: dict[str, list[tuple[DatabusFile, bytes]]] = {}
        for item, data in files.items():
            versions.setdefault(version_iri(item, self.url), []).append((item, data))
            self.files[f"/download/{item.path}"] = data
        for iri, items in versions.items():
            self.documents[urllib.parse.urlsplit(iri).path] = self._version_document(iri, items, sha256 or {})

    def _version_document(self, iri: str, items: list[tuple[DatabusFile, bytes]], sha256: dict[str, str]) -> Any:
        """The sample's document, re-aimed at this server: its Version node and one Part per file."""
        sample = json.loads(SAMPLE.read_text("utf-8"))
        version, part = copy.deepcopy(sample["@graph"][0]), sample["@graph"][1]
        version["@id"] = iri
        version["distribution"] = []
        graph = [version]
        for item, data in items:
            node = copy.deepcopy(part)
            node["@id"] = f"{iri}#{item.name}"
            node["file"] = f"{iri}/{item.name}"
            node["downloadURL"] = f"{self.url}/download/{item.path}"
            node["byteSize"] = str(len(data))
            node["sha256sum"] = sha256.get(item.name, hashlib.sha256(data).hexdigest())
            version["distribution"].append(node["@id"])
            graph.append(node)
        return {"@context": sample["@context"], "@graph": graph}

    def publish_month(self, path: str, data: bytes, md5sums: bool = False, md5: str | None = None) -> None:
        """A monthly pageview file at ``path``; with ``md5sums`` the folder's md5sums.txt names it (with ``md5``,
        or its true digest)."""
        self.files[path] = data
        if md5sums:
            folder, name = path.rsplit("/", 1)
            line = f"{md5 or hashlib.md5(data).hexdigest()}  {name}\n"
            self.files[f"{folder}/md5sums.txt"] = self.files.get(f"{folder}/md5sums.txt", b"") + line.encode()

    def requests_for(self, path: str) -> list[Logged]:
        with self.lock:
            return [entry for entry in self.log if entry.path == path]

    # --- answering

    def respond(self, request: Request) -> None:
        path = urllib.parse.unquote(urllib.parse.urlsplit(request.path).path)
        with self.lock:
            self.log.append(
                Logged(
                    time.monotonic(),
                    request.command,
                    path,
                    request.headers.get("Range"),
                    request.headers.get("User-Agent"),
                )
            )
            script = self.faults.get(path)
            action = script.pop(0) if script else None
        if action == "429":
            request.send(429, b"slow down", "text/plain", {"Retry-After": "1"})
        elif action == "503":
            request.send(503, b"unavailable", "text/plain")
        elif path in self.documents:
            request.send_json(200, self.documents[path])
        elif path in self.files:
            self._send_file(request, self.files[path], cut=action == "cut")
        else:
            request.send(404, b"not found", "text/plain")

    def _send_file(self, request: Request, data: bytes, cut: bool) -> None:
        start, status, headers = 0, 200, {"Accept-Ranges": "bytes"}
        match = re.fullmatch(r"bytes=(\d+)-", request.headers.get("Range") or "")
        if match:
            start = int(match.group(1))
            if start >= len(data):
                request.send(416, b"", "text/plain", {"Content-Range": f"bytes */{len(data)}"})
                return
            status = 206
            headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
        body = data[start:]
        if not cut:
            request.send(status, body, "application/octet-stream", headers)
            return
        request.send_response(status)
        request.send_header("Content-Type", "application/octet-stream")
        request.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            request.send_header(key, value)
        request.end_headers()
        request.wfile.write(body[: len(body) // 2])
        request.wfile.flush()
        request.close_connection = True
