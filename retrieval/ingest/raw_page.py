"""A raw page to ingest (a saved file or a downloaded page) and the article parts read from it.

Guarantees: a page over ``MAX_ARTICLE_BYTES`` is refused before it is read whole; HTML (by
file name, content type or content) goes through trafilatura (``extract_html``), any other
page through the text cleaner (``cleaning``); every refusal is an ``IngestError`` whose
message names the page and how to fix it, and whose ``reason`` is a short label for a batch
summary.
"""

from __future__ import annotations

import codecs
import datetime as dt
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from retrieval.ingest.cleaning import CleanResult, clean_raw_article
from retrieval.corpus import MAX_ARTICLE_BYTES, too_large
from retrieval.ingest.extract_html import decode_html, extract_html, looks_like_html
from retrieval.errors import NewsdeskError

log = logging.getLogger(__name__)

HTML_SUFFIXES = (".html", ".htm")
REASON_TOO_LARGE = "too large"


class IngestError(NewsdeskError):
    """A raw page that cannot be added; the message names the page and how to fix it."""

    def __init__(self, raw_path: Path | str, message: str, *, reason: str = "") -> None:
        super().__init__(message)
        self.raw_path = raw_path
        self.reason = reason or message  # a short label: "no outlet found", "too large"...

    def __reduce__(self) -> tuple[object, ...]:
        # Picklable with its fields, subclasses too (pages are read in worker processes:
        # retrieval.ingest.read_ahead); the default would call __init__ with the message alone.
        return _restored, (type(self), self.args, self.__dict__)


def _restored(kind: type[IngestError], args: tuple[object, ...], fields: dict[str, object]) -> IngestError:
    error = Exception.__new__(kind)
    error.args = args
    error.__dict__.update(fields)
    return error


@dataclass(frozen=True)
class RawPage:
    """The bytes of one page; ``name`` (a path or a URL) is how messages refer to it."""

    name: Path | str
    data: bytes
    url: str | None = None  # where it was downloaded from (after redirects)
    charset: str | None = None  # as the web server declared it
    is_html: bool = False  # the web server said text/html
    # What a feed entry said about the page: used only when the page itself shows none.
    title: str = ""
    published: dt.date | None = None
    source: str = ""
    # The web server's Last-Modified day: the last resort for a date, after all the page shows.
    last_modified: dt.date | None = None

    @property
    def suffix(self) -> str:
        name = urlsplit(self.name).path if isinstance(self.name, str) else self.name.name
        return PurePosixPath(name).suffix.lower()


def read_file(path: Path) -> RawPage:
    """The page saved at ``path``; too large, unreadable or special files are refused.

    A device or a named pipe is refused before anything is read (opening without blocking,
    so a pipe with no writer does not hang), and at most ``MAX_ARTICLE_BYTES + 1`` bytes are
    ever read, even from a file that grows while it is read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as file:
            status = os.fstat(file.fileno())  # of what was opened, not of what the name points at later
            if not stat.S_ISREG(status.st_mode):
                message = f"{path} is not a regular file (a folder, device or pipe); give a saved page"
                raise IngestError(path, message, reason="not a regular file")
            data = b"" if status.st_size > MAX_ARTICLE_BYTES else file.read(MAX_ARTICLE_BYTES + 1)
    except OSError as exc:
        raise IngestError(path, f"cannot read {path}: {exc.strerror or exc}", reason="cannot read") from None
    if (size := max(status.st_size, len(data))) > MAX_ARTICLE_BYTES:  # as listed, or grown since
        raise IngestError(path, f"{path} {too_large(size)}; it is not one article", reason=REASON_TOO_LARGE)
    return RawPage(path, data)


def _text_encoding(data: bytes, charset: str | None) -> str:
    """A byte-order mark says the encoding for certain (Notepad saves "Unicode" as UTF-16), then the server."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        declared = codecs.lookup(charset).name if charset else "utf-8"
    except LookupError:
        log.debug("unknown charset %r; reading as UTF-8", charset)
        declared = "utf-8"
    return "utf-8-sig" if declared == "utf-8" else declared


def _decode_text(name: Path | str, data: bytes, charset: str | None = None) -> str:
    try:
        text = data.decode(_text_encoding(data, charset))
    except UnicodeDecodeError as exc:
        raise IngestError(
            name,
            f"{name} is not UTF-8 text (bad byte at offset {exc.start}); save it as UTF-8 and retry",
            reason="not UTF-8",
        ) from None
    if "\x00" in text:
        raise IngestError(name, f"{name} looks like a binary file, not the text of a news page", reason="binary")
    return text


def extract_page(page: RawPage) -> CleanResult:
    """Article parts of one page: HTML through trafilatura, text through the cleaner."""
    if not page.data.strip():
        raise IngestError(page.name, f"{page.name} is empty", reason="empty")
    if len(page.data) > MAX_ARTICLE_BYTES:
        raise IngestError(page.name, f"{page.name} {too_large(len(page.data))}", reason=REASON_TOO_LARGE)
    if page.is_html or page.suffix in HTML_SUFFIXES or looks_like_html(page.data):
        return extract_html(decode_html(page.data, page.charset), url=page.url)
    return clean_raw_article(_decode_text(page.name, page.data, page.charset))
