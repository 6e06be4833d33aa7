"""What the stand-in records about the bot: requests, messages, interactions, violations."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")
_EVERYONE = re.compile(r"@(everyone|here)\b")

EPHEMERAL = 1 << 6
LOADING = 1 << 7


@dataclass
class RecordedFile:
    """A file uploaded in a multipart request (``files[n]`` field)."""

    field_name: str
    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def text(self, encoding: str = "utf-8") -> str:
        return self.data.decode(encoding)


@dataclass
class RecordedRequest:
    """One HTTP request the client made to the stand-in (REST or CDN)."""

    method: str
    path: str  # e.g. "/channels/123/messages" (without /api/v10)
    route: Optional[str]  # e.g. "/channels/{channel_id}/messages"; None if unknown
    params: dict[str, str]
    query: dict[str, str]
    json: Any
    files: list[RecordedFile]
    at: float  # stand-in clock
    status: int = 0
    response: Any = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def __repr__(self) -> str:
        return f"<RecordedRequest {self.method} {self.path} -> {self.status}>"


@dataclass
class Violation:
    """Something the real Discord would have rejected (or that hints at a bot bug)."""

    kind: str  # e.g. "invalid_form_body", "late_interaction_response", "already_acknowledged"
    detail: str
    request: Optional[RecordedRequest] = None
    body: Optional[dict[str, Any]] = None

    def __str__(self) -> str:
        where = f" [{self.request.method} {self.request.path}]" if self.request else ""
        return f"{self.kind}: {self.detail}{where}"


def compute_pings(
    content: Optional[str],
    allowed_mentions: Optional[dict[str, Any]],
    *,
    replied_user_id: Optional[int] = None,
) -> list[str]:
    """What a message would actually ping, following Discord's allowed_mentions rules.

    ``allowed_mentions`` of ``None`` (not sent) means Discord's default: parse
    users, roles and @everyone/@here, and ping the author of a replied-to message.
    Returns entries like ``"@everyone"``, ``"user:123"``, ``"role:456"``, ``"replied_user:789"``.
    """
    content = content or ""
    if allowed_mentions is None:
        parse = {"users", "roles", "everyone"}
        users: set[str] = set()
        roles: set[str] = set()
        replied = True
    else:
        parse = set(allowed_mentions.get("parse") or [])
        users = {str(u) for u in allowed_mentions.get("users") or []}
        roles = {str(r) for r in allowed_mentions.get("roles") or []}
        replied = bool(allowed_mentions.get("replied_user", False))
    out: list[str] = []
    if "everyone" in parse and _EVERYONE.search(content):
        out.append("@everyone")
    for uid in dict.fromkeys(_USER_MENTION.findall(content)):
        if "users" in parse or uid in users:
            out.append(f"user:{uid}")
    for rid in dict.fromkeys(_ROLE_MENTION.findall(content)):
        if "roles" in parse or rid in roles:
            out.append(f"role:{rid}")
    if replied_user_id is not None and replied:
        out.append(f"replied_user:{replied_user_id}")
    return out


@dataclass
class SentMessage:
    """A message the bot created or edited, by any route.

    kind:
      "channel"               POST /channels/{id}/messages
      "edit"                  PATCH /channels/{id}/messages/{id}
      "interaction_response"  callback type 4 (CHANNEL_MESSAGE_WITH_SOURCE)
      "interaction_update"    callback type 7 (UPDATE_MESSAGE)
      "followup"              POST /webhooks/{app}/{token}
      "interaction_edit"      PATCH /webhooks/{app}/{token}/messages/{@original|id}
    """

    kind: str
    channel_id: int
    message_id: int
    payload: dict[str, Any]  # the JSON body (or payload_json) exactly as the bot sent it
    message: dict[str, Any]  # the resulting message object (as returned to the bot)
    files: list[RecordedFile] = field(default_factory=list)
    interaction_id: Optional[int] = None
    request: Optional[RecordedRequest] = None

    @property
    def content(self) -> str:
        return self.message.get("content") or ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.message.get("embeds") or []

    @property
    def components(self) -> list[dict[str, Any]]:
        return self.message.get("components") or []

    @property
    def attachments(self) -> list[dict[str, Any]]:
        return self.message.get("attachments") or []

    @property
    def flags(self) -> int:
        return int(self.message.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def allowed_mentions(self) -> Optional[dict[str, Any]]:
        """As sent by the bot; ``None`` if the bot did not send any (= Discord's ping-everything default)."""
        return self.payload.get("allowed_mentions")

    @property
    def reference(self) -> Optional[dict[str, Any]]:
        return self.message.get("message_reference")

    @property
    def pings(self) -> list[str]:
        """Mentions in this message that would notify someone (see :func:`compute_pings`)."""
        replied = None
        ref = self.message.get("referenced_message")
        if ref:
            replied = int(ref["author"]["id"])
        content = self.payload.get("content", self.content) if self.kind.endswith("edit") else self.content
        return compute_pings(content, self.allowed_mentions, replied_user_id=replied)

    def custom_ids(self) -> list[str]:
        out: list[str] = []

        def walk(cs: list[dict[str, Any]]) -> None:
            for c in cs:
                if c.get("custom_id"):
                    out.append(c["custom_id"])
                walk(c.get("components") or [])
                if c.get("component"):
                    walk([c["component"]])
                if c.get("accessory"):
                    walk([c["accessory"]])

        walk(self.components)
        return out

    def __repr__(self) -> str:
        c = self.content if len(self.content) < 60 else self.content[:57] + "..."
        return f"<SentMessage {self.kind} id={self.message_id} content={c!r} embeds={len(self.embeds)} files={len(self.files)}>"


@dataclass
class CallbackAttempt:
    """One POST /interactions/{id}/{token}/callback (accepted or rejected)."""

    type: int
    data: Optional[dict[str, Any]]
    at: float  # seconds after the interaction was created (Discord's clocks start there)
    files: list[RecordedFile] = field(default_factory=list)
    status: int = 0
    error: Optional[dict[str, Any]] = None

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300

    def __repr__(self) -> str:
        return f"<CallbackAttempt type={self.type} status={self.status} at={self.at:.3f}s>"


@dataclass
class FakeInteraction:
    """An interaction the stand-in dispatched (INTERACTION_CREATE) and what became of it."""

    id: int
    token: str
    type: int  # 2 application command, 3 component, 4 autocomplete, 5 modal submit
    payload: dict[str, Any]
    created_at: float
    delivered_at: Optional[float] = None  # stand-in clock when written to the gateway socket
    callbacks: list[CallbackAttempt] = field(default_factory=list)
    response: Optional[CallbackAttempt] = None  # the accepted initial response
    original_message_id: Optional[int] = None
    loading: bool = False  # deferred (type 5) and not yet filled in
    followup_ids: list[int] = field(default_factory=list)
    modal: Optional[dict[str, Any]] = None  # data of a type 9 (MODAL) response
    autocomplete_choices: Optional[list[dict[str, Any]]] = None

    @property
    def acknowledged(self) -> bool:
        return self.response is not None

    @property
    def response_type(self) -> Optional[int]:
        return self.response.type if self.response else None

    @property
    def guild_id(self) -> Optional[int]:
        g = self.payload.get("guild_id")
        return int(g) if g else None

    @property
    def channel_id(self) -> int:
        return int(self.payload["channel_id"])

    def __repr__(self) -> str:
        return f"<FakeInteraction id={self.id} type={self.type} response={self.response_type}>"
