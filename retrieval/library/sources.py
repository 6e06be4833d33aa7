"""Pages to add, from what a user typed: web addresses, saved page files, folders of them.

Guarantees: every name is checked before any page is read or fetched (a name that is neither
an address nor an existing file or folder is :class:`NoSuchPage`, with a hint when it looks
like an address typed without its scheme); a folder gives its raw page files in name order,
never hidden ones (macOS ``._`` metadata, editors' locks); each page is read or fetched only
when the batch reaches it, and the addresses of one batch share one :class:`Outages`, so a
site that is down is waited for once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from retrieval.ingest.fetch import FetchLimits, Outages
from retrieval.ingest.raw_page import RawPage, read_file
from retrieval.errors import NewsdeskError

log = logging.getLogger(__name__)

RAW_SUFFIXES = (".txt", ".html", ".htm", ".md")

PageGetter = Callable[[], RawPage]  # reads or fetches one page when called (it may raise IngestError)


class NoSuchPage(NewsdeskError, ValueError):
    """A name that is neither a web address nor an existing file or folder; the message says so."""


def is_web_address(text: str) -> bool:
    """Whether ``text`` is to be fetched (it starts with http:// or https://)."""
    return text.lower().startswith(("http://", "https://"))


def _raw_file(path: Path) -> bool:
    """A saved page in a folder; hidden files (macOS ``._`` metadata, editors' locks) are not pages."""
    return not path.name.startswith(".") and path.suffix.lower() in RAW_SUFFIXES and path.is_file()


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
            files = sorted(p for p in path.iterdir() if _raw_file(p))
            # read_file looked up when called, so a test can stand in for it
            pages.extend(lambda p=p: read_file(p) for p in files)
        elif path.exists():
            pages.append(lambda p=path: read_file(p))
        else:
            hint = "; a web address starts with https://" if _looks_like_an_address(raw) else ""
            raise NoSuchPage(f"{raw} does not exist{hint}")
    return pages
