"""The tests' fault servers: a fault-injecting HTTP proxy in front of one real endpoint URL, and the product's local
servers with what only the tests need (a request log, pages cut short, a token check).

Each request to the proxy is answered by the next action of a script (``"pass"`` forwards it unchanged), so a test
can say "429, then reset, then pass" and check what the client made of it. A ``rule`` (query text -> action or None)
answers by what a request asks, before the script: "every query whose range is wider than 10 times out". Row caps
are applied to SPARQL JSON answers the way Virtuoso applies them: the first N bindings, HTTP 200, and the
``X-SPARQL-MaxRows`` header.
"""

from __future__ import annotations

import json
import socket
import struct
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from spacetime.pipelines.servers.loopback import LoopbackServer, Request
from spacetime.pipelines.servers.nyt import ArchiveFileServer
from spacetime.pipelines.servers.soda import SodaEmulator


def reset(request: Request) -> None:
    """Answer nothing: the connection is closed with a TCP reset (linger 0) when the handler returns."""
    request.close_connection = True
    request.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def send_cut_short(request: Request, body: bytes) -> None:
    """A 200 whose Content-Length promises ``body`` but only half of it arrives before the connection closes."""
    request.send_response(200)
    request.send_header("Content-Type", "application/json")
    request.send_header("Content-Length", str(len(body)))
    request.end_headers()
    request.wfile.write(body[: len(body) // 2])
    request.wfile.flush()
    request.close_connection = True


class FaultProxy(LoopbackServer):
    name = "fault proxy"

    def __init__(
        self,
        upstream: str,
        cap: int | None = None,
        silent_cap: int | None = None,
        rule: Callable[[str], str | None] | None = None,
    ):
        super().__init__()
        self.upstream = upstream.rstrip("/")
        self.cap = cap  # Virtuoso-style cap, announced in X-SPARQL-MaxRows
        self.silent_cap = silent_cap  # a cap with no header at all (must be caught by the end check)
        self.rule = rule
        self.script: deque[str | Callable] = deque()
        self.requests: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0

    def plan(self, *actions: str | Callable) -> None:
        self.script.extend(actions)

    def _next_action(self) -> str | Callable:
        with self.lock:
            return self.script.popleft() if self.script else "pass"

    def _forward(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        query = path.partition("?")[2]
        req = urllib.request.Request(f"{self.upstream}?{query}" if query else self.upstream, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), err.read()

    def respond(self, request: Request) -> None:
        with self.lock:
            self.requests.append(request.path)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            ruled = self.rule(query_text(request.path)) if self.rule else None
            self._answer(request, ruled or self._next_action())
        finally:
            with self.lock:
                self.in_flight -= 1

    def _answer(self, request: Request, action: str | Callable) -> None:
        if callable(action):
            return action(request)
        if action == "reset":
            reset(request)
            request.connection.close()  # at once: a keep-alive client would otherwise wait for its read timeout
            return
        if action.startswith("429"):
            return request.send(429, b"slow down", "text/plain", {"Retry-After": action.split(":")[1]})
        if action.startswith("status:"):
            code, _, text = action[len("status:") :].partition(":")
            return request.send(int(code), text.encode(), "text/plain")
        if action == "html":
            return request.send(200, b"<html><body>Service temporarily unavailable</body></html>", "text/html")
        if action.startswith("slow:"):
            time.sleep(float(action.split(":")[1]))
        status, headers, body = self._forward(request.path, {"Accept": request.headers.get("Accept", "*/*")})
        extra: dict[str, str] = {}
        if action == "truncate":
            body = body[: len(body) // 2]
        elif action == "partial":
            status = 206
        elif action == "s1tat":
            extra["X-SQL-State"] = "S1TAT"
        if status == 200 and (self.cap or self.silent_cap):
            body, capped = _cap(body, self.cap or self.silent_cap)
            if capped and self.cap:
                extra["X-SPARQL-MaxRows"] = str(self.cap)
        request.send(status, body, headers.get("Content-Type", "application/sparql-results+json"), extra)


@dataclass
class EmulatorRequest:
    path: str
    params: dict[str, str]
    app_token: bool  # whether an X-App-Token header came with it (its value is never kept)


class FaultySodaEmulator(SodaEmulator):
    """The SODA emulator, recording each request, and with two faults: ``max_rows`` cuts pages short without saying
    so; with ``app_token`` set, a request carrying a different token is refused with 403, as the service does."""

    def __init__(self, datasets: dict[str, Any], *, max_rows: int | None = None, app_token: str | None = None):
        super().__init__(datasets)
        self.max_rows = max_rows
        self.app_token = app_token
        self.requests: list[EmulatorRequest] = []

    def resource_url(self, dataset: str) -> str:
        return f"{self.base_url}/resource/{dataset}.json"

    def answer(self, dataset: str, params: dict[str, str]) -> list[dict[str, Any]]:
        rows = super().answer(dataset, params)
        return rows if self.max_rows is None else rows[: self.max_rows]

    def respond(self, request: Request) -> None:
        parsed = urllib.parse.urlsplit(request.path)
        params = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
        token = request.headers.get("X-App-Token")
        with self.lock:
            self.requests.append(EmulatorRequest(parsed.path, params, token is not None))
        if self.app_token is not None and token is not None and token != self.app_token:
            message = {"code": "invalid_app_token", "error": True, "message": "Invalid app_token specified"}
            return request.send_json(403, message)
        super().respond(request)


class RecordingArchiveServer(ArchiveFileServer):
    """The NYT archive file server, recording the path of each request."""

    def __init__(self, root):
        super().__init__(root)
        self.requests: list[str] = []

    def respond(self, request: Request) -> None:
        with self.lock:
            self.requests.append(urllib.parse.urlsplit(request.path).path)
        super().respond(request)


def query_text(path: str) -> str:
    """The SPARQL text of a GET request's ``query`` parameter."""
    return urllib.parse.parse_qs(path.partition("?")[2]).get("query", [""])[0]


def _cap(body: bytes, cap: int) -> tuple[bytes, bool]:
    data = json.loads(body)
    bindings = data.get("results", {}).get("bindings")
    if bindings is None or len(bindings) <= cap:
        return body, False
    data["results"]["bindings"] = bindings[:cap]
    return json.dumps(data).encode(), True
