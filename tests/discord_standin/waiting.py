"""Waiting for what the bot does, and asserting on it (test-facing).

Every wait is in real time, re-checks whenever the stand-in records something
(and at least every 20 ms), and on timeout names the last messages and
violations so a failing test says what the bot did instead.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Callable, Iterable, Optional, TypeVar, Union

from .recording import CallbackAttempt, FakeInteraction, RecordedRequest, SentMessage
from .state import StandinState, sf

T = TypeVar("T")

# A wait ends as soon as its condition holds, so a long default costs nothing when the bot
# works, and a busy CI machine (2 cores, another suite beside it) does not fail a test by
# being slow. Discord's own clocks (the 3 s deadline) are the stand-in's, not these.
DEFAULT_WAIT = 30.0


class Waiting(StandinState):
    """``wait_for*``, ``assert_*`` and the read-only views of the records."""

    async def wait_for(self, check: Callable[[], T], *, timeout: float = DEFAULT_WAIT, what: str = "condition") -> T:
        """Wait (real time) until ``check()`` returns something truthy; return it.

        Re-checks whenever the stand-in records something, and at least every
        20 ms (so ``check`` may also look at bot-side state)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            ev = self._changed
            result = check()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"timed out after {timeout}s waiting for {what}; "
                    f"messages so far: {self.messages[-5:]}; violations: {[str(v) for v in self.violations]}"
                )
            try:
                await asyncio.wait_for(ev.wait(), min(remaining, 0.02))
            except asyncio.TimeoutError:
                pass

    async def wait_for_message(
        self, predicate: Optional[Callable[[SentMessage], bool]] = None, *, timeout: float = DEFAULT_WAIT
    ) -> SentMessage:
        """First recorded :class:`SentMessage` (already recorded ones included) matching ``predicate``."""

        def check() -> Optional[SentMessage]:
            return next((m for m in self.messages if predicate is None or predicate(m)), None)

        return await self.wait_for(check, timeout=timeout, what="a message from the bot")

    async def wait_for_interaction_response(self, interaction: Union[FakeInteraction, int], *, timeout: float = DEFAULT_WAIT) -> CallbackAttempt:
        """The first initial-response attempt (accepted *or rejected*) for the interaction."""
        inter = self.interactions[sf(interaction)]
        return await self.wait_for(lambda: inter.callbacks[0] if inter.callbacks else None, timeout=timeout,
                                   what=f"a response to interaction {inter.id}")

    async def wait_for_interaction_message(
        self, interaction: Union[FakeInteraction, int], *, timeout: float = DEFAULT_WAIT, kinds: Iterable[str] = ("interaction_response", "followup", "interaction_edit", "interaction_update")
    ) -> SentMessage:
        """First visible message produced for the interaction (type 4 response, followup,
        edit of the deferred original, or type 7 update)."""
        iid, kinds = sf(interaction), set(kinds)
        return await self.wait_for_message(lambda m: m.interaction_id == iid and m.kind in kinds, timeout=timeout)

    async def wait_for_request(self, method: str, route: str, *, timeout: float = DEFAULT_WAIT) -> RecordedRequest:
        """First recorded request with that method and route template
        (e.g. ``"PUT", "/applications/{application_id}/guilds/{guild_id}/commands"``)."""
        return await self.wait_for(
            lambda: next((r for r in self.requests if r.method == method and r.route == route and r.status), None),
            timeout=timeout, what=f"{method} {route}",
        )

    async def wait_until_ready(self, *, timeout: float = 10.0) -> None:
        """Until a client has IDENTIFY'd and got READY + all GUILD_CREATEs (server side;
        discord.py's own ``on_ready`` comes ``guild_ready_timeout`` later)."""
        await self.wait_for(lambda: self.session is not None and self.session.live, timeout=timeout, what="IDENTIFY/READY")

    async def wait_for_resume(self, *, timeout: float = 10.0) -> None:
        """Until the client has RESUMEd after the last ``close_gateway``/``send_reconnect``."""
        await self.wait_for(
            lambda: self.resume_count >= self._expected_resumes and self.session is not None and self.session.live,
            timeout=timeout, what="RESUME",
        )

    def assert_no_violations(self, *, include_unknown_routes: bool = True) -> None:
        problems = [str(v) for v in self.violations]
        if include_unknown_routes:
            problems += [f"unknown route: {r.method} {r.path}" for r in self.unknown_routes]
        problems += [f"stand-in error: {e}" for e in self.server_errors]
        assert not problems, "Discord stand-in saw problems:\n  " + "\n  ".join(problems)

    def pinging_messages(self) -> list[SentMessage]:
        """Messages that would have notified someone (see ``SentMessage.pings``)."""
        return [m for m in self.messages if m.pings]

    def assert_nothing_pings(self) -> None:
        bad = [(m, m.pings) for m in self.pinging_messages()]
        assert not bad, f"messages that would ping: {bad}"

    def synced_commands(self, guild: Any = None) -> list[dict[str, Any]]:
        """Commands registered via PUT/POST (global if ``guild`` is None)."""
        return list(self.commands.get(sf(guild) if guild is not None else None, {}).values())

    def transcript(self) -> str:
        """Human-readable log of every REST request (for debugging failing tests)."""
        lines = []
        for r in self.requests:
            body = r.json if not isinstance(r.json, dict) else {k: v for k, v in r.json.items() if v not in (None, [], {})}
            files = f" files={[f.filename for f in r.files]}" if r.files else ""
            lines.append(f"{r.method} {r.path} -> {r.status} {json.dumps(body)[:200] if body else ''}{files}")
        return "\n".join(lines)

    def channel_history(self, channel: Any) -> list[dict[str, Any]]:
        cid = sf(channel)
        return [m for m in self.message_store.values() if int(m["channel_id"]) == cid]
