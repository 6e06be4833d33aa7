"""What a corpus folder already holds, for ingest to tell the same article from a different one.

Guarantees: an article is *the same* as a corpus article only when it has the same URL, or
the same id with the same outlet, date and title (and no different URL); only that one may be
replaced (``--overwrite``). An article with the same text, or the same title and date, under
another id is a duplicate, never replaced silently. Kept up to date as a batch adds files.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from retrieval.corpus import Article, load_corpus

log = logging.getLogger(__name__)


def normalise_text(text: str) -> str:
    # Same article copied twice may differ in quote style, case and spacing only.
    text = text.translate(str.maketrans("‘’“”", "''\"\""))
    return " ".join(text.casefold().split())


def title_key(title: str, published: dt.date | None) -> tuple[str, dt.date | None]:
    return " ".join(re.sub(r"[^\w\s]", " ", title.casefold()).split()), published


@dataclass(frozen=True)
class Match:
    """A corpus article that matches a new one, and why (for the message)."""

    article: Article
    path: Path
    why: str


class CorpusIndex:
    """The articles of ``corpus_dir`` by id, URL, text and title; a missing folder is empty."""

    def __init__(self, corpus_dir: Path) -> None:
        self.by_id: dict[str, Article] = {}
        self.by_url: dict[str, Article] = {}
        self.by_body: dict[str, Article] = {}
        self.by_title: dict[tuple[str, dt.date | None], Article] = {}
        if corpus_dir.is_dir():  # a missing folder is created on the first write
            for article in load_corpus(corpus_dir).articles:
                self.add(article)

    def add(self, article: Article) -> None:
        """Add an article read back from its corpus file (``article.path`` set)."""
        self.by_id[article.id] = article
        if article.url:
            self.by_url[article.url] = article
        self.by_body[normalise_text(article.body)] = article
        self.by_title[title_key(article.title, article.published)] = article

    def discard(self, path: Path) -> None:
        for table in (self.by_id, self.by_url, self.by_body, self.by_title):
            for key in [k for k, a in table.items() if a.path == path]:
                del table[key]

    def same_article(self, article: Article) -> Match | None:
        """The corpus article that ``article`` is a new version of: same URL, or same id and title."""
        if article.url and (other := self.by_url.get(article.url)) is not None:
            return Match(other, _path(other), f"same URL {article.url}")
        other = self.by_id.get(article.id)
        if other is None or (article.url and other.url and article.url != other.url):
            return None
        same = (
            title_key(other.title, other.published) == title_key(article.title, article.published)
            and other.source.casefold() == article.source.casefold()
        )
        return Match(other, _path(other), f"same id {article.id} and title") if same else None

    def same_content(self, article: Article, *, ignoring: Path | None = None) -> Match | None:
        """Another corpus article with the same text, or the same title and date."""
        for table, key, why in (
            (self.by_body, normalise_text(article.body), "the same text"),
            (self.by_title, title_key(article.title, article.published), "the same title and date"),
        ):
            other = table.get(key)
            if other is not None and other.path != ignoring:
                return Match(other, _path(other), why)
        return None


def _path(article: Article) -> Path:
    if article.path is None:  # every indexed article was read from (or written to) a file
        raise ValueError(f"article {article.id} has no corpus file")
    return article.path
