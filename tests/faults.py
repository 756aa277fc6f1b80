"""A fault-injecting HTTP proxy in front of one real endpoint URL, for the client tests.

Each request is answered by the next action of a script (``"pass"`` forwards it unchanged), so a test can say
"429, then reset, then pass" and check what the client made of it. A ``rule`` (query text -> action or None) answers
by what a request asks, before the script: "every query whose range is wider than 10 times out". Row caps are
applied to SPARQL JSON answers the way Virtuoso applies them: the first N bindings, HTTP 200, and the
``X-SPARQL-MaxRows`` header.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FaultProxy:
    def __init__(
        self,
        upstream: str,
        cap: int | None = None,
        silent_cap: int | None = None,
        rule: Callable[[str], str | None] | None = None,
    ):
        self.upstream = upstream.rstrip("/")
        self.cap = cap  # Virtuoso-style cap, announced in X-SPARQL-MaxRows
        self.silent_cap = silent_cap  # a cap with no header at all (must be caught by the end check)
        self.rule = rule
        self.script: deque[str | Callable] = deque()
        self.requests: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def plan(self, *actions: str | Callable) -> None:
        self.script.extend(actions)

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _next_action(self) -> str | Callable:
        with self._lock:
            return self.script.popleft() if self.script else "pass"

    def _forward(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        query = path.partition("?")[2]
        req = urllib.request.Request(f"{self.upstream}?{query}" if query else self.upstream, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), err.read()

    def _handler(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                with proxy._lock:
                    proxy.requests.append(self.path)
                    proxy.in_flight += 1
                    proxy.max_in_flight = max(proxy.max_in_flight, proxy.in_flight)
                try:
                    ruled = proxy.rule(query_text(self.path)) if proxy.rule else None
                    self._answer(ruled or proxy._next_action())
                finally:
                    with proxy._lock:
                        proxy.in_flight -= 1

            def _send(
                self,
                status: int,
                body: bytes,
                headers: dict[str, str] | None = None,
                content_type: str = "application/sparql-results+json",
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def _answer(self, action: str | Callable) -> None:
                if callable(action):
                    return action(self)
                if action == "reset":
                    self.close_connection = True  # or a keep-alive client waits for its read timeout
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    self.connection.close()
                    return
                if action.startswith("429"):
                    return self._send(429, b"slow down", {"Retry-After": action.split(":")[1]}, "text/plain")
                if action.startswith("status:"):
                    code, _, text = action[len("status:") :].partition(":")
                    return self._send(int(code), text.encode(), content_type="text/plain")
                if action == "html":
                    return self._send(
                        200, b"<html><body>Service temporarily unavailable</body></html>", content_type="text/html"
                    )
                if action.startswith("slow:"):
                    time.sleep(float(action.split(":")[1]))
                status, headers, body = proxy._forward(self.path, {"Accept": self.headers.get("Accept", "*/*")})
                extra: dict[str, str] = {}
                if action == "truncate":
                    body = body[: len(body) // 2]
                elif action == "partial":
                    status = 206
                elif action == "s1tat":
                    extra["X-SQL-State"] = "S1TAT"
                if status == 200 and (proxy.cap or proxy.silent_cap):
                    body, capped = _cap(body, proxy.cap or proxy.silent_cap)
                    if capped and proxy.cap:
                        extra["X-SPARQL-MaxRows"] = str(proxy.cap)
                self._send(status, body, extra, headers.get("Content-Type", "application/sparql-results+json"))

        return Handler


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
