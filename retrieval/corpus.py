"""The corpus: one cleaned article per file, with its metadata in a small header.

File format (``corpus/<id>.md``)::

    ---
    id: dw-2014-10-21-iran-pledges-to-help-iraq
    title: Iran pledges to help Iraq against 'IS' militants
    source: DW
    published: 2014-10-21
    author:
    url: https://www.dw.com/...
    ---
    First paragraph of the body.

    Second paragraph.

The header is ``key: value`` lines between two ``---`` lines (no YAML library needed);
``id``, ``title``, ``source`` and ``published`` are required, ``author`` and ``url`` may
be empty. ``published: unknown`` keeps an article whose page gives no date (cited with "date
unknown"; no date filter admits it). Paragraphs in the body are separated by blank lines. A ``source`` that is a web
address is not an outlet's name: the article still loads, with a warning naming the file.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.ingest.outlet_names import is_domain_brand, is_web_address
from retrieval.errors import NewsdeskError

log = logging.getLogger(__name__)

CORPUS_SUFFIX = ".md"
# The largest article (or raw page) newsdesk reads: one giant page would slow every answer.
# Ingest refuses bigger pages and downloads, and the corpus loader skips bigger files.
MAX_ARTICLE_BYTES = 5_000_000
REQUIRED_FIELDS = ("id", "title", "source", "published")
KNOWN_FIELDS = REQUIRED_FIELDS + ("author", "url")
UNKNOWN_DATE = "unknown"  # the ``published`` of an article whose page gives no date
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


class CorpusError(NewsdeskError, ValueError):
    """A corpus file that cannot be used; the message names the file and the problem."""

    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = Path(path)
        self.problem = problem


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    source: str
    published: dt.date | None
    body: str
    author: str = ""
    url: str = ""
    path: Path | None = field(default=None, compare=False)

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in re.split(r"\n\s*\n", self.body) if p.strip()]


@dataclass
class LoadedCorpus:
    articles: list[Article]
    errors: list[CorpusError]


# C0 and C1 control characters (ESC, BEL, NUL...) from a hostile or broken page: in a title they
# would recolour a terminal or garble a Discord message. Line breaks and tabs are kept (layout).
_CONTROLS = {c: " " if chr(c).isspace() else None for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)] if chr(c) not in "\n\t"}


def _without_controls(value: str) -> str:
    return value.translate(_CONTROLS)


def one_line(value: str) -> str:
    """``value`` as it is written in a header field: one line, no control characters."""
    return " ".join(_without_controls(value).split())


def format_article(article: Article) -> str:
    """Render an article in the corpus file format."""
    published = article.published.isoformat() if article.published else UNKNOWN_DATE
    header = {
        "id": article.id,
        "title": one_line(article.title),
        "source": one_line(article.source),
        "published": published,
        "author": one_line(article.author),
        "url": one_line(article.url),
    }
    lines = ["---", *(f"{k}: {v}".rstrip() for k, v in header.items()), "---"]
    body = "\n\n".join(_without_controls(p) for p in article.paragraphs)
    return "\n".join(lines) + "\n" + body + "\n"


def parse_article(text: str, path: Path | str = "<text>") -> Article:
    """Parse one corpus file; raise CorpusError naming ``path`` and the problem."""
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise CorpusError(path, "missing metadata header (the file must start with a '---' line)")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise CorpusError(path, "metadata header is not closed (add a '---' line after it)") from None
    meta: dict[str, str] = {}
    for number, line in enumerate(lines[1:end], start=2):
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if not sep or not key:
            raise CorpusError(path, f"line {number}: expected 'key: value', got {line.strip()!r}")
        if key not in KNOWN_FIELDS:
            raise CorpusError(path, f"line {number}: unknown field {key!r} (known: {', '.join(KNOWN_FIELDS)})")
        meta[key] = value.strip()
    missing = [k for k in REQUIRED_FIELDS if not meta.get(k)]
    if missing:
        raise CorpusError(path, f"missing required field(s): {', '.join(missing)}")
    if not _ID_RE.match(meta["id"]):
        raise CorpusError(path, f"id {meta['id']!r} must be lowercase letters, digits, '.', '_' or '-'")
    try:
        published = None if meta["published"] == UNKNOWN_DATE else dt.date.fromisoformat(meta["published"])
    except ValueError:
        problem = f"published {meta['published']!r} is not a date in YYYY-MM-DD form (or {UNKNOWN_DATE})"
        raise CorpusError(path, problem) from None
    if is_web_address(meta["source"]) and not is_domain_brand(meta["source"], any_case=True):  # kept, but cited as an address
        log.warning("%s: source %r is a web address, not an outlet name; write the outlet's name there", path, meta["source"])
    body = "\n".join(lines[end + 1 :]).strip()
    if not body:
        raise CorpusError(path, "the article body is empty")
    return Article(
        id=meta["id"],
        title=meta["title"],
        source=meta["source"],
        published=published,
        body=body,
        author=meta.get("author", ""),
        url=meta.get("url", ""),
        path=Path(path),
    )


def too_large(size: int) -> str:
    """The message for a page or article of ``size`` bytes over MAX_ARTICLE_BYTES."""
    return f"is {size / 1e6:.1f} MB, over the {MAX_ARTICLE_BYTES / 1e6:.0f} MB limit for one article"


def read_article(path: Path) -> Article:
    try:
        if (size := path.stat().st_size) > MAX_ARTICLE_BYTES:
            raise CorpusError(path, f"{too_large(size)}; split it or remove it")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CorpusError(path, "not UTF-8 text") from None
    except OSError as exc:
        raise CorpusError(path, f"cannot be read ({exc.strerror})") from None
    return parse_article(text, path)


def corpus_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob(f"*{CORPUS_SUFFIX}") if p.is_file())


class CorpusFolderError(NewsdeskError, FileNotFoundError):
    """No corpus folder to read at that path (missing, a file, or unreadable); the message says what to set.

    A FileNotFoundError, so every caller that reports a missing folder reports these too.
    """


def check_corpus_folder(directory: Path) -> None:
    """Raise CorpusFolderError unless ``directory`` is a folder this process can list and enter."""
    fix = "set NEWSDESK_CORPUS to a folder of article files"
    if not directory.exists():
        raise CorpusFolderError(f"corpus folder {directory} does not exist; {fix}")
    if not directory.is_dir():
        raise CorpusFolderError(f"corpus folder {directory} is a file, not a folder; {fix}")
    if not os.access(directory, os.R_OK | os.X_OK):
        raise CorpusFolderError(
            f"corpus folder {directory} cannot be read (permission denied); give this user read access or {fix}"
        )


def load_corpus(directory: Path | str) -> LoadedCorpus:
    """Load every article in ``directory``; a bad file is reported and skipped, the rest load."""
    directory = Path(directory)
    check_corpus_folder(directory)
    articles: list[Article] = []
    errors: list[CorpusError] = []
    seen: dict[str, Path] = {}
    for path in corpus_files(directory):
        try:
            article = read_article(path)
        except CorpusError as exc:
            log.info("skipping corpus file: %s", exc)
            errors.append(exc)
            continue
        if article.id in seen:
            exc = CorpusError(path, f"duplicate id {article.id!r} (already used by {seen[article.id].name})")
            log.info("skipping corpus file: %s", exc)
            errors.append(exc)
            continue
        seen[article.id] = path
        articles.append(article)
    return LoadedCorpus(articles=articles, errors=errors)
