"""Gateway plumbing: transport compression, connections and resumable sessions.

discord.py 2.7 connects to ``wss://gateway.discord.gg/?v=10&encoding=json&compress=<x>``
where ``x`` is ``zstd-stream`` if ``zstandard`` (or Python 3.14's
``compression.zstd``) is importable, else ``zlib-stream``.  Both are supported
here; without a ``compress`` query parameter plain text frames are sent.

zlib-stream: one zlib context for the whole connection, every message ends
with a Z_SYNC_FLUSH (``00 00 ff ff``).  zstd-stream: one zstd stream for the
connection, every message flushed as a complete block.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from aiohttp import web


class Op:
    DISPATCH = 0
    HEARTBEAT = 1
    IDENTIFY = 2
    PRESENCE = 3
    VOICE_STATE = 4
    RESUME = 6
    RECONNECT = 7
    REQUEST_MEMBERS = 8
    INVALIDATE_SESSION = 9
    HELLO = 10
    HEARTBEAT_ACK = 11


class Intents:
    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    DIRECT_MESSAGES = 1 << 12
    MESSAGE_CONTENT = 1 << 15
    PRIVILEGED = {"members": GUILD_MEMBERS, "presences": GUILD_PRESENCES, "message_content": MESSAGE_CONTENT}


class _ZlibStream:
    def __init__(self) -> None:
        self._c = zlib.compressobj()

    def __call__(self, data: bytes) -> bytes:
        return self._c.compress(data) + self._c.flush(zlib.Z_SYNC_FLUSH)


def _make_zstd() -> Callable[[bytes], bytes]:
    try:
        import zstandard  # type: ignore

        obj = zstandard.ZstdCompressor().compressobj()

        def compress(data: bytes) -> bytes:
            return obj.compress(data) + obj.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)

        return compress
    except ImportError:
        from compression.zstd import ZstdCompressor  # type: ignore  # Python 3.14+

        c = ZstdCompressor()

        def compress(data: bytes) -> bytes:
            return c.compress(data, mode=ZstdCompressor.FLUSH_BLOCK)

        return compress


def make_compressor(kind: Optional[str]) -> Optional[Callable[[bytes], bytes]]:
    if not kind:
        return None
    if kind == "zlib-stream":
        return _ZlibStream()
    if kind == "zstd-stream":
        return _make_zstd()
    raise ValueError(f"unsupported gateway compression {kind!r}")


# How long a close started by the stand-in waits for the client's close frame.
CLOSE_REPLY_SECONDS = 10.0


@dataclass(eq=False)
class GatewayConnection:
    ws: web.WebSocketResponse
    compress: Optional[str]
    query: dict[str, str]
    compressor: Optional[Callable[[bytes], bytes]] = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    session: Optional["GatewaySession"] = None
    received: list[dict[str, Any]] = field(default_factory=list)  # every payload the client sent
    close_code: Optional[int] = None

    def __post_init__(self) -> None:
        self.compressor = make_compressor(self.compress)

    async def send(self, payload: dict[str, Any]) -> None:
        raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=True).encode()
        async with self.lock:
            if self.ws.closed:
                raise ConnectionResetError("gateway socket closed")
            if self.compressor is not None:
                await self.ws.send_bytes(self.compressor(raw))
            else:
                await self.ws.send_str(raw.decode())

    async def close(self, code: int = 1000, message: bytes = b"") -> None:
        """Close with ``code`` as Discord does: the close frame, then the client's reply.

        From a task other than the one reading the socket (``close_gateway``), aiohttp's
        ``close()`` would drop the connection without waiting for the reply, and a client that
        then fails to send its reply reads 1006 instead of the code (discord.py would resume
        after a 4011). So there only the frame is sent, and the reading loop ends on the reply.
        """
        self.close_code = code
        if self.ws.closed:
            return
        writer = getattr(self.ws, "_writer", None)
        if getattr(self.ws, "_waiting", False) and writer is not None:
            await writer.close(code, message)
            asyncio.get_running_loop().call_later(CLOSE_REPLY_SECONDS, self._drop)
        else:
            await self.ws.close(code=code, message=message)

    def _drop(self) -> None:
        """No close reply in time: close the socket anyway."""
        if not self.ws.closed:
            asyncio.ensure_future(self.ws.close(code=self.close_code or 1000))


@dataclass(eq=False)
class GatewaySession:
    id: str = field(default_factory=lambda: secrets.token_hex(16))
    intents: int = 0
    seq: int = 0
    #: Every dispatch of the session, in order, as sent (op 0 payloads) - for RESUME replay.
    events: list[dict[str, Any]] = field(default_factory=list)
    connection: Optional[GatewayConnection] = None
    live: bool = False  # connection set and caught up (READY sent / RESUME replayed)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    resumes: int = 0

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq
