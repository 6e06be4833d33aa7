"""The gateway server: HELLO, IDENTIFY / READY, RESUME replay, and test-side control.

Each IDENTIFY starts a session whose dispatches are all kept, so a RESUME replays
exactly the events after the client's ``seq``; events dispatched while the
client is away are queued, not lost.  Close codes follow Discord: 4004 bad token,
4014 disallowed intents, 4003 an op before IDENTIFY, 4005 IDENTIFY twice, 4010 a shard id
outside its count, 4011 fewer shards than ``shards_required``.  One shard is modelled: a
second IDENTIFY replaces the first session.
"""

from __future__ import annotations

import contextlib
import json
import logging
from typing import Any, Optional

import aiohttp
from aiohttp import web

from .gateway import GatewayConnection, GatewaySession, Intents, Op
from .state import StandinState

log = logging.getLogger("discord_standin")


class GatewayServer(StandinState):
    """The websocket at ``/`` and ``dispatch``/``close_gateway``/... for tests."""

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(compress=False, max_msg_size=0, heartbeat=None)
        await ws.prepare(request)
        query = dict(request.query)
        try:
            conn = GatewayConnection(ws=ws, compress=query.get("compress"), query=query)
        except (ValueError, ImportError) as e:
            await ws.close(code=4002, message=str(e).encode()[:100])
            return ws
        self.connections.append(conn)
        try:
            if query.get("encoding", "json") != "json":
                await conn.close(4002, b"Only JSON encoding is supported by the stand-in.")
                return ws
            await conn.send({"op": Op.HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ["[\"standin-gateway\"]"]}, "s": None, "t": None})
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    try:
                        payload = json.loads(msg.data)
                    except ValueError:
                        await conn.close(4002, b"Error while decoding payload.")
                        break
                    conn.received.append(payload)
                    try:
                        await self._on_gateway_payload(conn, payload)
                    except ConnectionResetError:
                        break
                    except Exception as e:
                        log.exception("discord stand-in gateway crashed on %r", payload)
                        self.server_errors.append(f"gateway op {payload.get('op')}: {e!r}")
                        await conn.close(4000, b"Unknown error.")
                        break
                elif msg.type == aiohttp.WSMsgType.BINARY:
                    await conn.close(4002, b"Error while decoding payload.")
                    break
                elif msg.type == aiohttp.WSMsgType.ERROR:
                    break
        finally:
            s = conn.session
            if s is not None and s.connection is conn:
                s.connection = None
                s.live = False
            with contextlib.suppress(ValueError):
                self.connections.remove(conn)
            self._notify()
        return ws

    async def _on_gateway_payload(self, conn: GatewayConnection, payload: dict[str, Any]) -> None:
        op = payload.get("op")
        d = payload.get("d")
        if op == Op.HEARTBEAT:
            await conn.send({"op": Op.HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == Op.IDENTIFY:
            await self._identify(conn, d or {})
        elif op == Op.RESUME:
            await self._resume(conn, d or {})
        elif conn.session is None:
            await conn.close(4003, b"Not authenticated.")
        elif op == Op.REQUEST_MEMBERS:
            await self._request_members(conn, d or {})
        elif op in (Op.PRESENCE, Op.VOICE_STATE):
            pass
        else:
            await conn.close(4001, b"Unknown opcode.")

    async def _identify(self, conn: GatewayConnection, d: dict[str, Any]) -> None:
        if conn.session is not None:
            await conn.close(4005, b"Already authenticated.")
            return
        if d.get("token") != self.token:
            await conn.close(4004, b"Authentication failed.")
            return
        shard = d.get("shard")
        count = int(shard[1]) if shard else 1
        if shard is not None and not 0 <= int(shard[0]) < count:
            await conn.close(4010, b"Invalid shard.")
            return
        if self.shards_required and count < self.shards_required:
            await conn.close(4011, b"Sharding required.")
            return
        intents = int(d.get("intents", 0))
        privileged = sum(bit for name, bit in Intents.PRIVILEGED.items() if name not in self.privileged_intents)
        if intents & privileged:
            await conn.close(4014, b"Disallowed intent(s).")
            return
        old = self.session
        if old is not None and old.connection is not None and old.connection is not conn:
            with contextlib.suppress(Exception):
                await old.connection.close(4000)
        s = GatewaySession(intents=intents)
        self.sessions[s.id] = s
        self.session = s
        conn.session = s
        self.identify_count += 1
        self.identify_payloads.append(d)
        async with s.lock:
            s.connection = conn
            ready: dict[str, Any] = {
                "v": 10,
                "user": self._me(),
                "guilds": [{"id": str(g.id), "unavailable": True} for g in self.guilds.values()],
                "session_id": s.id,
                "session_type": "normal",
                "resume_gateway_url": self.RESUME_GATEWAY_URL,
                "application": {"id": str(self.application_id), "flags": self._app_flags()},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": ["us-east"],
                "user_settings": {},
                "auth": {},
                "_trace": ["[\"standin-gateway\"]"],
            }
            if shard is not None:
                ready["shard"] = shard
            await self._emit(s, "READY", ready, send=True)
            for g in self.guilds.values():
                gd = g.gateway_dict(bot_user_id=self.bot_user.id, include_all_members=bool(intents & Intents.GUILD_MEMBERS))
                await self._emit(s, "GUILD_CREATE", gd, send=True)
            s.live = True
        self._notify()

    async def _resume(self, conn: GatewayConnection, d: dict[str, Any]) -> None:
        if d.get("token") != self.token:
            await conn.close(4004, b"Authentication failed.")
            return
        s = self.sessions.get(d.get("session_id") or "")
        if s is None or s is not self.session:
            # Not resumable: the client must IDENTIFY again (discord.py waits 5 s first).
            await conn.send({"op": Op.INVALIDATE_SESSION, "d": False, "s": None, "t": None})
            return
        seq = int(d.get("seq") or 0)
        async with s.lock:
            if s.connection is not None and s.connection is not conn:
                with contextlib.suppress(Exception):
                    await s.connection.close(4000)
            s.connection = conn
            conn.session = s
            for ev in list(s.events):
                if ev["s"] > seq:
                    await conn.send(ev)
                    self._mark_delivered(ev)
            await self._emit(s, "RESUMED", {"_trace": ["[\"standin-gateway\"]"]}, send=True)
            s.live = True
            s.resumes += 1
            self.resume_count += 1
        self._notify()

    async def _request_members(self, conn: GatewayConnection, d: dict[str, Any]) -> None:
        gids = d.get("guild_id")
        for gid in gids if isinstance(gids, list) else [gids]:
            g = self.guilds.get(int(gid))
            if g is None:
                continue
            members = list(g.members.values())
            if d.get("user_ids"):
                ids = {int(u) for u in (d["user_ids"] if isinstance(d["user_ids"], list) else [d["user_ids"]])}
                members = [m for m in members if m.user.id in ids]
            elif d.get("query"):
                members = [m for m in members if m.user.username.lower().startswith(d["query"].lower())]
            if d.get("limit"):
                members = members[: int(d["limit"])]
            chunk: dict[str, Any] = {
                "guild_id": str(g.id),
                "members": [m.to_dict() for m in members],
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [],
            }
            if d.get("nonce") is not None:
                chunk["nonce"] = d["nonce"]
            assert conn.session is not None
            async with conn.session.lock:
                await self._emit(conn.session, "GUILD_MEMBERS_CHUNK", chunk, send=conn.session.live)

    def _mark_delivered(self, ev: dict[str, Any]) -> None:
        if ev.get("t") == "INTERACTION_CREATE":
            inter = self.interactions.get(int(ev["d"]["id"]))
            if inter is not None and inter.delivered_at is None:
                inter.delivered_at = self.now()

    async def _emit(self, s: GatewaySession, event: str, data: dict[str, Any], *, send: bool) -> int:
        """Append a dispatch to the session (caller holds ``s.lock``) and send it if asked."""
        seq = s.next_seq()
        ev = {"op": Op.DISPATCH, "s": seq, "t": event, "d": data}
        s.events.append(ev)
        if send and s.connection is not None:
            try:
                await s.connection.send(ev)
            except (ConnectionResetError, RuntimeError):
                return seq  # stays in s.events; replayed on RESUME
            self._mark_delivered(ev)
        return seq

    async def dispatch(self, event: str, data: dict[str, Any]) -> int:
        """Send a raw dispatch event (op 0) to the bot; returns its sequence number.
        While the client is disconnected the event is queued and replayed on RESUME."""
        s = self.session
        if s is None:
            raise RuntimeError("no gateway session: the client has not IDENTIFY'd yet")
        async with s.lock:
            return await self._emit(s, event, data, send=s.live)

    async def _dispatch_if_session(self, event: str, data: dict[str, Any], intent: int = 0) -> Optional[int]:
        s = self.session
        if s is None or (intent and not s.intents & intent):
            return None
        return await self.dispatch(event, data)

    async def close_gateway(self, code: int = 4000, reason: str = "") -> None:
        """Close the bot's gateway socket with ``code`` (4000 = unknown error, resumable)."""
        s = self.session
        conn = s.connection if s else None
        if s is None or conn is None:
            raise RuntimeError("no live gateway connection")
        async with s.lock:
            s.live = False
            s.connection = None
        self._expected_resumes = self.resume_count + 1
        await conn.close(code, reason.encode())

    async def send_reconnect(self) -> None:
        """Send op 7 RECONNECT: discord.py closes and RESUMEs."""
        s = self.session
        if s is None or s.connection is None:
            raise RuntimeError("no live gateway connection")
        self._expected_resumes = self.resume_count + 1
        await s.connection.send({"op": Op.RECONNECT, "d": None, "s": None, "t": None})

    async def invalidate_session(self, resumable: bool = False) -> None:
        """Send op 9.  With ``resumable=False`` the session is dropped and discord.py
        re-IDENTIFYs - after its 5 s ``before_identify_hook`` sleep (override that hook
        in the test bot to skip the wait)."""
        s = self.session
        if s is None or s.connection is None:
            raise RuntimeError("no live gateway connection")
        conn = s.connection
        if not resumable:
            self.session = None
            s.live = False
        await conn.send({"op": Op.INVALIDATE_SESSION, "d": resumable, "s": None, "t": None})
