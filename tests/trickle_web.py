"""A server on 127.0.0.1 that answers robots.txt at once and trickles its response headers.

It sends one header byte every ``interval`` seconds, for ``longest`` seconds at most (then it
hangs up), so a fetch without a deadline of its own would wait that long; a test with a
deadline fails long before. Nothing else: every connection is one slow page.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Trickle:
    base: str
    paths: list[str] = field(default_factory=list)  # the paths asked for, in order
    stop: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


def _serve_one(conn: socket.socket, web: Trickle, interval: float, longest: float, robots: bool) -> None:
    with conn:
        try:
            request = conn.recv(65536).decode("latin-1")
            path = request.split(" ", 2)[1] if request.count(" ") >= 2 else "/"
            web.paths.append(path)
            if path == "/robots.txt" and not robots:
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            header = b"X-Slow: " + b"a" * 100_000
            for waited, byte in enumerate(header):
                if web.stop.wait(interval) or waited * interval > longest:
                    return
                conn.sendall(bytes([byte]))
        except OSError:
            return  # the client gave up: what the test wanted


@contextmanager
def trickling(*, interval: float = 0.05, longest: float = 30.0, robots: bool = False) -> Iterator[Trickle]:
    """The server; with ``robots``, robots.txt trickles too."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    web = Trickle(f"http://127.0.0.1:{listener.getsockname()[1]}")

    def accept() -> None:
        while not web.stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=_serve_one, args=(conn, web, interval, longest, robots), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield web
    finally:
        web.stop.set()
        thread.join(timeout=5)
        listener.close()
