"""The dashboard's login, as a Datasette plugin registered by :mod:`bot.dashboard_site` when a
password is set. It replaces datasette-auth-passwords' routes and hooks (whose hash format
and ``datasette-auth-passwords`` metadata it keeps), so the dashboard can face a network.

Guarantees:
- A password is checked (PBKDF2, a fraction of a second) in a small pool of worker threads
  (:data:`HASH_THREADS`), never on the event loop: a flood of logins cannot hold up the
  pages of a moderator already logged in.
- Failed logins are throttled per client address (an IPv6 address by its /64) and per user
  name, for the login form and the ``Authorization: Basic`` header alike: an attempt is
  counted before its password is checked, so the (FAILURES_PER_CLIENT + 1)th attempt from
  one address within WINDOW_SECONDS is refused (429, with when to try again) before any
  hashing, however many arrive at once. A successful login clears its address's count.
- A ``Basic`` header that is not ``Basic base64(user:password)`` is a 401 saying so, never
  a 500. A header that was right is remembered (a keyed digest, never the password) for
  BASIC_CACHE_SECONDS, so a script sending it on each request is not hashed each time.
- The login cookie (``ds_actor``, signed by Datasette) is HttpOnly, SameSite=Lax, expires
  after SESSION_SECONDS (in the cookie and in its signed value, which Datasette checks),
  and is Secure when the request came over https or ``force_https_urls`` is set.
- ``/-/password-tool`` (datasette-auth-passwords' hashing form) does not exist:
  ``newsdesk dashboard hash-password`` makes hashes.
- The login page names the user name (:data:`USER`).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import collections
import concurrent.futures
import dataclasses
import hashlib
import hmac
import ipaddress
import logging
import math
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

from datasette import hookimpl
from datasette.utils import baseconv
from datasette.utils.asgi import Response

log = logging.getLogger(__name__)

USER = "moderator"
ACCOUNTS_PLUGIN = "datasette-auth-passwords"  # the metadata key holding the hash (see bot.dashboard)
COOKIE = "ds_actor"
SCOPE_ACTOR = "newsdesk.actor"  # where a valid Basic header leaves its actor for actor_from_request
WINDOW_SECONDS = 60.0
FAILURES_PER_CLIENT = 5
FAILURES_PER_USER = 20  # from all addresses together
MAX_TRACKED = 4096  # addresses remembered by a throttle; the oldest go first
SESSION_SECONDS = 12 * 3600
BASIC_CACHE_SECONDS = 300.0
BASIC_CACHE_ENTRIES = 64
HASH_THREADS = 1  # one core at most, whatever arrives: the pages keep the rest
MAX_PASSWORD_CHARS = 1024
MAX_HEADER_BYTES = 4096
ALGORITHM = "pbkdf2_sha256"

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

_HASH_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=HASH_THREADS, thread_name_prefix="newsdesk-password")
_DIGEST_KEY = secrets.token_bytes(32)  # per process: the Basic cache's digests mean nothing elsewhere


@dataclasses.dataclass(frozen=True)
class Refusal:
    """A throttled login: what to tell the client, and in how many seconds to try again."""

    message: str
    seconds: int


class MalformedCredentials(ValueError):
    """An ``Authorization: Basic`` header that does not hold base64(user:password)."""


def verify_password(password: str, encoded: str) -> bool:
    """Whether ``password`` matches ``encoded`` (pbkdf2_sha256$iterations$salt$base64): slow by design."""
    try:
        algorithm, iterations, salt, expected = encoded.strip().split("$", 3)
        rounds = int(iterations)
    except ValueError:
        return False
    if algorithm != ALGORITHM or rounds < 1:
        return False
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode("utf-8"), rounds)
    return hmac.compare_digest(base64.b64encode(digest).decode("ascii").strip(), expected)


def client_key(scope: Scope) -> str:
    """Who a request counts against: its address, an IPv6 one by its /64 (one host holds many)."""
    client = scope.get("client")
    host = str(client[0]) if client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class Throttle:
    """Counts attempts per key within a sliding window; thread-safe, bounded in memory."""

    def __init__(self, limit: int, window: float = WINDOW_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._seen: collections.OrderedDict[str, collections.deque[float]] = collections.OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> collections.deque[float]:
        stamps = self._seen.get(key)
        if stamps is None:
            return collections.deque()
        while stamps and stamps[0] <= now - self.window:
            stamps.popleft()
        if not stamps:
            del self._seen[key]
        return stamps

    def wait(self, key: str) -> float:
        """Seconds until ``key`` may try again (0: it may now)."""
        with self._lock:
            now = self.clock()
            stamps = self._recent(key, now)
            return 0.0 if len(stamps) < self.limit else max(stamps[0] + self.window - now, 0.001)

    def count(self, key: str) -> None:
        """Record an attempt by ``key``."""
        with self._lock:
            now = self.clock()
            stamps = self._recent(key, now)
            if key not in self._seen:
                self._seen[key] = stamps
                while len(self._seen) > MAX_TRACKED:
                    self._seen.popitem(last=False)
            stamps.append(now)

    def forgive(self, key: str, everything: bool = False) -> None:
        """Take back the latest attempt of ``key`` (all of them with ``everything``)."""
        with self._lock:
            stamps = self._seen.get(key)
            if stamps:
                if everything:
                    stamps.clear()
                else:
                    stamps.pop()
                if not stamps:
                    del self._seen[key]


class Gate:
    """One dashboard's login state: the throttles and the Basic header's cache."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.clients = Throttle(FAILURES_PER_CLIENT, clock=clock)
        self.users = Throttle(FAILURES_PER_USER, clock=clock)
        self._good: collections.OrderedDict[bytes, float] = collections.OrderedDict()
        self._lock = threading.Lock()

    def refusal(self, client: str, user: str | None) -> Refusal | None:
        """Why an attempt must wait, or None; counts the attempt when it may go on.

        ``user`` is None for a user name that has no account (only its address is counted)."""
        checks = [(self.clients, client, "from your address")]
        if user is not None:
            checks.append((self.users, user, f"for {user}"))
        for throttle, key, whose in checks:
            seconds = throttle.wait(key)
            if seconds:
                log.warning("refused a login for %r from %s: too many failures %s", user, client, whose)
                wait = math.ceil(seconds)
                return Refusal(f"Too many failed logins {whose} in the last minute: try again in {wait} s.", wait)
        for throttle, key, _ in checks:
            throttle.count(key)
        return None

    def succeeded(self, client: str, user: str) -> None:
        self.clients.forgive(client, everything=True)
        self.users.forgive(user)

    def _digest(self, user: str, password: str, encoded: str) -> bytes:
        return hmac.new(_DIGEST_KEY, "\0".join((user, password, encoded)).encode("utf-8"), "sha256").digest()

    def remembered(self, user: str, password: str, encoded: str) -> bool:
        key = self._digest(user, password, encoded)
        with self._lock:
            until = self._good.get(key)
            if until is None:
                return False
            if until <= self.clock():
                del self._good[key]
                return False
            return True

    def remember(self, user: str, password: str, encoded: str) -> None:
        with self._lock:
            self._good[self._digest(user, password, encoded)] = self.clock() + BASIC_CACHE_SECONDS
            while len(self._good) > BASIC_CACHE_ENTRIES:
                self._good.popitem(last=False)

    async def check(self, client: str, user: str, password: str, accounts: dict[str, str]) -> tuple[bool, Refusal | None]:
        """(valid, refusal): a throttled attempt is refused before any hashing; a valid one
        clears its address's count. The hash runs in the password threads."""
        encoded = accounts.get(user)
        refusal = self.refusal(client, user if encoded else None)
        if refusal:
            return False, refusal
        if encoded is None or len(password) > MAX_PASSWORD_CHARS:
            return False, None
        loop = asyncio.get_running_loop()
        valid = await loop.run_in_executor(_HASH_POOL, verify_password, password, encoded)
        if valid:
            self.succeeded(client, user)
        else:
            log.info("a wrong password for %r from %s", user, client)
        return valid, None


