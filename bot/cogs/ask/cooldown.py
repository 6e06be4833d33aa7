"""One question per member per NEWSDESK_COOLDOWN_SECONDS, shared by /ask and mentions."""

from __future__ import annotations

import datetime as dt
import logging
import time

import discord

log = logging.getLogger(__name__)

# Past this many members, forget those whose wait is long over (bounded memory).
MAX_REMEMBERED = 10_000


class UserCooldown:
    """One question per ``seconds`` per member, shared by /ask and mentions."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._next: dict[int, float] = {}

    def retry_after(self, user_id: int) -> float:
        """Seconds until ``user_id`` may ask again (0 = now); starts a new wait when 0."""
        if self.seconds <= 0:
            return 0.0
        now = time.monotonic()
        wait = self._next.get(user_id, 0.0) - now
        if wait > 0:
            return wait
        self._next[user_id] = now + self.seconds
        if len(self._next) > MAX_REMEMBERED:
            self._next = {u: t for u, t in self._next.items() if t > now}
        return 0.0


def cooldown_message(wait: float) -> str:
    when = discord.utils.utcnow() + dt.timedelta(seconds=wait)
    return (
        f"You're asking quickly \u2014 you can ask again {discord.utils.format_dt(when, 'R')} "
        f"(in {max(1, round(wait))} s)."
    )
