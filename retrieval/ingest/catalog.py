"""What a corpus folder already holds, for ingest to tell the same article from a different one.

Guarantees: an article is *the same* as a corpus article only when it has the same URL, or
the same id with the same outlet, date and title (and no different URL); only that one may be
replaced (``--overwrite``). An article with the same text, or the same title and date, under
another id is a duplicate, never replaced silently. An article moderators removed (its file in
``.removed/``) is known by its URL and text, so it is not added back unasked. Kept up to date
as a batch adds files.

Speed: what is compared (id, URL, title and date, a hash of the normalised text) is kept per
file in a catalog, ``.index/corpus-catalog.json`` in the corpus folder (a cache, written by
rename, safe to delete); a file whose size and modification time are unchanged is not read
again, so opening a corpus of 20,000 files costs a directory listing, not 20,000 parses. A
matching article is read from its file when it is reported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from retrieval.store.atomic import write_text_atomically
from retrieval.store.places import Places
from retrieval.corpus import Article, CorpusError, corpus_files, read_article
from retrieval.ingest.admin import REMOVED_DIRNAME


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


CATALOG_FILENAME = "corpus-catalog.json"
_CATALOG_VERSION = 1
# name -> [size, mtime_ns, id, url, body key, title key, published] (or the stat alone for a bad file)
Record = list


def _record(article: Article, size: int, mtime_ns: int) -> Record:
    title, published = title_key(article.title, article.published)
    return [size, mtime_ns, article.id, article.url, _body_key(article), title, published.isoformat() if published else None]


def _body_key(article: Article) -> str:
    return hashlib.sha256(normalise_text(article.body).encode()).hexdigest()


class CorpusIndex:
    """The articles of ``corpus_dir`` by id, URL, text and title; a missing folder is empty."""

    def __init__(self, corpus_dir: Path) -> None:
        self.corpus_dir = corpus_dir
        self.by_id: dict[str, Path] = {}
        self.by_url: dict[str, Path] = {}
        self.by_body: dict[str, Path] = {}
        self.by_title: dict[tuple[str, dt.date | None], Path] = {}
        # Articles moderators took out (kept in .removed/), by URL and by text: not added back unasked.
        self.removed: dict[str, Path] = {}
        self._names: set[str] = set()  # the corpus files taken in (see catch_up)
        if corpus_dir.is_dir():  # a missing folder is created on the first write
            for name, record in _current_records(corpus_dir).items():
                self._names.add(name)
                if len(record) > 2 and record[2] not in self.by_id:  # a duplicate id is not loaded
                    self._add_record(corpus_dir / name, record)
            for path in corpus_files(corpus_dir / REMOVED_DIRNAME):  # few: read each time
                if (article := _read(path)) is not None:
                    self.removed.update({key: path for key in (article.url, _body_key(article)) if key})

    def _add_record(self, path: Path, record: Record) -> None:
        _size, _mtime, article_id, url, body, title, published = record
        self.by_id[article_id] = path
        if url:
            self.by_url[url] = path
        self.by_body[body] = path
        self.by_title[(title, dt.date.fromisoformat(published) if published else None)] = path

    def add(self, article: Article) -> None:
        """Add an article read back from its corpus file (``article.path`` set)."""
        path = _path(article)
        self._names.add(path.name)
        self._add_record(path, _record(article, 0, 0))

    def catch_up(self) -> int:
        """Take in the corpus files other writers added or took out since this index was made
        (call it holding the writer lock, :mod:`retrieval.ingest.writer_lock`); how many changed.
        One directory listing: a file rewritten in place keeps its article (same URL and id)."""
        try:
            names = {path.name for path in corpus_files(self.corpus_dir)}
        except OSError:
            return 0
        for gone in self._names - names:
            self.discard(self.corpus_dir / gone)
        for new in sorted(names - self._names):
            self.add_file(self.corpus_dir / new)
        changed = len(names ^ self._names)
        self._names = names
        return changed

    def add_file(self, path: Path) -> None:
        """Add the article another process just wrote to ``path``; an unusable file adds nothing."""
        if (article := _read(path)) is not None:
            self.add(article)

    def discard(self, path: Path) -> None:
        self._names.discard(path.name)
        for table in (self.by_id, self.by_url, self.by_body, self.by_title):
            for key in [k for k, p in table.items() if p == path]:
                del table[key]

    def same_article(self, article: Article) -> Match | None:
        """The corpus article that ``article`` is a new version of: same URL, or same id and title."""
        if article.url and (path := self.by_url.get(article.url)) is not None:
            other = _read(path)
            if other is not None:
                return Match(other, path, f"same URL {article.url}")
        path = self.by_id.get(article.id)
        other = _read(path) if path is not None else None
        if other is None or (article.url and other.url and article.url != other.url):
            return None
        same = (
            title_key(other.title, other.published) == title_key(article.title, article.published)
            and other.source.casefold() == article.source.casefold()
        )
        return Match(other, path, f"same id {article.id} and title") if same else None

    def removed_copy(self, article: Article) -> Path | None:
        """The file in ``.removed/`` of this article (same URL or same text), if a moderator removed it."""
        return self.removed.get(article.url) if article.url in self.removed else self.removed.get(_body_key(article))

    def same_content(self, article: Article, *, ignoring: Path | None = None) -> Match | None:
        """Another corpus article with the same text, or the same title and date."""
        for table, key, why in (
            (self.by_body, _body_key(article), "the same text"),
            (self.by_title, title_key(article.title, article.published), "the same title and date"),
        ):
            path = table.get(key)  # type: ignore[call-overload]
            if path is not None and path != ignoring and (other := _read(path)) is not None:
                return Match(other, path, why)
        return None


def _read(path: Path) -> Article | None:
    try:
        return read_article(path)
    except CorpusError:  # changed or gone since the catalog saw it: no match to report
        return None


def _current_records(corpus_dir: Path) -> dict[str, Record]:
    """Each corpus file's catalog record, in name order: from the catalog when unchanged, else read."""
    catalog_path = Places(corpus_dir).corpus_cache / CATALOG_FILENAME
    try:
        saved = json.loads(catalog_path.read_text(encoding="utf-8"))
        known: dict[str, Record] = saved["files"] if saved.get("version") == _CATALOG_VERSION else {}
    except (OSError, ValueError, KeyError, TypeError):
        known = {}
    records: dict[str, Record] = {}
    changed = False
    for path in corpus_files(corpus_dir):
        try:
            stat = path.stat()
        except OSError:
            continue
        record = known.get(path.name)
        if record is None or record[:2] != [stat.st_size, stat.st_mtime_ns]:
            changed = True
            try:
                record = _record(read_article(path), stat.st_size, stat.st_mtime_ns)
            except CorpusError:
                record = [stat.st_size, stat.st_mtime_ns]  # unusable: load_corpus reports it
        records[path.name] = record
    if changed or len(records) != len(known):
        _save(catalog_path, records)
    return records


def _save(catalog_path: Path, records: dict[str, Record]) -> None:
    try:
        catalog_path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomically(catalog_path, json.dumps({"version": _CATALOG_VERSION, "files": records}))
    except OSError as exc:  # a read-only corpus: the next ingest reads the files again
        log.info("corpus catalog not saved (%s)", exc)


def save_catalog(corpus_dir: Path, articles: Iterable[Article], stats: Iterable[tuple[str, int, int]]) -> None:
    """Write the catalog for articles just read from ``corpus_dir`` (a build has them at hand).

    ``stats`` are (name, size, mtime) as taken before the files were read: a file changed
    since has another stat, so the next :class:`CorpusIndex` reads it again.
    """
    by_name = {a.path.name: a for a in articles if a.path is not None and a.path.parent == corpus_dir}
    records = {
        name: _record(by_name[name], size, mtime) if name in by_name else [size, mtime]
        for name, size, mtime in stats
    }
    _save(Places(corpus_dir).corpus_cache / CATALOG_FILENAME, records)


def _path(article: Article) -> Path:
    if article.path is None:  # every indexed article was read from (or written to) a file
        raise ValueError(f"article {article.id} has no corpus file")
    return article.path
