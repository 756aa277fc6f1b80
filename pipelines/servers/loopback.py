"""One skeleton for every in-process HTTP server: a free 127.0.0.1 port, a daemon thread, start/stop or ``with``.

A server subclasses :class:`LoopbackServer` and answers each request in :meth:`LoopbackServer.respond`, using the
helpers of :class:`Request` to send a whole response.
"""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Request(BaseHTTPRequestHandler):
    """One request to a :class:`LoopbackServer`; ``self.server.owner`` is that server."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms delayed-ACK stall

    def log_message(self, *args: object) -> None:  # keep the console quiet
        pass

    def _dispatch(self) -> None:
        self.server.owner.respond(self)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _dispatch

    def send(
        self, status: int, body: bytes, content_type: str = "application/json", headers: dict[str, str] | None = None
    ) -> None:
        """A whole response."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":  # a HEAD answer has the GET's headers and no body
            self.wfile.write(body)

    def send_json(self, status: int, value: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(value, ensure_ascii=False).encode("utf-8")
        self.send(status, body, "application/json;charset=utf-8", headers)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, owner: LoopbackServer):
        self.owner = owner
        super().__init__(("127.0.0.1", 0), Request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-answer (killed, timed out) is its own business; anything else is printed."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class LoopbackServer:
    """An HTTP server on a free loopback port, served by a daemon thread of this process while it runs."""

    name = "loopback server"

    def __init__(self) -> None:
        self.lock = threading.Lock()  # for state the request threads share
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None  # kept after stop(): a test may show a client the address of a stopped server

    def respond(self, request: Request) -> None:
        raise NotImplementedError

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError(f"the {self.name} was never started; use it as a context manager")
        return self._port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self._httpd = _HTTPServer(self)
        self._port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=self.name, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the port (a second call does nothing)."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
