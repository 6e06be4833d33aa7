"""A small web server on 127.0.0.1 for the fetch and feed tests: no test reaches the internet.

Routes map a path to (status, headers, body); a body may be a callable run per request
(to sleep, or to count requests). Requests are recorded with their headers.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

Body = bytes | Callable[[], bytes]
TLS_DIR = Path(__file__).resolve().parent / "fixtures" / "tls"  # a test-only certificate, valid to 2126


@dataclass
class Route:
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"})
    body: Body = b""


@dataclass
class LocalWeb:
    base: str
    routes: dict[str, Route]
    requests: list[tuple[str, dict[str, str]]]

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def pages(self) -> list[str]:
        """The paths asked for, in order, robots.txt left out (the fetcher reads it once per site)."""
        return [path for path, _ in self.requests if path != "/robots.txt"]

    def add(self, path: str, body: Body = b"", status: int = 200, **headers: str) -> str:
        route = Route(status=status, body=body)
        route.headers.update({k.replace("_", "-"): v for k, v in headers.items()})
        self.routes[path] = route
        return self.url(path)


def _handler(web: LocalWeb) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            web.requests.append((self.path, dict(self.headers)))
            route = web.routes.get(self.path, Route(404, {"Content-Type": "text/plain"}, b"not found"))
            body = route.body() if callable(route.body) else route.body
            self.send_response(route.status)
            headers = {"Content-Length": str(len(body)), **route.headers}
            for name, value in headers.items():
                if value:  # an empty value leaves the header out (no Content-Length: read to the end)
                    self.send_header(name, value)
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (too big, too slow): what the test wanted

        def log_message(self, *args: object) -> None:
            return None

    return Handler


@contextmanager
def serve(*, tls: bool = False) -> Iterator[LocalWeb]:
    """The server; with ``tls``, https with a certificate for news.intranet.example (tests/fixtures/tls)."""
    web = LocalWeb("", {}, [])
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(web))
    server.daemon_threads = True
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(TLS_DIR / "cert.pem", TLS_DIR / "key.pem")
        server.socket = context.wrap_socket(server.socket, server_side=True)
    web.base = f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield web
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
