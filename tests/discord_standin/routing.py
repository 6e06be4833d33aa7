"""HTTP plumbing: one aiohttp handler for REST, gateway upgrades and the CDN.

Every REST request is recorded (``fake.requests``) before it is routed.  A route
handler returns a body (200), a ``(status, body)`` pair, or raises ``ApiError``;
answers always carry ``Content-Type: application/json`` exactly, as discord.py
requires.  A crash inside the stand-in answers 503 (which discord.py does not
retry) and is kept in ``fake.server_errors``; a request to an unknown route is a
404 kept in ``fake.unknown_routes``.  Rate limits (ratelimits.py) are applied after
routing and authentication and before the handler: a refused request is a 429
kept in ``fake.rate_limited`` and changes nothing else.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import re
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Optional

import aiohttp
from aiohttp import web

from .limits import ApiError, FormErrors, error, not_found
from .recording import RecordedFile, RecordedRequest, Violation
from .state import StandinState

log = logging.getLogger("discord_standin")

_API_PREFIX = re.compile(r"^/api(?:/v\d+)?(/.*)$")


# (method, route template, handler method, needs the bot token)
_TABLE: list[tuple[str, str, str, bool]] = [
    ("GET", "/users/@me", "r_get_me", True),
    ("POST", "/users/@me/channels", "r_create_dm", True),
    ("GET", "/users/{user_id}", "r_get_user", True),
    ("DELETE", "/users/@me/guilds/{guild_id}", "r_leave_guild", True),
    ("GET", "/gateway", "r_gateway", False),
    ("GET", "/gateway/bot", "r_gateway_bot", True),
    ("GET", "/oauth2/applications/@me", "r_application", True),
    ("GET", "/applications/@me", "r_application", True),
    ("GET", "/applications/{application_id}/commands", "r_get_commands", True),
    ("PUT", "/applications/{application_id}/commands", "r_put_commands", True),
    ("POST", "/applications/{application_id}/commands", "r_post_command", True),
    ("GET", "/applications/{application_id}/commands/{command_id}", "r_get_command", True),
    ("PATCH", "/applications/{application_id}/commands/{command_id}", "r_patch_command", True),
    ("DELETE", "/applications/{application_id}/commands/{command_id}", "r_delete_command", True),
    ("GET", "/applications/{application_id}/guilds/{guild_id}/commands/permissions", "r_command_permissions", True),
    ("GET", "/applications/{application_id}/guilds/{guild_id}/commands", "r_get_commands", True),
    ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", "r_put_commands", True),
    ("POST", "/applications/{application_id}/guilds/{guild_id}/commands", "r_post_command", True),
    ("GET", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}", "r_get_command", True),
    ("PATCH", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}", "r_patch_command", True),
    ("DELETE", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}", "r_delete_command", True),
    ("GET", "/applications/{application_id}/entitlements", "r_empty_list", True),
    ("GET", "/applications/{application_id}/emojis", "r_app_emojis", True),
    ("POST", "/interactions/{interaction_id}/{token}/callback", "r_interaction_callback", False),
    ("POST", "/webhooks/{application_id}/{token}", "r_followup", False),
    ("GET", "/webhooks/{application_id}/{token}/messages/{message_id}", "r_webhook_get_message", False),
    ("PATCH", "/webhooks/{application_id}/{token}/messages/{message_id}", "r_webhook_edit_message", False),
    ("DELETE", "/webhooks/{application_id}/{token}/messages/{message_id}", "r_webhook_delete_message", False),
    ("GET", "/channels/{channel_id}", "r_get_channel", True),
    ("GET", "/channels/{channel_id}/messages", "r_get_messages", True),
    ("POST", "/channels/{channel_id}/messages", "r_create_message", True),
    ("GET", "/channels/{channel_id}/messages/{message_id}", "r_get_message", True),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}", "r_edit_message", True),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}", "r_delete_message", True),
    ("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", "r_add_reaction", True),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", "r_remove_reaction", True),
    ("POST", "/channels/{channel_id}/typing", "r_typing", True),
    ("GET", "/guilds/{guild_id}", "r_get_guild", True),
    ("GET", "/guilds/{guild_id}/channels", "r_get_guild_channels", True),
    ("GET", "/guilds/{guild_id}/roles", "r_get_roles", True),
    ("GET", "/guilds/{guild_id}/members", "r_get_members", True),
    ("GET", "/guilds/{guild_id}/members/{user_id}", "r_get_member", True),
    ("PATCH", "/guilds/{guild_id}/members/{user_id}", "r_edit_member", True),
    ("DELETE", "/guilds/{guild_id}/members/{user_id}", "r_kick_member", True),
    ("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", "r_add_member_role", True),
    ("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", "r_remove_member_role", True),
    ("PUT", "/guilds/{guild_id}/bans/{user_id}", "r_ban", True),
]


def _compile(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$")


ROUTES = [(method, template, _compile(template), handler, auth) for method, template, handler, auth in _TABLE]


@dataclass
class Ctx:
    """One REST request as a route handler sees it."""

    request: web.Request
    rec: RecordedRequest
    payload: dict[str, Any]  # JSON body, or payload_json of a multipart body ({} if none)
    files: list[RecordedFile]


class Routing(StandinState):
    _outage: Callable[[str, RecordedRequest], None]  # world_events.WorldEvents

    """Receives every request and hands REST calls to the ``r_*`` route methods."""

    @staticmethod
    def _json(status: int, body: Any, headers: Optional[dict[str, str]] = None) -> web.Response:
        if status == 204 or body is None:
            return web.Response(status=204, headers=headers)
        # discord.py only parses the body if Content-Type is *exactly* application/json
        # (web.json_response would append "; charset=utf-8").
        return web.Response(status=status, body=json.dumps(body).encode(), headers={**(headers or {}), "Content-Type": "application/json"})

    async def _read_body(self, request: web.Request) -> tuple[Any, list[RecordedFile]]:
        files: list[RecordedFile] = []
        ctype = request.content_type
        if ctype == "application/json":
            text = await request.text()
            return (json.loads(text) if text else None), files
        if ctype.startswith("multipart/"):
            body: Any = None
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                if part.name == "payload_json":
                    body = json.loads(await part.text())  # type: ignore[union-attr]
                else:
                    data = await part.read(decode=False)  # type: ignore[union-attr]
                    files.append(
                        RecordedFile(
                            field_name=part.name or "",
                            filename=part.filename or "",  # type: ignore[union-attr]
                            content_type=part.headers.get("Content-Type", "application/octet-stream"),
                            data=bytes(data),
                        )
                    )
            return body, files
        await request.read()
        return None, files

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._gateway(request)
        if request.path.startswith("/attachments/") or request.path.startswith("/ephemeral-attachments/"):
            return self._cdn(request)
        m = _API_PREFIX.match(request.path)
        if not m:
            return self._json(404, {"message": "404: Not Found", "code": 0})
        sub = m.group(1)
        try:
            body, files = await self._read_body(request)
        except (ValueError, aiohttp.ContentTypeError) as e:
            return self._json(400, {"message": f"400: Bad Request ({e})", "code": 50109})
        rec = RecordedRequest(request.method, sub, None, {}, dict(request.query), body, files, self.now())
        self.requests.append(rec)
        headers: dict[str, str] = {}
        status: int
        out: Any
        try:
            handler, auth = self._match(request.method, rec)
            if auth and request.headers.get("Authorization") != f"Bot {self.token}":
                raise self._reject("unauthorized", error(401, 0, "401: Unauthorized"), rec)
            self._outage(request.method, rec)  # world_events.fail_route: Discord's own trouble
            verdict = self.rate_limits.check(request.method, rec.route or "", rec.params, self.now())
            headers = verdict.headers
            if verdict.refused is not None:
                self.rate_limited.append(rec)
                raise ApiError(429, verdict.refused)
            payload = body if isinstance(body, dict) else {}
            result = await handler(Ctx(request, rec, payload, files), **rec.params)
            status, out = result if isinstance(result, tuple) else (200, result)
        except ApiError as e:
            status, out = e.status, e.body
        except Exception as e:  # a bug in the stand-in: make it loud, but don't make discord.py retry
            log.exception("discord stand-in crashed handling %s %s", request.method, sub)
            self.server_errors.append(f"{request.method} {sub}: {e!r}")
            status, out = 503, {"message": f"stand-in error: {e!r}", "code": 0}
        rec.status, rec.response = status, out
        self._notify()
        return self._json(status, out, headers)

    def _match(self, method: str, rec: RecordedRequest) -> tuple[Callable[..., Awaitable[Any]], bool]:
        """The route method for the request (fills ``rec.route``/``rec.params``); 404 if none."""
        for route_method, template, rx, handler_name, auth in ROUTES:
            if route_method == method and (mm := rx.match(rec.path)):
                rec.route, rec.params = template, mm.groupdict()
                return getattr(self, handler_name), auth
        self.unknown_routes.append(rec)
        log.warning("discord stand-in: unknown route %s %s", method, rec.path)
        raise not_found()

    def _reject(self, kind: str, err: ApiError, rec: Optional[RecordedRequest], detail: Optional[str] = None) -> ApiError:
        if detail is None:
            errors = err.body.get("errors")
            detail = err.body.get("message", "")
            if errors:
                detail += ": " + "; ".join(FormErrors(errors).flat())
        self.violations.append(Violation(kind, detail, rec, err.body))
        self._notify()
        return err

    def _cdn(self, request: web.Request) -> web.Response:
        parts = request.path.strip("/").split("/")
        try:
            data = self.attachment_data[int(parts[2])]
        except (IndexError, ValueError, KeyError):
            return web.Response(status=404, text="Not Found")
        ctype = mimetypes.guess_type(parts[-1])[0] or "application/octet-stream"
        return web.Response(status=200, body=data, headers={"Content-Type": ctype})
