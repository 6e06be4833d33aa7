"""An author's bio and contact lines at the end of a body: not the article's text.

Guarantees:

- :func:`bio_reason` judges one paragraph; only the body's trailing run is asked
  (:mod:`retrieval.ingest.body_check`): a bio in the middle of an article is left alone;
- a bio has the shape of one, not merely a name: it starts with the author's name (the page's
  byline, meta author or JSON-LD author; full name, first or last name), or with any name
  when it also names the page's outlet, then a verb of a bio ("is a", "has been", "joined",
  "covers", "writes"...), and it holds a job word (reporter, writer, editor, correspondent...)
  or "covers"/"based in". "Smith is expected to testify" is no bio, whoever Smith is;
- a contact line asks the reader to follow, email or reach someone ("Follow Jane on Twitter
  @jd", "Email the author at ...", "Jane Doe can be reached at ...");
- a paragraph longer than a bio (80 words) is never dropped here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from retrieval.ingest.link_lines import fold

_MAX_WORDS = 80
_MAX_CONTACT_WORDS = 40
_LABEL = re.compile(r"^(?:about the (?:author|writer|reporter)s?|author bio(?:graphy)?)\s*[:.\-–—]?\s*", re.I)

# What a bio says after the name ("is a", "has been"...), and the job it names.
_VERBS = (
    "is", "was", "has been", "had been", "joined", "writes", "wrote", "has written", "covers", "covered",
    "reports", "reported", "has reported", "contributes", "serves", "works", "worked", "edits", "lives", "holds",
    "previously",
)
_JOBS = (
    "reporter", "writer", "editor", "correspondent", "contributor", "journalist", "author", "columnist",
    "producer", "blogger", "critic", "photographer", "photojournalist", "anchor", "presenter", "podcast host",
)
_BIO_VERB = re.compile(rf"^,?(?:\s+\([^()]{{1,40}}\))?\s+(?:{'|'.join(_VERBS)})\b", re.I)
_JOB = re.compile(rf"\b(?:(?:{'|'.join(_JOBS)})s?|covers|based in|freelance|bureau chief)\b", re.I)

# A name as a page writes it: capitalised words (case matters even in a case-blind pattern).
_NAME = r"(?-i:[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,2})"
_ANY_NAME = re.compile(r"^[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){1,3}")  # two words or more: "Jane Doe"
_WHOM = rf"(?:us|me|him|her|them|the (?:author|reporter|writer|editor|newsroom|desk)s?|{_NAME})"
_WHERE = r"(?:twitter|facebook|instagram|linkedin|threads|bluesky|mastodon|tiktok|google\+|@\w|\S+@\S+\.\w+)"
_CONTACT = re.compile(
    rf"^(?:you can\s+)?(?:follow|email|e-mail|contact|reach|write to|message|tweet(?: at)?)\s+{_WHOM}\b.{{0,160}}?{_WHERE}",
    re.I,
)
_REACHED = re.compile(rf"^(?:he|she|they|{_NAME})\s+can be (?:reached|contacted|emailed)\b", re.I)
_AUTHOR_META = "//head/meta[@name='author' or @property='article:author' or @name='sailthru.author']/@content"


def author_names(byline: str, tree: Any, objects: list[dict]) -> tuple[str, ...]:
    """The page's authors' names: its byline, meta author and JSON-LD ``author.name``."""
    found = [byline]
    if tree is not None:
        found += [str(v) for v in tree.xpath(_AUTHOR_META)]
    for item in objects:
        authors = item.get("author")
        for author in authors if isinstance(authors, list) else [authors]:
            name = author.get("name") if isinstance(author, dict) else author
            if isinstance(name, str):
                found.append(name)
    names = {n.strip() for text in found for n in re.split(r"\s*(?:[;,|&]|\band\b)\s*", text or "")}
    return tuple(sorted(n for n in names if n and not n.startswith(("http", "@")) and len(n.split()) <= 5))


def name_forms(names: Iterable[str]) -> list[str]:
    """Each name, its first word and its last: "Jane Doe", "Jane", "Doe" (longest first)."""
    forms = set()
    for name in names:
        words = re.sub(r"^by\s+", "", name, flags=re.I).split()
        if words:
            forms.update({" ".join(words), words[0], words[-1]})
    return sorted((f for f in forms if len(f) >= 3), key=len, reverse=True)


def _named_start(paragraph: str, forms: list[str], outlet: str) -> str | None:
    """What follows the bio's leading name, or None when it does not start with one."""
    for form in forms:
        if paragraph.casefold().startswith(form.casefold()) and not paragraph[len(form) : len(form) + 1].isalnum():
            return paragraph[len(form) :]
    match = _ANY_NAME.match(paragraph)
    if match and outlet and len(outlet) >= 3 and fold(outlet) in fold(paragraph):
        return paragraph[match.end() :]
    return None


def bio_reason(paragraph: str, forms: list[str], outlet: str) -> str:
    """Why ``paragraph`` is an author's bio or contact line (empty when it is not)."""
    words = len(paragraph.split())
    if words > _MAX_WORDS:
        return ""
    if words <= _MAX_CONTACT_WORDS and (_CONTACT.match(paragraph) or _REACHED.match(paragraph)):
        return "contact line"
    text = _LABEL.sub("", paragraph, count=1)
    rest = _named_start(text, forms, outlet)
    if rest is not None and _BIO_VERB.match(rest) and _JOB.search(rest):
        return "author bio"
    return ""
