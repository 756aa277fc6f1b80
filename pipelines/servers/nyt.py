"""A local stand-in for the NYT Archive API, serving the bundled sample's month files on loopback in sample mode."""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path

from spacetime.common import digest, file_sha256
from spacetime.pipelines.servers.loopback import LoopbackServer, Request


class ArchiveFileServer(LoopbackServer):
    """Serves ``{root}/{year}/{month}.json.gz`` files at ``/svc/archive/v1/{year}/{month}.json`` on loopback.

    Like the service it answers 401 without an ``api-key`` parameter, 404 for a month it does not hold, and sends
    the JSON gzip-encoded. Runs in a thread of this process; stopped on exit from the ``with`` block.
    """

    name = "NYT archive file server"
    PATH = re.compile(r"^/svc/archive/v1/(\d{4})/(\d{1,2})\.json$")

    def __init__(self, root: Path):
        super().__init__()
        self.root = Path(root)

    def file_for(self, path: str) -> Path | None:
        match = self.PATH.match(path)
        if not match:
            return None
        return self.root / match.group(1) / f"{int(match.group(2))}.json.gz"

    def label(self) -> str:
        """A name for the served content (not the port): the hash of every file's name and bytes."""
        files = sorted(self.root.rglob("*.json.gz"))
        return digest(*[part for f in files for part in (str(f.relative_to(self.root)), file_sha256(f))])[:16]

    def respond(self, request: Request) -> None:
        parts = urllib.parse.urlsplit(request.path)
        if not urllib.parse.parse_qs(parts.query).get("api-key"):
            return request.send(401, b'{"fault":{"faultstring":"Failed to resolve API Key variable"}}')
        path = self.file_for(parts.path)
        if path is None or not path.is_file():
            return request.send(404, b'{"fault":{"faultstring":"not found"}}')
        request.send(200, path.read_bytes(), headers={"Content-Encoding": "gzip"})
