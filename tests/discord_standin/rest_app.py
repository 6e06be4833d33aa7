"""REST routes for the bot's identity and its application commands.

Login (``/users/@me``, the application, ``/gateway/bot``), users and DMs, and
command registration.  Registration validates like Discord (names, descriptions,
option order, limits) and a bulk PUT keeps the ids of commands whose name is
unchanged, as Discord does.
"""

from __future__ import annotations

from typing import Any, Optional

from .command_limits import validate_commands
from .limits import error, not_found
from .routing import Ctx
from .state import StandinState, sf


class AppRoutes(StandinState):
    """``/users``, ``/gateway``, ``/applications/.../commands``."""

    def _me(self) -> dict[str, Any]:
        d = self.bot_user.to_dict()
        d.update({"verified": True, "mfa_enabled": False, "email": None, "locale": "en-US", "bio": "", "premium_type": 0})
        return d

    async def r_get_me(self, ctx: Ctx) -> Any:
        return self._me()

    async def r_get_user(self, ctx: Ctx, user_id: str) -> Any:
        u = self.users.get(int(user_id)) if user_id.isdigit() else None
        if u is None:
            raise not_found(10013, "Unknown User")
        return u.to_dict()

    async def r_create_dm(self, ctx: Ctx) -> Any:
        rid = ctx.payload.get("recipient_id")
        if rid is None or int(rid) not in self.users:
            raise not_found(10013, "Unknown User")
        return self.dm_channel(int(rid)).to_dict()

    async def r_gateway(self, ctx: Ctx) -> Any:
        return {"url": self.GATEWAY_URL}

    async def r_gateway_bot(self, ctx: Ctx) -> Any:
        return {
            "url": self.GATEWAY_URL,
            "shards": 1,
            "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1},
        }

    def _app_flags(self) -> int:
        flags = 1 << 23  # APPLICATION_COMMAND_BADGE
        if "presences" in self.privileged_intents:
            flags |= 1 << 12
        if "members" in self.privileged_intents:
            flags |= 1 << 14
        if "message_content" in self.privileged_intents:
            flags |= 1 << 18
        return flags

    async def r_application(self, ctx: Ctx) -> Any:
        return {
            "id": str(self.application_id),
            "name": self.app_name,
            "icon": None,
            "description": "Discord stand-in application",
            "summary": "",
            "type": None,
            "hook": True,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": self._app_flags(),
            "owner": self.owner.to_dict(),
            "team": None,
            "bot": self.bot_user.to_dict(),
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "tags": [],
            "approximate_guild_count": len(self.guilds),
            "approximate_user_install_count": 0,
            "integration_types_config": {"0": {}, "1": {}},
            "is_monetized": False,
            "rpc_origins": [],
        }

    async def r_empty_list(self, ctx: Ctx, **_: str) -> Any:
        return []

    async def r_app_emojis(self, ctx: Ctx, application_id: str) -> Any:
        return {"items": []}

    def _check_app(self, application_id: str) -> None:
        if application_id != str(self.application_id):
            raise error(403, 50001, "Missing Access")

    def _cmd_scope(self, guild_id: Optional[str]) -> Optional[int]:
        if guild_id is None:
            return None
        if int(guild_id) not in self.guilds:
            raise error(403, 50001, "Missing Access")
        return int(guild_id)

    def _store_command(self, scope: Optional[int], cmd: dict[str, Any], existing: Optional[dict[str, Any]]) -> dict[str, Any]:
        out = {
            "id": existing["id"] if existing else str(self.ids()),
            "application_id": str(self.application_id),
            "version": str(self.ids()),
            "type": int(cmd.get("type", 1)),
            "name": cmd["name"],
            "name_localizations": cmd.get("name_localizations"),
            "description": cmd.get("description", ""),
            "description_localizations": cmd.get("description_localizations"),
            "default_member_permissions": cmd.get("default_member_permissions"),
            "dm_permission": cmd.get("dm_permission", True),
            "contexts": cmd.get("contexts"),
            "integration_types": cmd.get("integration_types", [0]),
            "nsfw": cmd.get("nsfw", False),
        }
        if cmd.get("options"):
            out["options"] = cmd["options"]
        if scope is not None:
            out["guild_id"] = str(scope)
        return out

    async def r_get_commands(self, ctx: Ctx, application_id: str, guild_id: Optional[str] = None) -> Any:
        self._check_app(application_id)
        return list(self.commands.get(self._cmd_scope(guild_id), {}).values())

    async def r_put_commands(self, ctx: Ctx, application_id: str, guild_id: Optional[str] = None) -> Any:
        self._check_app(application_id)
        scope = self._cmd_scope(guild_id)
        body = ctx.rec.json if isinstance(ctx.rec.json, list) else []
        err = validate_commands(body)
        if err:
            raise self._reject("invalid_form_body", err, ctx.rec)
        old = {(c["name"], c["type"]): c for c in self.commands.get(scope, {}).values()}
        new: dict[int, dict[str, Any]] = {}
        for cmd in body:
            stored = self._store_command(scope, cmd, old.get((cmd["name"], int(cmd.get("type", 1)))))
            new[int(stored["id"])] = stored
        self.commands[scope] = new
        return list(new.values())

    async def r_post_command(self, ctx: Ctx, application_id: str, guild_id: Optional[str] = None) -> Any:
        self._check_app(application_id)
        scope = self._cmd_scope(guild_id)
        err = validate_commands([ctx.payload])
        if err:
            raise self._reject("invalid_form_body", err, ctx.rec)
        cmds = self.commands.setdefault(scope, {})
        existing = next((c for c in cmds.values() if c["name"] == ctx.payload["name"] and c["type"] == int(ctx.payload.get("type", 1))), None)
        stored = self._store_command(scope, ctx.payload, existing)
        cmds[int(stored["id"])] = stored
        return (200 if existing else 201), stored

    def _command(self, scope: Optional[int], command_id: str) -> dict[str, Any]:
        cmd = self.commands.get(scope, {}).get(int(command_id)) if command_id.isdigit() else None
        if cmd is None:
            raise not_found(10063, "Unknown application command")
        return cmd

    async def r_get_command(self, ctx: Ctx, application_id: str, command_id: str, guild_id: Optional[str] = None) -> Any:
        self._check_app(application_id)
        return self._command(self._cmd_scope(guild_id), command_id)

    async def r_patch_command(self, ctx: Ctx, application_id: str, command_id: str, guild_id: Optional[str] = None) -> Any:
        self._check_app(application_id)
        scope = self._cmd_scope(guild_id)
        cmd = self._command(scope, command_id)
        merged = {**cmd, **ctx.payload}
        err = validate_commands([merged])
        if err:
            raise self._reject("invalid_form_body", err, ctx.rec)
        stored = self._store_command(scope, merged, cmd)
        self.commands[scope][int(command_id)] = stored
        return stored

    async def r_delete_command(self, ctx: Ctx, application_id: str, command_id: str, guild_id: Optional[str] = None) -> Any:
        self._check_app(application_id)
        scope = self._cmd_scope(guild_id)
        self._command(scope, command_id)
        del self.commands[scope][int(command_id)]
        return 204, None

    async def r_command_permissions(self, ctx: Ctx, application_id: str, guild_id: str) -> Any:
        g = self.guilds.get(int(guild_id)) if guild_id.isdigit() else None
        out = []
        for (gid, name), targets in self.command_permits.items():
            cmd = self.find_command(name, gid) if g is not None and gid == g.id else None
            if cmd is not None:
                perms = [{"id": str(t), "type": 1 if t in g.roles else 2, "permission": True} for t in sorted(targets)]
                out.append({"id": cmd["id"], "application_id": str(self.application_id), "guild_id": guild_id, "permissions": perms})
        return out

    def find_command(self, name: str, guild: Any = None, type: int = 1) -> Optional[dict[str, Any]]:
        """A registered command by name: the guild's first, then global."""
        scopes = ([sf(guild)] if guild is not None else []) + [None]
        for scope in scopes:
            for c in self.commands.get(scope, {}).values():
                if c["name"] == name and c["type"] == type:
                    return c
        return None
