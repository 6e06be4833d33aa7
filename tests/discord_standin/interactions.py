"""Interactions a test sends to the bot: slash commands, autocomplete, buttons, modals.

Each builds the INTERACTION_CREATE payload Discord would send: the member's and
the bot's permissions, ``resolved`` data for user/channel/role options, option
types taken from the synced command, and the ids of the synced command.
"""

from __future__ import annotations

import copy
import secrets
from typing import Any, Optional, Union

from .constants import (
    IT_AUTOCOMPLETE,
    IT_COMMAND,
    IT_COMPONENT,
    IT_MODAL_SUBMIT,
    OPT_BOOL,
    OPT_CHANNEL,
    OPT_GROUP,
    OPT_INT,
    OPT_MENTIONABLE,
    OPT_NUMBER,
    OPT_ROLE,
    OPT_STRING,
    OPT_SUB,
    OPT_USER,
)
from .command_limits import option_value_problem
from .guild import FakeGuild
from .models import FakeChannel, FakeMember, FakeRole, FakeUser, Perm
from .recording import FakeInteraction, SentMessage
from .state import MessageLike, StandinState, UserLike, sf


class NotDeliverable(ValueError):
    """Real Discord would never send this interaction (the test asks for the impossible)."""


class InteractionEvents(StandinState):
    """``send_interaction``, ``send_component_interaction``, ``click_button``, ``send_modal_submit``."""

    def _offered_command(self, name: str, user: Optional[UserLike], channel: FakeChannel) -> Optional[dict[str, Any]]:
        """The registered command ``/name`` as Discord offers it to ``user`` in ``channel``:
        registered for that guild (or globally), allowed in that context (``contexts``,
        ``dm_permission``), and within ``default_member_permissions``."""
        guild = self._guild_of(channel)
        cmd = self.find_command(name, guild)
        where = f"guild {guild.name!r}" if guild else "DMs"
        if cmd is None:
            if self.registered_commands_only:
                raise NotDeliverable(f"/{name} is not registered for {where}: sync it there first "
                                     "(or FakeDiscord(registered_commands_only=False) to send unsynced commands)")
            return None
        contexts = cmd.get("contexts")
        allowed = (0 in contexts if guild else 1 in contexts) if contexts is not None else (guild is not None or cmd.get("dm_permission", True))
        if not allowed:
            raise NotDeliverable(f"/{name} is not offered in {where} (contexts={contexts}, dm_permission={cmd.get('dm_permission')})")
        required = cmd.get("default_member_permissions")
        if guild is not None and required is not None:
            member = self._member_of(guild, user if user is not None else self.member)
            perms = guild.permissions_for(member, channel)
            needed = int(required) or Perm.ADMINISTRATOR  # "0": administrators only
            permitted = self.command_permits.get((guild.id, name), set()) & {member.user.id, guild.id, *member.roles}
            if perms & needed != needed and not permitted:
                raise NotDeliverable(f"/{name} needs permissions {needed} (default_member_permissions) that this member lacks "
                                     f"in #{channel.name}: Discord hides it from them")
        return cmd

    def permit_command(self, name: str, *targets: Union[FakeRole, FakeUser, FakeMember], guild: Optional[FakeGuild] = None) -> None:
        """What a server admin does in Server Settings > Integrations: let these roles or
        members use ``/name`` although they lack its ``default_member_permissions``."""
        g = guild or self.guild
        self.command_permits.setdefault((g.id, name), set()).update(sf(t) for t in targets)

    def _interaction_base(self, itype: int, data: dict[str, Any], user: Optional[UserLike], channel: Optional[FakeChannel], locale: str) -> FakeInteraction:
        channel = channel or self.channel
        user_obj = self._user(user if user is not None else self.member)
        iid = self.ids()
        token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(96)
        guild = self._guild_of(channel)
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "token": token,
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": self.attachment_size_limit,
            "channel_id": str(channel.id),
        }
        if guild is not None:
            member = self._member_of(guild, user_obj)
            perms = guild.permissions_for(member, channel)
            ch = channel.to_dict()
            ch["permissions"] = str(perms)
            payload.update(
                {
                    "guild_id": str(guild.id),
                    "guild": {"id": str(guild.id), "locale": guild.preferred_locale, "features": []},
                    "guild_locale": guild.preferred_locale,
                    "channel": ch,
                    "member": member.to_dict(permissions=perms),
                    "app_permissions": str(self._bot_perms(channel)),
                    "authorizing_integration_owners": {"0": str(guild.id)},
                    "context": 0,
                }
            )
        else:
            payload.update(
                {
                    "user": user_obj.to_dict(),
                    "channel": channel.to_dict(),
                    "app_permissions": str(Perm.DEFAULT_EVERYONE),
                    "authorizing_integration_owners": {"1": str(user_obj.id)},
                    "context": 1,
                }
            )
        inter = FakeInteraction(id=iid, token=token, type=itype, payload=payload, created_at=self.now())
        self.interactions[iid] = inter
        self._interactions_by_token[token] = inter
        return inter

    async def _send_interaction(self, inter: FakeInteraction) -> FakeInteraction:
        await self.dispatch("INTERACTION_CREATE", inter.payload)
        self._notify()
        return inter

    def _resolve_option(self, value: Any, otype: int, resolved: dict[str, dict[str, Any]], guild: Optional[FakeGuild]) -> Any:
        if otype in (OPT_USER, OPT_MENTIONABLE) and isinstance(value, (FakeUser, FakeMember)) or otype == OPT_USER:
            u = self._user(value)
            resolved.setdefault("users", {})[str(u.id)] = u.to_dict()
            if guild is not None and u.id in guild.members:
                m = guild.members[u.id]
                resolved.setdefault("members", {})[str(u.id)] = m.to_dict(with_user=False, permissions=guild.permissions_for(m))
            return str(u.id)
        if otype == OPT_CHANNEL:
            ch = value if isinstance(value, FakeChannel) else self.get_channel(value)
            assert ch is not None, f"unknown channel {value!r}"
            d = ch.to_dict()
            d["permissions"] = str(self._bot_perms(ch))
            resolved.setdefault("channels", {})[str(ch.id)] = d
            return str(ch.id)
        if otype in (OPT_ROLE, OPT_MENTIONABLE):
            role = value if isinstance(value, FakeRole) else (guild.roles[int(value)] if guild else None)
            assert role is not None, f"unknown role {value!r}"
            resolved.setdefault("roles", {})[str(role.id)] = role.to_dict()
            return str(role.id)
        if otype == OPT_INT:
            return int(value)
        if otype == OPT_NUMBER:
            return float(value)
        if otype == OPT_BOOL:
            return bool(value)
        return str(value)

    @staticmethod
    def _infer_type(value: Any) -> int:
        if isinstance(value, bool):
            return OPT_BOOL
        if isinstance(value, int):
            return OPT_INT
        if isinstance(value, float):
            return OPT_NUMBER
        if isinstance(value, (FakeUser, FakeMember)):
            return OPT_USER
        if isinstance(value, FakeChannel):
            return OPT_CHANNEL
        if isinstance(value, FakeRole):
            return OPT_ROLE
        return OPT_STRING

    def _build_options(self, defs: Optional[list[dict[str, Any]]], values: dict[str, Any], resolved: dict[str, dict[str, Any]],
                       guild: Optional[FakeGuild], focused: Optional[str]) -> list[dict[str, Any]]:
        out = []
        for name, value in values.items():
            odef = next((o for o in defs or [] if o["name"] == name), None)
            if defs is not None and odef is None:
                raise ValueError(f"option {name!r} is not part of the registered command (has {[o['name'] for o in defs]})")
            otype = int(odef["type"]) if odef else self._infer_type(value)
            problem = option_value_problem(odef, value) if odef and name != focused else None
            if problem:
                raise NotDeliverable(f"Discord's client would not send {value!r} for option {name!r}: {problem}")
            entry = {"name": name, "type": otype, "value": self._resolve_option(value, otype, resolved, guild) if name != focused else str(value)}
            if name == focused:
                entry["focused"] = True
            out.append(entry)
        return out

    async def send_interaction(
        self,
        command: str,
        options: Union[dict[str, Any], list[dict[str, Any]], None] = None,
        *,
        user: Optional[UserLike] = None,
        channel: Optional[FakeChannel] = None,
        locale: str = "en-US",
        focused: Optional[str] = None,
    ) -> FakeInteraction:
        """Dispatch INTERACTION_CREATE for a slash command (type 2, or type 4
        autocomplete if ``focused`` names the option being typed).

        ``command`` may contain subcommand group / subcommand: ``"config set"``,
        ``"admin user warn"``.  ``options`` is ``{name: value}`` (types taken from the
        synced command definition if there is one, otherwise inferred; FakeUser/
        FakeMember/FakeChannel/FakeRole values produce ``resolved`` data) or a raw
        Discord options list.  ``user`` defaults to ``fake.member`` (alice) and
        ``channel`` to ``fake.channel`` (#general).
        """
        channel = channel or self.channel
        guild = self._guild_of(channel)
        name, *path = command.split()
        cmd = self._offered_command(name, user, channel)
        resolved: dict[str, dict[str, Any]] = {}
        defs: Optional[list[dict[str, Any]]] = cmd.get("options", []) if cmd else None
        wrappers: list[dict[str, Any]] = []
        for i, sub in enumerate(path):
            sdef = next((o for o in defs or [] if o["name"] == sub), None) if defs is not None else None
            if defs is not None and sdef is None:
                raise ValueError(f"{sub!r} is not a subcommand of {name!r}")
            stype = int(sdef["type"]) if sdef else (OPT_GROUP if i < len(path) - 1 else OPT_SUB)
            wrappers.append({"name": sub, "type": stype})
            defs = sdef.get("options", []) if sdef else None
        if isinstance(options, list):
            leaf = copy.deepcopy(options)
        else:
            leaf = self._build_options(defs, options or {}, resolved, guild, focused)
        opts = leaf
        for w in reversed(wrappers):
            opts = [{**w, "options": opts}]
        data: dict[str, Any] = {"id": cmd["id"] if cmd else str(self.ids()), "name": name, "type": 1}
        if opts:
            data["options"] = opts
        if resolved:
            data["resolved"] = resolved
        if cmd and cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        inter = self._interaction_base(IT_AUTOCOMPLETE if focused else IT_COMMAND, data, user, channel, locale)
        return await self._send_interaction(inter)

    async def send_component_interaction(
        self,
        message: MessageLike,
        custom_id: str,
        *,
        component_type: int = 2,
        values: Optional[list[str]] = None,
        user: Optional[UserLike] = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Dispatch INTERACTION_CREATE type 3: ``user`` clicked button ``custom_id``
        (or chose ``values`` in a select, ``component_type=3``) on ``message`` (a
        SentMessage, message dict or id of a message the stand-in knows)."""
        msg = self._message_dict(message)
        sm = SentMessage("probe", 0, 0, {}, msg)
        if custom_id not in sm.custom_ids():
            raise ValueError(f"message {msg['id']} has no component {custom_id!r} (has {sm.custom_ids()})")
        channel = self.get_channel(int(msg["channel_id"]))
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None or component_type in (3, 5, 6, 7, 8):
            data["values"] = list(values or [])
        inter = self._interaction_base(IT_COMPONENT, data, user, channel, locale)
        inter.payload["message"] = copy.deepcopy(msg)
        return await self._send_interaction(inter)

    async def click_button(self, message: MessageLike, custom_id: str, *, user: Optional[UserLike] = None) -> FakeInteraction:
        return await self.send_component_interaction(message, custom_id, user=user)

    async def send_modal_submit(
        self,
        interaction: Union[FakeInteraction, int],
        values: dict[str, Any],
        *,
        user: Optional[UserLike] = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Submit the modal the bot answered ``interaction`` with (callback type 9).
        ``values`` maps text-input custom_id -> text (or select custom_id -> list)."""
        src = self.interactions[sf(interaction)]
        if src.modal is None:
            raise ValueError(f"interaction {src.id} was not answered with a modal")

        def submit(c: dict[str, Any]) -> dict[str, Any]:
            if c.get("type") == 1:
                return {"type": 1, "id": c.get("id", 0), "components": [submit(x) for x in c.get("components", [])]}
            if c.get("type") == 18:
                return {"type": 18, "id": c.get("id", 0), "component": submit(c["component"])}
            out = {"type": c["type"], "id": c.get("id", 0), "custom_id": c.get("custom_id")}
            v = values.get(c.get("custom_id"), c.get("value", "") if c["type"] == 4 else [])
            out["value" if c["type"] == 4 else "values"] = v
            return out

        data = {"custom_id": src.modal["custom_id"], "components": [submit(c) for c in src.modal.get("components", [])]}
        user = user if user is not None else (src.payload.get("member", {}).get("user") or src.payload.get("user"))
        if isinstance(user, dict):
            user = int(user["id"])
        inter = self._interaction_base(IT_MODAL_SUBMIT, data, user, self.get_channel(src.channel_id), locale)
        if "message" in src.payload:
            inter.payload["message"] = copy.deepcopy(src.payload["message"])
        return await self._send_interaction(inter)
