"""One deadline for a whole fetch, enforced on every socket operation of it.

httpx's timeouts are per socket operation (connect, each read, each write), so a server that
sends its response headers a byte at a time, each byte within the timeout, could hold a fetch
for ever. :func:`bind` wraps the network backend of an httpx transport's connection pool:
every connect, TLS handshake, read, write and sleep of that transport waits at most until the
:class:`Deadline`, after which it raises httpx's own timeout (``httpcore.*Timeout``, seen by
callers as ``httpx.TimeoutException``) and :attr:`Deadline.passed` tells it apart from an
ordinary timeout. Nothing here knows about pages, robots.txt or addresses.
"""

from __future__ import annotations

import time
from typing import Any

import httpcore
import httpx


class Deadline:
    """When one fetch must be over; every socket operation of the fetch waits at most until then."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    @property
    def passed(self) -> bool:
        return time.monotonic() >= self.ends

    def cap(self, timeout: float | None, expired: type[httpcore.TimeoutException]) -> float:
        """``timeout`` shortened to what is left; ``expired`` raised when nothing is."""
        left = self.ends - time.monotonic()
        if left <= 0:
            raise expired(f"the {self.seconds:g} s deadline passed")
        return left if timeout is None else min(timeout, left)


class DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read, write and TLS handshake ends by the fetch's deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.cap(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadline.cap(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        timeout = self._deadline.cap(timeout, httpcore.ConnectTimeout)
        return DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, timeout), self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """The transport's network backend, its connections bound by ``deadline``."""

    def __init__(self, inner: httpcore.NetworkBackend, deadline: Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def connect_tcp(
        self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        timeout = self._deadline.cap(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return DeadlineStream(stream, self._deadline)

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("newsdesk fetches web addresses only, not unix sockets")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(min(seconds, self._deadline.cap(None, httpcore.PoolTimeout)))


def bind(transport: httpx.HTTPTransport, deadline: Deadline) -> httpx.HTTPTransport:
    """``transport``, its connections bound by ``deadline`` (httpx has no deadline for a whole request)."""
    pool = getattr(transport, "_pool", None)
    if not isinstance(getattr(pool, "_network_backend", None), httpcore.NetworkBackend):
        raise RuntimeError(
            f"httpx {httpx.__version__} / httpcore {httpcore.__version__} are laid out differently from what "
            "newsdesk's fetch deadline expects; install the versions pyproject.toml names (pip install -e .)"
        )
    pool._network_backend = DeadlineBackend(pool._network_backend, deadline)
    return transport
