"""Pages to add, from what a user typed: web addresses, saved page files, folders of them.

Guarantees: every name is checked before any page is read or fetched (a name that is neither
an address nor an existing file or folder is :class:`NoSuchPage`, with a hint when it looks
like an address typed without its scheme); a folder gives its raw page files in name order,
never hidden ones (macOS ``._`` metadata, editors' locks), and never opens what is not a page
file of its own: a link leading out of the folder (it could make a secret file searchable), a
dangling link, a FIFO (reading it would wait for ever), a socket or device, a folder named
like a page (``x.md``) each fail with one line saying what it is, and are not read. A file
named by itself is read when it is a regular file (a link the user names is followed). Each page is read or fetched only
when the batch reaches it, and the addresses of one batch share one :class:`Outages`, so a
site that is down is waited for once.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable, Iterable
from pathlib import Path

from retrieval.ingest.fetch import FetchLimits, Outages
from retrieval.ingest.raw_page import IngestError, RawPage, read_file
from retrieval.errors import NewsdeskError

log = logging.getLogger(__name__)

RAW_SUFFIXES = (".txt", ".html", ".htm", ".md")

PageGetter = Callable[[], RawPage]  # reads or fetches one page when called (it may raise IngestError)


class NoSuchPage(NewsdeskError, ValueError):
    """A name that is neither a web address nor an existing file or folder; the message says so."""


def is_web_address(text: str) -> bool:
    """Whether ``text`` is to be fetched (it starts with http:// or https://)."""
    return text.lower().startswith(("http://", "https://"))


def _named_like_a_page(path: Path) -> bool:
    """A saved page's name; hidden files (macOS ``._`` metadata, editors' locks) are not pages."""
    return not path.name.startswith(".") and path.suffix.lower() in RAW_SUFFIXES


_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"),
          (stat.S_ISBLK, "a device"))


def _not_a_page(path: Path, folder: Path) -> IngestError | None:
    """Why ``path`` is not a page file to read (None when it is one), judged without opening it.
    ``folder``: the resolved folder it was found in, which a link must not lead out of."""
    try:
        if path.is_symlink():
            target = path.resolve()
            if not target.exists():
                return IngestError(path, f"{path} is a link to {os.readlink(path)}, which does not exist; not read", reason="dangling link")
            if not target.is_relative_to(folder):
                message = f"{path} is a link to {target}, outside {folder}; not followed (copy the file into the folder to ingest it)"
                return IngestError(path, message, reason="link out of the folder")
        mode = path.stat().st_mode
    except OSError as exc:
        return IngestError(path, f"{path} cannot be read ({exc.strerror or exc})", reason="unreadable file")
    if stat.S_ISDIR(mode):
        return IngestError(path, f"{path} is a folder, not a page; give it by name to ingest the pages in it", reason="a folder")
    kind = next((kind for test, kind in _KINDS if test(mode)), None if stat.S_ISREG(mode) else "not a regular file")
    return None if kind is None else IngestError(path, f"{path} is {kind}, not a page file; not read", reason="not a regular file")


def _reader(path: Path, folder: Path) -> PageGetter:
    """What reads ``path`` when the batch reaches it, or says at that point why it will not."""
    problem = _not_a_page(path, folder)
    if problem is not None:
        log.info("not read: %s", problem)

        def refuse() -> RawPage:
            raise problem

        return refuse
    return lambda: read_file(path)  # read_file looked up when called, so a test can stand in for it


def _looks_like_an_address(text: str) -> bool:
    """``www.dw.com/en/...`` or ``dw.com/en/...``: a host name first, typed without its scheme."""
    host, slash, _ = text.partition("/")
    named = "." in host and host.rsplit(".", 1)[1].isalpha() and Path(host).suffix.lower() not in RAW_SUFFIXES
    return named and (bool(slash) or host.lower().startswith("www."))


def page_getters(names: Iterable[str], *, contact: str, limits: FetchLimits) -> list[PageGetter]:
    """One getter per page: web addresses are fetched, folders expand to their raw files."""
    pages: list[PageGetter] = []
    outages = Outages()  # a site that is down is waited for once, not once per address
    for raw in names:
        path = Path(raw)
        if is_web_address(raw):
            pages.append(lambda url=raw: outages.fetch(url, contact=contact, limits=limits))
        elif path.is_dir():
            inside = path.resolve()
            pages.extend(_reader(p, inside) for p in sorted(path.iterdir()) if _named_like_a_page(p))
        elif path.exists():  # named by itself: read_file refuses what is not a regular file
            pages.append(lambda p=path: read_file(p))
        else:
            hint = "; a web address starts with https://" if _looks_like_an_address(raw) else ""
            raise NoSuchPage(f"{raw} does not exist{hint}")
    return pages