_GATES_LOCK = threading.Lock()


def gate_of(datasette: Any) -> Gate:
    """The login state of this Datasette instance (one per server)."""
    with _GATES_LOCK:
        gate = getattr(datasette, "_newsdesk_gate", None)
        if gate is None:
            gate = Gate()
            datasette._newsdesk_gate = gate
        return gate


def accounts_of(datasette: Any) -> dict[str, str]:
    """User name -> password hash, from the ``datasette-auth-passwords`` metadata."""
    config = datasette.plugin_config(ACCOUNTS_PLUGIN) or {}
    suffix = "_password_hash"
    return {key[: -len(suffix)]: str(value) for key, value in config.items() if key.endswith(suffix) and value}


def parse_basic(header: bytes) -> tuple[str, str] | None:
    """(user, password) of a ``Basic`` Authorization header; None for another scheme.

    Raises MalformedCredentials for a Basic header that is not base64 of user:password."""
    scheme, _, token = header.strip().partition(b" ")
    if scheme.lower() != b"basic":
        return None
    if len(header) > MAX_HEADER_BYTES:
        raise MalformedCredentials("the Basic credentials are too long")
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise MalformedCredentials("the Basic credentials are not base64 of UTF-8 text") from None
    user, colon, password = decoded.partition(":")
    if not colon:
        raise MalformedCredentials("the Basic credentials have no ':' between user name and password")
    return user, password


async def _plain(send: Send, status: int, text: str, headers: dict[str, str] | None = None) -> None:
    await Response.text(text + "\n", status=status, headers=headers or {}).asgi_send(send)


def is_https(datasette: Any, scope: Scope) -> bool:
    return scope.get("scheme") == "https" or bool(datasette.setting("force_https_urls"))


