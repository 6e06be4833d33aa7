"""The generic boilerplate patterns of raw news pages, and the outlet cues found in that boilerplate.

Patterns, not per-site rules: each names a kind of line (navigation, image credit or
caption, newsletter/comment prompt, publisher blurb, agency sign-off) that any outlet may
print. :func:`single_line_reason` says why a line is boilerplate on its own;
:mod:`retrieval.ingest.cleaning` adds the rules that need neighbouring lines. ``OUTLET_CUES`` are
looked for only in dropped boilerplate and a URL line, never in the article text.
"""

from __future__ import annotations

import re

_NAVIGATION = re.compile(r"^(?:\d+\.\s*)?skip\s+(?:to|next)\b", re.I)
_CREDIT = re.compile(
    r"^(?:image|images|photo|photos|picture|pictures|photograph|credit|(?:photo|image|picture)\s+credit)"
    r"(?:\s+by)?\s*:\s*\S",
    re.I,
)
# A caption ends with the photo agency in brackets, e.g. "... press conference in 2007 (AFP)".
_AGENCY_CAPTION = re.compile(
    r"\((?:AFP|AP|Reuters|Getty(?: Images)?|EPA|Anadolu(?: Agency)?|AA|Xinhua|dpa|MEE|File(?: photo)?)"
    r"(?:\s*/\s*[^()]{1,40})?\)$"
)


def _case_blind(*patterns: str) -> list[re.Pattern[str]]:
    return [re.compile(p, re.I) for p in patterns]


_PROMPTS = _case_blind(
    r"^join our comment(?:ing|s)? forum",
    r"^join (?:the|thought-provoking) conversations?",
    r"^thank you for registering",
    r"^please refresh (?:the|your) (?:page|browser)",
    r"^stay informed with .{0,40}newsletters?",
    r"^sign up (?:to|for) ",
    r"^subscribe (?:to|for|now)\b",
    r"^(?:follow us on|share this (?:article|story|page))\b",
    r"^(?:advertisement|skip advert(?:isement)?)$",
    r"^(?:related|recommended|read more|more on this story|most read|explore more)\s*:?$",
)
_PUBLISHER_BLURB = _case_blind(
    r"\bdelivers independent\b.{0,120}\bcoverage\b",
    r"\brepublish(?:ing)? this content\b",
    r"\bmore about \S+(?: \S+){0,3} can be found here\b",
)
# Editor initials and agencies at the end of a wire story: "mg/kms (AP, dpa, AFP)".
_INITIALS_SIGNOFF = re.compile(r"^[a-z]{1,4}(?:/[a-z]{1,4})+\s*(?:\([^()]{1,60}\))?$")
# "TRTWorld and agencies", "Staff and agencies": a name, never a sentence ("... worked with agencies").
_AGENCIES_SIGNOFF = re.compile(r"^(?:(?:[A-Z][\w.-]*\s+){1,3}(?:and|with|&)\s+(?:news\s+)?)?[Aa]gencies\.?$")
URL_LINE = re.compile(r"^(?:(?:source|url|link|original(?: article)?)\s*:\s*)?(?P<url>https?://\S+)$", re.I)

# Outlet cues, looked for only in boilerplate lines (and a URL line).
OUTLET_CUES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bDW\b|Deutsche Welle|\bdw\.com\b"), "DW"),
    (re.compile(r"\bIndependent readers\b|\bindependent\.co\.uk\b", re.I), "The Independent"),
    (re.compile(r"\bMEE\b|Middle East Eye|\bmiddleeasteye\.net\b"), "Middle East Eye"),
    (re.compile(r"\bTRT ?World\b|\btrtworld\.com\b", re.I), "TRT World"),
    (re.compile(r"\bAl Jazeera\b|\baljazeera\.com\b"), "Al Jazeera"),
    (re.compile(r"\bbbc\.(?:co\.uk|com)\b"), "BBC"),
    (re.compile(r"\btheguardian\.com\b"), "The Guardian"),
]


def single_line_reason(text: str) -> str | None:
    """Why a line is boilerplate on its own, or None."""
    if _NAVIGATION.match(text) and len(text.split()) <= 8:
        return "navigation"
    if _CREDIT.match(text) and len(text.split()) <= 15:
        return "image credit"
    if any(p.search(text) for p in _PROMPTS):
        return "prompt"
    if any(p.search(text) for p in _PUBLISHER_BLURB):
        return "publisher blurb"
    if _INITIALS_SIGNOFF.match(text) or _AGENCIES_SIGNOFF.match(text):
        return "agency sign-off"
    if _AGENCY_CAPTION.search(text) and len(text.split()) <= 40:
        return "image caption"
    return None
