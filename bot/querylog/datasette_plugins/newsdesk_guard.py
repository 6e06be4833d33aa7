"""Datasette plugin (loaded with ``--plugins-dir``): what keeps the served log safe.

Guarantees, for every request and connection of ``newsdesk dashboard``:
- Only requests whose ``Host`` header is the bound address, localhost, 127.0.0.1, [::1] or
  a name given with ``--allow-host`` are served (bound to every address, 0.0.0.0 or ::,
  any IP address too); any other gets 421. A page on another site cannot reach the log
  through DNS rebinding, which needs a name of its own.
- CSV downloads (``.csv`` or ``_format=csv``) get the formula guard of ``newsdesk logs
  export``: a text cell that a spreadsheet would run as a formula starts with '.
- A query cannot take the server's memory: a value is at most MAX_VALUE_BYTES
  (``randomblob(9e8)`` fails at once with "string or blob too big") and SQLite's heap is
  capped at HEAP_LIMIT_BYTES; Datasette's time limit stops long queries.
- SQL cannot call ``fts3_tokenizer`` (it gives out a memory address and, with two
  arguments, installs a tokenizer from one): an authorizer on every connection refuses it
  before the statement runs ("not authorized to use function: fts3_tokenizer").
- The server stops when ``newsdesk dashboard`` dies, even by SIGKILL: a watchdog thread
  compares the parent's pid with the one it was started by.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
import signal
import sqlite3
import threading
import time
import ipaddress
from collections.abc import Awaitable, Callable
from typing import Any

from datasette import hookimpl

from bot.querylog.records import csv_safe

log = logging.getLogger(__name__)

PLUGIN = "newsdesk"
PARENT_ENV = "NEWSDESK_DASHBOARD_PARENT"
MAX_VALUE_BYTES = 32 * 1024 * 1024
HEAP_LIMIT_BYTES = 512 * 1024 * 1024
WATCH_SECONDS = 0.5
REFUSED_FUNCTIONS = frozenset({"fts3_tokenizer"})
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


def host_name(header: str) -> str:
    """The host of a ``Host`` header, without port or IPv6 brackets, lower case."""
    text = header.strip().lower()
    if text.startswith("["):
        return text[1 : text.find("]")] if "]" in text else text
    return text.rsplit(":", 1)[0] if text.count(":") == 1 else text


def allowed_hosts(config: dict[str, Any]) -> frozenset[str]:
    return LOCAL_HOSTS | {host_name(h) for h in config.get("hosts") or ()}


def host_allowed(header: str, hosts: frozenset[str], any_address: bool = False) -> bool:
    """One of ``hosts``, or with ``any_address`` an IP address (no name to rebind)."""
    name = host_name(header)
    if name in hosts:
        return True
    if not any_address:
        return False
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def guard_csv(body: bytes) -> bytes:
    """Datasette's CSV with every text cell made inert for spreadsheets (numbers stay numbers)."""
    text = body.decode("utf-8")
    out = io.StringIO()
    writer = csv.writer(out)  # Datasette's dialect: excel, CRLF line ends
    for row in csv.reader(io.StringIO(text, newline="")):
        writer.writerow([cell if _NUMBER.match(cell) else csv_safe(cell) for cell in row])
    return out.getvalue().encode("utf-8")


def _is_csv(scope: Scope) -> bool:
    query = scope.get("query_string", b"").decode("latin-1")
    return scope.get("path", "").endswith(".csv") or "_format=csv" in query


async def _refuse(send: Send, host: str) -> None:
    body = f"Misdirected request: this dashboard does not answer to host {host!r}.\n".encode()
    await send({"type": "http.response.start", "status": 421,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _send_guarded_csv(app: App, scope: Scope, receive: Receive, send: Send) -> None:
    """Run ``app`` holding back its response; send it with the formula guard applied."""
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def hold(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                body = b"".join(chunks)
                if start.get("status") == 200:
                    body = guard_csv(body)
                headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
                await send({**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
        else:
            await send(message)

    await app(scope, receive, hold)


@hookimpl
def asgi_wrapper(datasette: Any) -> Callable[[App], App]:
    def wrap(app: App) -> App:
        async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
            if scope.get("type") != "http":
                await app(scope, receive, send)
                return
            config = datasette.plugin_config(PLUGIN) or {}
            hosts = allowed_hosts(config)
            header = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"host"), "")
            if not host_allowed(header, hosts, bool(config.get("any_address"))):
                log.warning("refused a request for host %r (allowed: %s)", header, ", ".join(sorted(hosts)))
                await _refuse(send, header)
                return
            if _is_csv(scope):
                await _send_guarded_csv(app, scope, receive, send)
                return
            await app(scope, receive, send)

        return guarded

    return wrap


def authorize(action: int, arg1: str | None, arg2: str | None, database: str | None, source: str | None) -> int:
    """SQLite authorizer: refuses the functions in REFUSED_FUNCTIONS, allows everything else."""
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in REFUSED_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.execute(f"PRAGMA hard_heap_limit = {HEAP_LIMIT_BYTES}")
    conn.set_authorizer(authorize)


def watch_parent(parent: int, interval: float = WATCH_SECONDS) -> None:
    """Stop this process (SIGTERM: Datasette shuts down cleanly) once ``parent`` is gone."""
    while os.getppid() == parent:
        time.sleep(interval)
    log.warning("newsdesk dashboard (pid %d) is gone; stopping Datasette", parent)
    os.kill(os.getpid(), signal.SIGTERM)


@hookimpl
def startup(datasette: Any) -> None:
    parent = os.environ.get(PARENT_ENV, "")
    if parent.isdigit():
        threading.Thread(target=watch_parent, args=(int(parent),), name="newsdesk-parent-watch", daemon=True).start()