@hookimpl
def asgi_wrapper(datasette: Any) -> Callable[[App], App]:
    def wrap(app: App) -> App:
        async def authorized(scope: Scope, receive: Receive, send: Send) -> None:
            header = None
            if scope.get("type") == "http":
                header = next((value for key, value in scope.get("headers", []) if key == b"authorization"), None)
            accounts = accounts_of(datasette) if header is not None else {}
            if not accounts:
                await app(scope, receive, send)
                return
            challenge = {"www-authenticate": 'Basic realm="newsdesk dashboard", charset="UTF-8"'}
            try:
                credentials = parse_basic(header or b"")
            except MalformedCredentials as exc:
                await _plain(send, 401, f"401 Unauthorized: {exc}; send user {USER} and the dashboard password, or log in at /-/login.", challenge)
                return
            if credentials is None:  # another scheme: not ours to judge
                await app(scope, receive, send)
                return
            user, password = credentials
            gate = gate_of(datasette)
            encoded = accounts.get(user)
            if not (encoded and gate.remembered(user, password, encoded)):
                valid, refusal = await gate.check(client_key(scope), user, password, accounts)
                if refusal:
                    await _plain(send, 429, f"429 {refusal.message}", {"retry-after": str(refusal.seconds)})
                    return
                if not valid or encoded is None:
                    await _plain(send, 401, f"401 Unauthorized: wrong user name or password (the user is {USER}).", challenge)
                    return
                gate.remember(user, password, encoded)
            await app({**scope, SCOPE_ACTOR: {"id": user}}, receive, send)

        return authorized

    return wrap


@hookimpl
def actor_from_request(datasette: Any, request: Any) -> dict[str, Any] | None:
    actor = request.scope.get(SCOPE_ACTOR)
    return dict(actor) if actor else None


LOGIN = """{% extends "base.html" %}
{% block title %}Log in{% endblock %}
{% block extra_head %}<style>
form.newsdesk-login label { display: block; float: none; margin-bottom: 0.3em; }
form.newsdesk-login input[type=text], form.newsdesk-login input[type=password] { width: 80%; max-width: 400px; padding: 8px 4px; font-size: 1em; }
</style>{% endblock %}
{% block content %}
<h1>Log in</h1>
{% if actor %}<p>You are logged in as <strong>{{ actor.id }}</strong>. <a href="{{ urls.instance() }}">Go to the dashboard</a>.</p>{% endif %}
<p>Log in as <strong>{{ user }}</strong> with the dashboard password (set by whoever runs the bot with <code>newsdesk dashboard hash-password</code>).</p>
{% if error %}<p class="message-error">{{ error }}</p>{% endif %}
<form class="newsdesk-login core" action="{{ urls.path("/-/login") }}" method="post">
<p><label for="id_username">User name</label>
<input id="id_username" type="text" name="username" value="{{ username }}" autocomplete="username"></p>
<p><label for="id_password">Password</label>
<input id="id_password" type="password" name="password" autocomplete="current-password" autofocus></p>
<input type="hidden" name="csrftoken" value="{{ csrftoken() }}">
<p><input type="submit" value="Log in"></p>
</form>
{% endblock %}
"""


def login_cookie(datasette: Any, response: Response, actor: dict[str, Any], https: bool) -> None:
    """Set the signed ``ds_actor`` cookie: HttpOnly, SameSite=Lax, expiring, Secure over https."""
    expires = baseconv.base62.encode(int(time.time()) + SESSION_SECONDS)
    value = datasette.sign({"a": actor, "e": expires}, "actor")
    response.set_cookie(COOKIE, value, max_age=SESSION_SECONDS, httponly=True, samesite="lax", secure=https)


async def login(datasette: Any, request: Any) -> Response:
    accounts = accounts_of(datasette)
    error = None if accounts else "This dashboard has no password set, so there is no login."
    status = 200
    headers: dict[str, str] = {}
    username = USER
    if request.method == "POST" and accounts:
        form = await request.post_vars()
        username = (form.get("username") or "").strip()[:200]
        password = form.get("password") or ""
        valid, refusal = await gate_of(datasette).check(client_key(request.scope), username, password, accounts)
        if valid:
            response = Response.redirect(datasette.urls.instance())
            login_cookie(datasette, response, {"id": username}, is_https(datasette, request.scope))
            log.info("%s logged in to the dashboard from %s", username, client_key(request.scope))
            return response
        if refusal:
            error, status, headers = refusal.message, 429, {"retry-after": str(refusal.seconds)}
        else:
            error = "Invalid username or password"
    template = datasette.jinja_env.from_string(LOGIN)
    html = await datasette.render_template(template, {"error": error, "user": USER, "username": username}, request=request)
    return Response.html(html, status=status, headers=headers)


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/login$", login)]


@hookimpl
def menu_links(datasette: Any, actor: dict[str, Any] | None) -> list[dict[str, str]]:
    return [] if actor else [{"href": datasette.urls.path("/-/login"), "label": "Log in"}]
