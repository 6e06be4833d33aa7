"""Discord's rate limits: per-route buckets and the global limit, answered with 429.

A REST request counts against its route's bucket: the method and route template
plus the route's major parameter (channel, guild, or interaction token), as on
Discord.  Every answer carries the headers discord.py reads (``X-RateLimit-Limit``,
``-Remaining``, ``-Reset``, ``-Reset-After``, ``-Bucket``), so a well-behaved
client waits by itself before a bucket runs dry.  A request over its bucket gets
429 with ``retry_after`` (scope ``user``) and is not processed.

The global limit counts every request except interaction callbacks and
interaction webhooks (Discord exempts those too).  It announces nothing before it
trips, so it is what sends discord.py down its sleep-and-retry path.

Guarantees: a 429 changes nothing but the records; windows run on the stand-in's
clock, so ``advance_clock`` empties them; a 429 always carries ``Via`` (without
it discord.py takes the 429 for a Cloudflare ban and raises instead of retrying).
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass, field
from typing import Any, Optional, Union

# Routes Discord leaves out of the global limit: answering interactions.
GLOBAL_EXEMPT = frozenset({
    "/interactions/{interaction_id}/{token}/callback",
    "/webhooks/{application_id}/{token}",
    "/webhooks/{application_id}/{token}/messages/{message_id}",
})
_MAJOR_PARAMETERS = ("channel_id", "guild_id", "token")


@dataclass(frozen=True)
class Limit:
    """``count`` requests per ``per`` seconds."""

    count: int
    per: float

    def __post_init__(self) -> None:
        if self.count < 1 or self.per <= 0:
            raise ValueError(f"a rate limit needs count >= 1 and per > 0 seconds, got {self.count} per {self.per}")


LimitLike = Union[Limit, tuple[int, float]]

#: Generous defaults: ordinary tests (200 interactions at once included) never wait.
DEFAULT_ROUTE_LIMIT = Limit(50, 1.0)
DEFAULT_GLOBAL_LIMIT = Limit(50, 1.0)  # Discord's own global limit, 50 requests per second


def as_limit(value: LimitLike) -> Limit:
    return value if isinstance(value, Limit) else Limit(int(value[0]), float(value[1]))


@dataclass
class _Window:
    start: float
    used: int = 0


@dataclass
class Verdict:
    """What the limiter says about one request: headers to send, and a 429 body if refused."""

    headers: dict[str, str] = field(default_factory=dict)
    refused: Optional[dict[str, Any]] = None


class RateLimiter:
    """Fixed windows per bucket and one global window, on the caller's clock."""

    def __init__(self, route_limit: LimitLike = DEFAULT_ROUTE_LIMIT,
                 global_limit: Optional[LimitLike] = DEFAULT_GLOBAL_LIMIT) -> None:
        self.route_limit = as_limit(route_limit)
        self.global_limit = as_limit(global_limit) if global_limit is not None else None
        self.overrides: dict[str, Limit] = {}
        self._buckets: dict[tuple[str, str], _Window] = {}
        self._global: Optional[_Window] = None

    def set_route_limit(self, route: str, limit: LimitLike) -> None:
        """``route`` is ``"METHOD /template"``, e.g. ``"POST /channels/{channel_id}/messages"``."""
        method, _, template = route.partition(" ")
        if not method.isupper() or not template.startswith("/"):
            raise ValueError(f"route must look like 'POST /channels/{{channel_id}}/messages', got {route!r}")
        self.overrides[route] = as_limit(limit)
        self._buckets = {k: w for k, w in self._buckets.items() if k[0] != route}

    def set_global_limit(self, limit: Optional[LimitLike]) -> None:
        self.global_limit = as_limit(limit) if limit is not None else None
        self._global = None

    def check(self, method: str, template: str, params: dict[str, str], now: float) -> Verdict:
        """Count the request if it is allowed; otherwise say why not (429 body)."""
        route = f"{method} {template}"
        limit = self.overrides.get(route, self.route_limit)
        major = next((params[p] for p in _MAJOR_PARAMETERS if p in params), "")
        bucket = self._window(self._buckets, (route, major), limit, now)
        in_global = self.global_limit is not None and template not in GLOBAL_EXEMPT
        if in_global:
            assert self.global_limit is not None
            self._global = self._roll(self._global, self.global_limit, now)
            if self._global.used >= self.global_limit.count:
                return _refusal(self._global.start + self.global_limit.per - now, scope="global")
        headers = _bucket_headers(route, limit, bucket, now)
        if bucket.used >= limit.count:
            return _refusal(bucket.start + limit.per - now, scope="user", headers=headers)
        bucket.used += 1
        if in_global:
            assert self._global is not None
            self._global.used += 1
        headers["X-RateLimit-Remaining"] = str(limit.count - bucket.used)
        return Verdict(headers)

    def _window(self, windows: dict[tuple[str, str], _Window], key: tuple[str, str], limit: Limit, now: float) -> _Window:
        windows[key] = self._roll(windows.get(key), limit, now)
        return windows[key]

    @staticmethod
    def _roll(window: Optional[_Window], limit: Limit, now: float) -> _Window:
        if window is None or now >= window.start + limit.per:
            return _Window(start=now)
        return window


def _bucket_headers(route: str, limit: Limit, window: _Window, now: float) -> dict[str, str]:
    reset_after = max(window.start + limit.per - now, 0.0)
    return {
        "X-RateLimit-Limit": str(limit.count),
        "X-RateLimit-Remaining": str(max(limit.count - window.used, 0)),
        "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        "X-RateLimit-Bucket": hashlib.sha1(route.encode()).hexdigest()[:16],
    }


def _refusal(retry_after: float, *, scope: str, headers: Optional[dict[str, str]] = None) -> Verdict:
    retry_after = round(max(retry_after, 0.001), 3)
    out = dict(headers or {})
    out.update({"Retry-After": str(math.ceil(retry_after)), "X-RateLimit-Scope": scope, "Via": "1.1 google"})
    if scope == "global":
        out["X-RateLimit-Global"] = "true"
    body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": scope == "global", "code": 0}
    return Verdict(out, body)
