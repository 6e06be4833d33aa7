"""Discord's message / embed / component / command limits, with Discord's error shapes.

``validate_message()`` returns ``None`` when a payload is acceptable, or an
``ApiError`` carrying the HTTP status and the JSON body Discord would answer
with, e.g.::

    {"code": 50035, "message": "Invalid Form Body",
     "errors": {"embeds": {"0": {"title": {"_errors": [
         {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 256 or fewer in length."}]}}}}}

Limits: https://discord.com/developers/docs/resources/message#embed-object-embed-limits
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_TEXT_MAX = 2048
EMBED_AUTHOR_NAME_MAX = 256
EMBED_TOTAL_MAX = 6000  # summed over every embed of one message
ACTION_ROWS_MAX = 5
ROW_COMPONENTS_MAX = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25
SELECT_OPTION_TEXT_MAX = 100  # label, value and description of one select option
CHOICE_TEXT_MAX = 100  # name and string value of a command or autocomplete choice
ATTACHMENTS_MAX = 10
MODAL_TITLE_MAX = 45


@dataclass
class ApiError(Exception):
    status: int
    body: dict[str, Any]

    @property
    def code(self) -> int:
        return int(self.body.get("code", 0))

    def __str__(self) -> str:
        return f"{self.status} {self.body}"


def error(status: int, code: int, message: str) -> ApiError:
    return ApiError(status, {"message": message, "code": code})


def not_found(code: int = 0, message: str = "404: Not Found") -> ApiError:
    return error(404, code, message)


@dataclass
class FormErrors:
    """Collects errors into Discord's nested ``errors`` structure."""

    tree: dict[str, Any] = field(default_factory=dict)

    def add(self, path: tuple[Any, ...], code: str, message: str) -> None:
        node = self.tree
        for key in path:
            node = node.setdefault(str(key), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def max_len(self, path: tuple[Any, ...], value: Any, limit: int) -> None:
        if value is not None and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def required(self, path: tuple[Any, ...], value: Any) -> bool:
        if value is None or (isinstance(value, str) and value == ""):
            self.add(path, "BASE_TYPE_REQUIRED", "This field is required")
            return False
        return True

    def __bool__(self) -> bool:
        return bool(self.tree)

    def to_error(self) -> ApiError:
        return ApiError(400, {"code": 50035, "errors": self.tree, "message": "Invalid Form Body"})

    def flat(self) -> list[str]:
        """``["embeds.0.title: Must be 256 or fewer in length.", ...]`` - handy in assertions."""
        out: list[str] = []

        def walk(node: dict[str, Any], prefix: str) -> None:
            for k, v in node.items():
                if k == "_errors":
                    out.extend(f"{prefix or '<root>'}: {e['message']}" for e in v)
                else:
                    walk(v, f"{prefix}.{k}" if prefix else k)

        walk(self.tree, "")
        return out


def embed_length(embed: dict[str, Any]) -> int:
    """Characters counted towards the 6000 limit (title, description, field names and
    values, footer text, author name)."""
    n = len(embed.get("title") or "") + len(embed.get("description") or "")
    for f in embed.get("fields") or []:
        n += len(f.get("name") or "") + len(f.get("value") or "")
    n += len((embed.get("footer") or {}).get("text") or "")
    n += len((embed.get("author") or {}).get("name") or "")
    return n


def check_embeds(errs: FormErrors, embeds: Optional[list[dict[str, Any]]]) -> None:
    if not embeds:
        return
    if len(embeds) > EMBEDS_MAX:
        errs.add(("embeds",), "BASE_TYPE_MAX_LENGTH", f"Must be {EMBEDS_MAX} or fewer in length.")
    total = 0
    for i, e in enumerate(embeds):
        p = ("embeds", i)
        errs.max_len(p + ("title",), e.get("title"), EMBED_TITLE_MAX)
        errs.max_len(p + ("description",), e.get("description"), EMBED_DESCRIPTION_MAX)
        fields = e.get("fields") or []
        if len(fields) > EMBED_FIELDS_MAX:
            errs.add(p + ("fields",), "BASE_TYPE_MAX_LENGTH", f"Must be {EMBED_FIELDS_MAX} or fewer in length.")
        for j, f in enumerate(fields):
            fp = p + ("fields", j)
            if errs.required(fp + ("name",), f.get("name")):
                errs.max_len(fp + ("name",), f.get("name"), EMBED_FIELD_NAME_MAX)
            if errs.required(fp + ("value",), f.get("value")):
                errs.max_len(fp + ("value",), f.get("value"), EMBED_FIELD_VALUE_MAX)
        footer = e.get("footer")
        if footer:
            if errs.required(p + ("footer", "text"), footer.get("text")):
                errs.max_len(p + ("footer", "text"), footer.get("text"), EMBED_FOOTER_TEXT_MAX)
        author = e.get("author")
        if author:
            if errs.required(p + ("author", "name"), author.get("name")):
                errs.max_len(p + ("author", "name"), author.get("name"), EMBED_AUTHOR_NAME_MAX)
        _check_embed_urls(errs, p, e)
        total += embed_length(e)
    if total > EMBED_TOTAL_MAX:
        errs.add(("embeds",), "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}")


def check_url(errs: FormErrors, path: tuple[Any, ...], url: Any, *, also: tuple[str, ...] = ()) -> None:
    """http(s) only, as Discord requires; ``also`` names the extra schemes a field takes
    (``attachment`` where an upload can be shown, ``discord`` on link buttons)."""
    if url is None:
        return
    scheme, sep, rest = str(url).partition("://")
    if not sep or not rest or not scheme:
        errs.add(path, "URL_TYPE_INVALID_URL", "Not a well formed URL.")
    elif scheme.lower() not in ("http", "https") + also:
        errs.add(path, "URL_TYPE_INVALID_SCHEME", f'Scheme "{scheme}" is not supported. Scheme must be one of (\'http\', \'https\').')


def _check_embed_urls(errs: FormErrors, p: tuple[Any, ...], e: dict[str, Any]) -> None:
    check_url(errs, p + ("url",), e.get("url"))
    for key in ("image", "thumbnail"):
        check_url(errs, p + (key, "url"), (e.get(key) or {}).get("url"), also=("attachment",))
    check_url(errs, p + ("author", "url"), (e.get("author") or {}).get("url"))
    check_url(errs, p + ("author", "icon_url"), (e.get("author") or {}).get("icon_url"), also=("attachment",))
    check_url(errs, p + ("footer", "icon_url"), (e.get("footer") or {}).get("icon_url"), also=("attachment",))


def check_components(errs: FormErrors, components: Optional[list[dict[str, Any]]], flags: int = 0) -> None:
    if not components:
        return
    if flags & (1 << 15):  # IS_COMPONENTS_V2: layout components, only light checks
        for i, c in enumerate(components):
            _check_component(errs, ("components", i), c)
        return
    if len(components) > ACTION_ROWS_MAX:
        errs.add(("components",), "BASE_TYPE_MAX_LENGTH", f"Must be {ACTION_ROWS_MAX} or fewer in length.")
    for i, row in enumerate(components):
        if row.get("type") != 1:
            errs.add(("components", i, "type"), "UNION_TYPE_CHOICES", "Value of field \"type\" must be one of (1,).")
            continue
        children = row.get("components") or []
        if not children:
            errs.add(("components", i, "components"), "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length.")
        if len(children) > ROW_COMPONENTS_MAX:
            errs.add(("components", i, "components"), "BASE_TYPE_MAX_LENGTH", f"Must be {ROW_COMPONENTS_MAX} or fewer in length.")
        for j, c in enumerate(children):
            _check_component(errs, ("components", i, "components", j), c)
    _check_unique_custom_ids(errs, components)


def _check_unique_custom_ids(errs: FormErrors, components: list[dict[str, Any]]) -> None:
    """Discord refuses a message whose components share a ``custom_id`` (disabled ones too)."""
    seen: set[str] = set()

    def walk(cs: list[dict[str, Any]], p: tuple[Any, ...]) -> None:
        for k, c in enumerate(cs):
            cid = c.get("custom_id")
            if cid:
                if cid in seen:
                    errs.add(p + (k, "custom_id"), "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id was already specified")
                seen.add(cid)
            walk(c.get("components") or [], p + (k, "components"))
            for key in ("component", "accessory"):
                if c.get(key):
                    walk([c[key]], p + (k, key))

    walk(components, ("components",))


def _check_component(errs: FormErrors, p: tuple[Any, ...], c: dict[str, Any]) -> None:
    errs.max_len(p + ("custom_id",), c.get("custom_id"), CUSTOM_ID_MAX)
    if c.get("type") == 2:
        _check_button(errs, p, c)
    if c.get("type") == 3:
        opts = c.get("options") or []
        if len(opts) > SELECT_OPTIONS_MAX:
            errs.add(p + ("options",), "BASE_TYPE_MAX_LENGTH", f"Must be {SELECT_OPTIONS_MAX} or fewer in length.")
        for k, o in enumerate(opts):
            for key in ("label", "value", "description"):
                errs.max_len(p + ("options", k, key), o.get(key), SELECT_OPTION_TEXT_MAX)
    for k, child in enumerate(c.get("components") or []):
        _check_component(errs, p + ("components", k), child)


def _check_button(errs: FormErrors, p: tuple[Any, ...], c: dict[str, Any]) -> None:
    style = c.get("style")
    errs.max_len(p + ("label",), c.get("label"), BUTTON_LABEL_MAX)
    if style != 5 and style != 6 and not c.get("custom_id"):
        errs.add(p + ("custom_id",), "BASE_TYPE_REQUIRED", "This field is required")
    if style != 6 and not c.get("label") and not c.get("emoji"):  # premium buttons show the SKU instead
        errs.add(p, "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED", "A button needs a label or an emoji.")
    if style == 5:
        check_url(errs, p + ("url",), c.get("url") or "", also=("discord",))


def check_allowed_mentions(errs: FormErrors, am: Optional[dict[str, Any]]) -> None:
    if not am:
        return
    parse = am.get("parse") or []
    for kind in ("users", "roles"):
        if kind in parse and am.get(kind):
            errs.add(
                ("allowed_mentions",),
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
            )


def validate_message(
    payload: dict[str, Any],
    *,
    n_files: int = 0,
    require_content: bool = True,
) -> Optional[ApiError]:
    """Validate a create/edit-message body (channel message, interaction response
    data, webhook followup).  ``require_content`` is False for edits."""
    errs = FormErrors()
    content = payload.get("content")
    if content is not None and not isinstance(content, str):
        errs.add(("content",), "STRING_TYPE_CONVERT", "Could not interpret value as string.")
    else:
        errs.max_len(("content",), content, CONTENT_MAX)
    check_embeds(errs, payload.get("embeds"))
    check_components(errs, payload.get("components"), int(payload.get("flags") or 0))
    check_allowed_mentions(errs, payload.get("allowed_mentions"))
    attachments = payload.get("attachments") or []
    if max(len(attachments), n_files) > ATTACHMENTS_MAX:
        errs.add(("attachments",), "BASE_TYPE_MAX_LENGTH", f"Must be {ATTACHMENTS_MAX} or fewer in length.")
    if errs:
        return errs.to_error()
    if require_content and not (
        content
        or payload.get("embeds")
        or payload.get("components")
        or payload.get("sticker_ids")
        or payload.get("poll")
        or n_files
        or attachments
    ):
        return error(400, 50006, "Cannot send an empty message")
    return None


def validate_modal(data: dict[str, Any]) -> Optional[ApiError]:
    errs = FormErrors()
    if errs.required(("data", "title"), data.get("title")):
        errs.max_len(("data", "title"), data.get("title"), MODAL_TITLE_MAX)
    if errs.required(("data", "custom_id"), data.get("custom_id")):
        errs.max_len(("data", "custom_id"), data.get("custom_id"), CUSTOM_ID_MAX)
    comps = data.get("components") or []
    if not 1 <= len(comps) <= 5:
        errs.add(("data", "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
    return errs.to_error() if errs else None
