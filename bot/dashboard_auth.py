"""The dashboard's login, as a Datasette plugin registered by :mod:`bot.dashboard_site`. It
replaces datasette-auth-passwords' routes and hooks (whose hash format and
``datasette-auth-passwords`` metadata it keeps), so the dashboard can face a network; the
throttles and the password check are :mod:`bot.dashboard_gate`.

Guarantees:
- With a password: the login form and the ``Authorization: Basic`` header are throttled per
  address and user name, a throttled attempt is a 429 (with when to try again) before any
  hashing, and passwords are checked off the event loop (see :mod:`bot.dashboard_gate`).
- Without one (the default): ``newsdesk dashboard`` prints a one-time link
  (``/-/auth-token?token=...``, as Datasette's ``--root`` does); opening it logs that browser
  in, once. Without it no page of the log is readable, so another user of this machine
  cannot read the log through the dashboard. The token reaches Datasette through its
  environment, which this plugin empties; a spent or wrong link is a 403 saying what to do.
- A ``Basic`` header that is not ``Basic base64(user:password)`` is a 401 saying so, never
  a 500. A header that was right is remembered (a keyed digest, never the password), so a
  script sending it on each request is not hashed each time.
- The login cookie (``ds_actor``, signed by Datasette) is HttpOnly, SameSite=Lax, expires
  after SESSION_SECONDS (in the cookie and in its signed value, which Datasette checks),
  and is Secure when the request came over https or ``force_https_urls`` is set.
- ``/-/password-tool`` (datasette-auth-passwords' hashing form) does not exist:
  ``newsdesk dashboard hash-password`` makes hashes.
- The login page names the user name (:data:`USER`).
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

from datasette import hookimpl
from datasette.utils import baseconv
from datasette.utils.asgi import Response

from bot.dashboard import TOKEN_ENV, TOKEN_PATH
from bot.dashboard_gate import FAILURES_PER_CLIENT, FAILURES_PER_USER, Gate, Scope, client_key  # noqa: F401  (re-exported)

log = logging.getLogger(__name__)

USER = "moderator"
ACCOUNTS_PLUGIN = "datasette-auth-passwords"  # the metadata key holding the hash (see bot.dashboard)
COOKIE = "ds_actor"
SCOPE_ACTOR = "newsdesk.actor"  # where a valid Basic header leaves its actor for actor_from_request
SESSION_SECONDS = 12 * 3600
MAX_HEADER_BYTES = 4096

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

# The token taken from TOKEN_ENV when the plugin is registered (then removed from the
# environment, so nothing this process starts inherits it); the gate holds it from then on.
_armed_token: str | None = None


def arm_token_from_environment() -> bool:
    """Take the one-time link's token out of the environment for the next gate; whether there was one."""
    global _armed_token
    _armed_token = os.environ.pop(TOKEN_ENV, None) or None
    return _armed_token is not None


class MalformedCredentials(ValueError):
    """An ``Authorization: Basic`` header that does not hold base64(user:password)."""


_GATES_LOCK = threading.Lock()


def gate_of(datasette: Any) -> Gate:
    """The login state of this Datasette instance (one per server)."""
    with _GATES_LOCK:
        gate = getattr(datasette, "_newsdesk_gate", None)
        if gate is None:
            gate = Gate(token=_armed_token)
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
{% if error %}<p class="message-error">{{ error }}</p>{% endif %}
{% if link_only %}<p>This dashboard has no password. Open the one-time link <code>newsdesk dashboard</code> printed when it started (it works once, in one browser); for another, restart it. Or set a password: <code>newsdesk dashboard hash-password</code>.</p>
{% else %}<p>Log in as <strong>{{ user }}</strong> with the dashboard password (set by whoever runs the bot with <code>newsdesk dashboard hash-password</code>).</p>
<form class="newsdesk-login core" action="{{ urls.path("/-/login") }}" method="post">
<p><label for="id_username">User name</label>
<input id="id_username" type="text" name="username" value="{{ username }}" autocomplete="username"></p>
<p><label for="id_password">Password</label>
<input id="id_password" type="password" name="password" autocomplete="current-password" autofocus></p>
<input type="hidden" name="csrftoken" value="{{ csrftoken() }}">
<p><input type="submit" value="Log in"></p>
</form>{% endif %}
{% endblock %}
"""


def login_cookie(datasette: Any, response: Response, actor: dict[str, Any], https: bool) -> None:
    """Set the signed ``ds_actor`` cookie: HttpOnly, SameSite=Lax, expiring, Secure over https."""
    expires = baseconv.base62.encode(int(time.time()) + SESSION_SECONDS)
    value = datasette.sign({"a": actor, "e": expires}, "actor")
    response.set_cookie(COOKIE, value, max_age=SESSION_SECONDS, httponly=True, samesite="lax", secure=https)


async def login(datasette: Any, request: Any) -> Response:
    accounts = accounts_of(datasette)
    error = None
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
    context = {"error": error, "user": USER, "username": username, "link_only": not accounts}
    html = await datasette.render_template(template, context, request=request)
    return Response.html(html, status=status, headers=headers)


async def token_login(datasette: Any, request: Any) -> Response:
    """The one-time link: right, it logs this browser in (once); else a 403 (429 when throttled)."""
    client = client_key(request.scope)
    token = (request.args.get("token") or "")[:200]
    valid, refusal = gate_of(datasette).redeem(client, token)
    if refusal:
        return Response.text(f"429 {refusal.message}\n", status=429, headers={"retry-after": str(refusal.seconds)})
    if not valid:
        return Response.text(
            "403 Forbidden: this link is wrong or was used already (it works once). Restart `newsdesk dashboard` "
            "for a new one, or set a dashboard password (newsdesk dashboard hash-password).\n",
            status=403,
        )
    response = Response.redirect(datasette.urls.instance())
    login_cookie(datasette, response, {"id": USER}, is_https(datasette, request.scope))
    log.info("the one-time link logged a browser in from %s", client)
    return response


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/login$", login), (rf"^{TOKEN_PATH}$", token_login)]


@hookimpl
def menu_links(datasette: Any, actor: dict[str, Any] | None) -> list[dict[str, str]]:
    return [] if actor else [{"href": datasette.urls.path("/-/login"), "label": "Log in"}]
