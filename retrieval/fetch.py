"""Download one web page (or feed) for ingest, politely and within limits.

Guarantees: only http(s); an honest User-Agent (``newsdesk/<version> (+contact)``); a
timeout on connecting and between bytes, and a deadline for the whole download; at most
``max_redirects`` redirects; a page larger than ``MAX_ARTICLE_BYTES`` is refused (by its
Content-Length, or as soon as the bytes pass the limit); only the content types asked for are
accepted (HTML and plain text for pages; RSS, Atom or XML for feeds). Every failure is one
``FetchError`` whose message is one line naming the address and what went wrong (DNS,
refused, timeout, HTTP status, too big, wrong type) and whose ``reason`` labels it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from importlib import metadata
from urllib.parse import urlsplit

import httpx

from retrieval.corpus import MAX_ARTICLE_BYTES, too_large
from retrieval.extract_html import looks_like_html
from retrieval.raw_page import REASON_TOO_LARGE, IngestError, RawPage

log = logging.getLogger(__name__)

PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml", "application/rdf+xml")
_DNS_HINTS = ("name or service not known", "nodename nor servname", "temporary failure in name resolution",
              "getaddrinfo failed", "no address associated", "name resolution")


class FetchError(IngestError):
    """A page that could not be downloaded; one line saying why."""


def _version() -> str:
    try:
        return metadata.version("newsdesk")
    except metadata.PackageNotFoundError:
        return "dev"


def user_agent(contact: str = "") -> str:
    """``newsdesk/<version> (+<contact>)``: who is fetching and how to reach them."""
    return f"newsdesk/{_version()} (+{contact})" if contact else f"newsdesk/{_version()} (news archive bot)"


@dataclass(frozen=True)
class FetchLimits:
    timeout: float = 15.0  # seconds to connect, and between two reads
    deadline: float = 60.0  # seconds for the whole download
    max_bytes: int = MAX_ARTICLE_BYTES
    max_redirects: int = 5


def fetch(url: str, *, contact: str = "", limits: FetchLimits = FetchLimits(), feed: bool = False) -> RawPage:
    """Download ``url`` (an article page, or an RSS/Atom feed with ``feed=True``)."""
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        raise FetchError(url, f"{url} is not a web address (http:// or https://)", reason="not a web address")
    headers = {
        "User-Agent": user_agent(contact),
        "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.1"
        if feed
        else "text/html, application/xhtml+xml, text/plain;q=0.8, */*;q=0.1",
    }
    try:
        with httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(limits.timeout),
            follow_redirects=True,
            max_redirects=limits.max_redirects,
        ) as client:
            with client.stream("GET", url) as response:
                return _read(url, response, limits, feed)
    except httpx.TooManyRedirects:
        message = f"{url} redirected more than {limits.max_redirects} times"
        raise FetchError(url, message, reason="too many redirects") from None
    except httpx.TimeoutException:
        message = f"{url} did not answer within {limits.timeout:g} s"
        raise FetchError(url, message, reason="timeout") from None
    except httpx.ConnectError as exc:
        raise _connect_error(url, exc) from None
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise FetchError(url, f"{url} cannot be fetched: {exc}", reason="not a web address") from None
    except httpx.HTTPError as exc:
        raise FetchError(url, f"{url} could not be downloaded: {exc}", reason="download failed") from None


def _connect_error(url: str, exc: httpx.ConnectError) -> FetchError:
    text = str(exc).lower()
    host = urlsplit(url).hostname
    if any(hint in text for hint in _DNS_HINTS):
        return FetchError(url, f"{url}: no such host {host} (DNS lookup failed); check the address", reason="DNS")
    if "refused" in text:
        return FetchError(url, f"{url}: {host} refused the connection", reason="refused")
    return FetchError(url, f"{url}: cannot connect to {host} ({exc})", reason="cannot connect")


def _read(url: str, response: httpx.Response, limits: FetchLimits, feed: bool) -> RawPage:
    if response.status_code >= 400:
        status = f"{response.status_code} {response.reason_phrase}".strip()
        raise FetchError(url, f"{url} answered HTTP {status}", reason=f"HTTP {response.status_code}")
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > limits.max_bytes:
        raise FetchError(url, f"{url} {too_large(int(length))}", reason=REASON_TOO_LARGE)
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    wanted = FEED_TYPES if feed else PAGE_TYPES
    if content_type and content_type not in wanted:
        what = "an RSS or Atom feed" if feed else "an HTML page"
        raise FetchError(url, f"{url} is {content_type}, not {what}", reason="wrong content type")
    data = _body(url, response, limits)
    if not content_type and not feed and not looks_like_html(data):
        raise FetchError(url, f"{url} has no content type and does not look like HTML", reason="wrong content type")
    log.info("fetched %s (%d bytes, %s) from %s", url, len(data), content_type or "no type", response.url)
    return RawPage(
        url,
        data,
        url=str(response.url),
        charset=response.charset_encoding,
        is_html=content_type in ("text/html", "application/xhtml+xml"),
    )


def _body(url: str, response: httpx.Response, limits: FetchLimits) -> bytes:
    started = time.monotonic()
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limits.max_bytes:
            raise FetchError(url, f"{url} is over the {limits.max_bytes / 1e6:g} MB limit for one article", reason=REASON_TOO_LARGE)
        if time.monotonic() - started > limits.deadline:
            raise FetchError(url, f"{url} took over {limits.deadline:g} s to download", reason="timeout")
        chunks.append(chunk)
    return b"".join(chunks)
