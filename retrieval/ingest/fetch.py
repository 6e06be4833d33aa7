"""Download one web page (or feed) for ingest, politely, within limits, and only from public addresses.

Guarantees: only http(s); an honest User-Agent (``newsdesk/<version> (+contact)``); a
timeout on connecting and between bytes, and one deadline (``FetchLimits.deadline``) for
the whole fetch -- robots.txt, every connection, TLS handshake, redirect, response headers
and body -- enforced on each socket operation (:mod:`retrieval.ingest.fetch_deadline`), so a
server that trickles its headers a byte at a time cannot hold a fetch past it; at most
``max_redirects`` redirects; a page larger than ``MAX_ARTICLE_BYTES`` is refused (by its
Content-Length, or as soon as the bytes pass the limit: a compressed body is decoded a small
piece at a time, :mod:`retrieval.ingest.fetch_body`, so a gzip bomb is refused after the limit
and one piece, never after a whole network chunk is inflated); only the content types asked for are
accepted (HTML and plain text for pages; RSS, Atom or XML for feeds). Every failure is one
``FetchError`` whose message is one line naming the address and what went wrong (DNS,
refused, timeout, HTTP status, too big, wrong type, private address, robots.txt) and whose
``reason`` labels it. Within one batch (:class:`Outages`), a site that could not be reached
is not waited for again: its other pages fail at once with the same reason.

Addresses (the bot fetches what a Discord moderator types, so it must not reach internal
services): redirects are followed here, one hop at a time, and before *each* request
(the first, every redirect, and each robots.txt) the host is resolved and every address it
resolves to is checked with :mod:`retrieval.ingest.web_address`: loopback, private, link-local
(cloud metadata), multicast and other non-global addresses are refused with an
``AddressError`` before anything is sent. ``FetchLimits.allow_private`` (or
``private_hosts``, exact ``host:port`` pairs) admits private and loopback addresses for a team's
own intranet site, never link-local ones. The request then goes to the checked address
itself (the host name travels in the Host header and, for https, in TLS's SNI, against which
the certificate is verified), so a DNS answer that changes after the check (DNS rebinding)
cannot move the connection. Connections are not kept alive between requests, so each hop
has its own checked connection. Not guaranteed: HTTP(S)_PROXY settings are not used (a
proxy would resolve names itself); what a public server does with the request on its side
is its own business.

robots.txt: before each request (pages and feeds alike) the site's robots.txt is consulted
as ``newsdesk``, cached per site for minutes; see :mod:`retrieval.ingest.robots` for the rules
(404: allowed; 5xx: nothing fetched for now). A disallowed address is a ``RobotsError``.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from typing import Any
from importlib import metadata
from urllib.parse import urlsplit

import httpx

from retrieval.corpus import MAX_ARTICLE_BYTES
from retrieval.ingest.fetch_body import ACCEPT_ENCODING, UnreadableEncoding, decoded
from retrieval.ingest.fetch_deadline import Deadline, bind
from retrieval.ingest.extract_html import is_home_page, looks_like_html
from retrieval.ingest.raw_page import REASON_TOO_LARGE, IngestError, RawPage
from retrieval.ingest.robots import MAX_ROBOTS_BYTES, RobotsCache, robots_url
from retrieval.ingest.web_address import AddressPolicy, NotPublic, public_addresses

log = logging.getLogger(__name__)

PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml", "application/rdf+xml")
_SURE_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")  # not any XML
_DNS_HINTS = ("name or service not known", "nodename nor servname", "temporary failure in name resolution",
              "getaddrinfo failed", "no address associated", "name resolution")
_DEFAULT_PORTS = {"http": 80, "https": 443}
ROBOTS_TIMEOUT = 5.0  # seconds: robots.txt is small, a site that is slow to send it is down
REASON_PRIVATE = "private address"
REASON_ROBOTS = "robots.txt"
REASON_ROBOTS_FAILING = "robots.txt failing"  # a 5xx robots.txt: passing, tried again later
REASON_REDIRECTS = "too many redirects"
_PRIVATE_HINT = "newsdesk fetches only public web addresses (NEWSDESK_FETCH_PRIVATE allows a team's own intranet hosts)"

ROBOTS = RobotsCache()  # one per process: every fetch shares what the sites said


class FetchError(IngestError):
    """A page that could not be downloaded; one line saying why."""


class UnreachableError(FetchError):
    """A site that could not be reached: no such host, refused, or no answer in time."""


class AddressError(FetchError):
    """A page (or a redirect on the way to it) on a private, loopback or other non-public address."""


class RobotsError(FetchError):
    """A page the site's robots.txt asks robots not to fetch, or whose robots.txt is failing."""


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
    deadline: float = 60.0  # seconds for the whole fetch: connect, headers and body, redirects, robots.txt
    max_bytes: int = MAX_ARTICLE_BYTES
    max_redirects: int = 5
    # Opt-ins for a team's own intranet site: private and loopback addresses for any host,
    # or for these exact "host:port" pairs only (a bare host: its ports 80 and 443).
    # Link-local addresses are refused regardless.
    allow_private: bool = False
    private_hosts: tuple[str, ...] = ()

    @property
    def addresses(self) -> AddressPolicy:
        return AddressPolicy(self.allow_private, self.private_hosts)


def fetch(url: str, *, contact: str = "", limits: FetchLimits = FetchLimits(), feed: bool = False) -> RawPage:
    """Download ``url`` (an article page, or an RSS/Atom feed with ``feed=True``)."""
    if not _web_address(url):
        raise FetchError(url, f"{url} is not a web address (http:// or https://)", reason="not a web address")
    deadline = Deadline(limits.deadline)
    with _errors(url, limits, deadline), _client(contact, limits, feed, deadline) as client:
        with _open(client, url, limits, name=url, robots=deadline) as (final, response):
            if not feed and is_home_page(final) and not is_home_page(url):
                message = f"{url} redirects to the site's home page {final}; the article may have been removed"
                raise FetchError(url, message, reason="redirects to the home page")
            return _read(url, final, response, limits, feed, deadline)


def _too_slow(url: str, deadline: Deadline) -> UnreachableError:
    message = (
        f"{url} did not finish within the {deadline.seconds:g} s deadline for a whole fetch "
        "(connect, headers and body); the site is too slow, try again later"
    )
    return UnreachableError(url, message, reason="timeout")


class Outages:
    """The sites that could not be reached during one batch (a feed's entries, an ingest's
    addresses): their other pages fail at once, for the same passing reason, instead of each
    waiting out its own timeouts. Forgotten with the batch, so the next run tries again."""

    def __init__(self) -> None:
        self._down: dict[str, tuple[str, UnreachableError]] = {}  # site -> (first address, its failure)

    def fetch(self, url: str, **options: Any) -> RawPage:
        """:func:`fetch`, unless ``url``'s site could not be reached earlier in the batch."""
        site = robots_url(url).removesuffix("/robots.txt") if _web_address(url) else ""  # scheme, host, port
        if site in self._down:
            first, failure = self._down[site]
            message = (
                f"{url}: not fetched: {site} could not be reached for {first} earlier in this run "
                f"({failure.reason}); try again later"
            )
            raise UnreachableError(url, message, reason=failure.reason)
        try:
            return fetch(url, **options)
        except UnreachableError as exc:
            if site:
                self._down.setdefault(site, (url, exc))
            raise


def _web_address(url: str) -> bool:
    """An http(s) address with a host; False for what cannot be parsed at all."""
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. "http://[::1", an IPv6 bracket left open
        return False


def _client(contact: str, limits: FetchLimits, feed: bool, deadline: Deadline) -> httpx.Client:
    headers = {
        "User-Agent": user_agent(contact),
        "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.1"
        if feed
        else "text/html, application/xhtml+xml, text/plain;q=0.8, */*;q=0.1",
        "Accept-Encoding": ACCEPT_ENCODING,  # only what fetch_body decodes piece by piece
    }
    # An explicit transport: no environment proxy (it would resolve names past the check),
    # and no kept-alive connection, so no request rides on a connection checked for another host.
    transport = bind(httpx.HTTPTransport(limits=httpx.Limits(max_keepalive_connections=0)), deadline)
    return httpx.Client(headers=headers, timeout=httpx.Timeout(limits.timeout), follow_redirects=False, transport=transport)


@contextmanager
def _errors(url: str, limits: FetchLimits, deadline: Deadline) -> Iterator[None]:
    """httpx's failures as one-line ``FetchError`` naming ``url``."""
    try:
        yield
    except httpx.TimeoutException:
        if deadline.passed:
            raise _too_slow(url, deadline) from None
        message = f"{url} did not answer within {limits.timeout:g} s"
        raise UnreachableError(url, message, reason="timeout") from None
    except httpx.ConnectError as exc:
        raise _connect_error(url, exc) from None
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise FetchError(url, f"{url} cannot be fetched: {exc}", reason="not a web address") from None
    except httpx.HTTPError as exc:
        raise FetchError(url, f"{url} could not be downloaded: {exc}", reason="download failed") from None


def _dns_error(url: str, host: str | None) -> FetchError:
    return UnreachableError(url, f"{url}: no such host {host} (DNS lookup failed); check the address", reason="DNS")


def _connect_error(url: str, exc: httpx.ConnectError) -> FetchError:
    text = str(exc).lower()
    host = urlsplit(url).hostname
    if any(hint in text for hint in _DNS_HINTS):
        return _dns_error(url, host)
    if "refused" in text:
        return UnreachableError(url, f"{url}: {host} refused the connection", reason="refused")
    return UnreachableError(url, f"{url}: cannot connect to {host} ({exc})", reason="cannot connect")


def _at(name: str, hop: str) -> str:
    """How a message names the request: the address asked for, and where it led if elsewhere."""
    return name if hop == name else f"{name} redirects to {hop}"


@contextmanager
def _open(
    client: httpx.Client, url: str, limits: FetchLimits, *, name: str, robots: Deadline | None
) -> Iterator[tuple[str, httpx.Response]]:
    """The final address and response for ``url``, each redirect checked like the first request
    (and, given the fetch's deadline as ``robots``, allowed by the site's robots.txt)."""
    hop = url
    for _ in range(limits.max_redirects + 1):
        addresses = _checked_addresses(name, hop, limits)
        if robots is not None:
            _obey_robots(client, name, hop, limits, robots)
        response = _send(client, hop, addresses, limits.timeout)
        if not response.has_redirect_location:  # a 3xx with nowhere to go is refused by _read
            try:
                yield hop, response
            finally:
                response.close()
            return
        response.close()
        hop = _next_hop(name, hop, response.headers["Location"])
    raise FetchError(name, f"{name} redirected more than {limits.max_redirects} times", reason=REASON_REDIRECTS)


def _checked_addresses(name: str, hop: str, limits: FetchLimits) -> list[str]:
    target = httpx.URL(hop)
    host = target.raw_host.decode("ascii")
    try:
        return public_addresses(host, target.port or _DEFAULT_PORTS[target.scheme], limits.addresses)
    except NotPublic as exc:
        log.warning("refused %s: %s", hop, exc)
        raise AddressError(name, f"{_at(name, hop)}: {exc}; {_PRIVATE_HINT}", reason=REASON_PRIVATE) from None
    except (socket.gaierror, UnicodeError):
        raise _dns_error(name, host) from None


def _send(client: httpx.Client, hop: str, addresses: list[str], timeout: float) -> httpx.Response:
    """GET ``hop`` from the first of its checked ``addresses`` that accepts a connection."""
    target = httpx.URL(hop)
    headers = {"Host": target.netloc.decode("ascii")}
    # The certificate is verified against the host name sent as SNI, not against the address.
    extensions = {"sni_hostname": target.raw_host.decode("ascii")} if target.scheme == "https" else {}

    def request(address: str) -> httpx.Request:
        url = target.copy_with(host=address)
        return client.build_request("GET", url, headers=headers, extensions=extensions, timeout=httpx.Timeout(timeout))

    for address in addresses[:-1]:  # like a socket connection: the next address when one fails
        try:
            return client.send(request(address), stream=True)
        except httpx.ConnectError as exc:
            log.debug("%s: cannot connect to %s (%s); trying the next address", hop, address, exc)
    return client.send(request(addresses[-1]), stream=True)


def _next_hop(name: str, hop: str, location: str) -> str:
    target = httpx.URL(hop).join(location).copy_with(fragment=None)
    if target.scheme not in _DEFAULT_PORTS:
        raise FetchError(name, f"{name} redirects to {target}, which is not a web address (http:// or https://)", reason="not a web address")
    return str(target)


def _obey_robots(client: httpx.Client, name: str, hop: str, limits: FetchLimits, deadline: Deadline) -> None:
    refusal = ROBOTS.refusal(hop, lambda where: _load_robots(client, name, where, limits, deadline))
    if refusal is not None:
        log.info("robots.txt refuses %s: %s", hop, refusal.why)
        reason = REASON_ROBOTS_FAILING if refusal.temporary else REASON_ROBOTS
        raise RobotsError(name, f"{_at(name, hop)}: {refusal.why}", reason=reason)


def _load_robots(client: httpx.Client, name: str, where: str, limits: FetchLimits, deadline: Deadline) -> tuple[int, bytes]:
    """The status and body of ``where`` (a robots.txt); its redirects and addresses are checked too."""
    quick = replace(limits, timeout=min(limits.timeout, ROBOTS_TIMEOUT), max_bytes=MAX_ROBOTS_BYTES, max_redirects=5)
    try:
        with _open(client, where, quick, name=name, robots=None) as (_, response):
            ok = 200 <= response.status_code < 300
            return response.status_code, _body(name, response, quick, cut=True, deadline=deadline) if ok else b""
    except httpx.TimeoutException:
        if deadline.passed:
            raise _too_slow(name, deadline) from None
        message = f"{name}: {where} did not answer within {quick.timeout:g} s; the site may be down, try again later"
        raise UnreachableError(name, message, reason="timeout") from None
    except FetchError as exc:
        if exc.reason == REASON_REDIRECTS:  # RFC 9309: too many redirects means no robots.txt
            return 404, b""
        raise


def _read(url: str, final: str, response: httpx.Response, limits: FetchLimits, feed: bool, deadline: Deadline) -> RawPage:
    if response.status_code >= 300:
        status = f"{response.status_code} {response.reason_phrase}".strip()
        # A 3xx reaches here only without a Location: no page to read, nowhere to follow.
        lost = " without saying where to (no Location header)" if response.status_code < 400 else ""
        raise FetchError(url, f"{url} answered HTTP {status}{lost}", reason=f"HTTP {response.status_code}")
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > limits.max_bytes:
        raise _too_large(url, int(length), limits, feed)
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    wanted = FEED_TYPES if feed else PAGE_TYPES
    if content_type and content_type not in wanted:
        raise FetchError(url, _wrong_type(url, content_type, feed), reason="wrong content type")
    data = _body(url, response, limits, feed=feed, deadline=deadline)
    if not content_type and not feed and not looks_like_html(data):
        raise FetchError(url, f"{url} has no content type and does not look like HTML", reason="wrong content type")
    log.info("fetched %s (%d bytes, %s) from %s", url, len(data), content_type or "no type", final)
    return RawPage(
        url,
        data,
        url=final,
        charset=response.charset_encoding,
        is_html=content_type in ("text/html", "application/xhtml+xml"),
        last_modified=_http_day(response.headers.get("Last-Modified", "")),
    )


def _http_day(value: str) -> dt.date | None:
    """The UTC day of an HTTP date (``Tue, 14 Jan 2014 08:00:00 GMT``); None when absent or unreadable."""
    try:
        moment = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):  # a malformed header says nothing
        return None
    if moment is None:
        return None
    return (moment.astimezone(dt.timezone.utc) if moment.tzinfo else moment).date()


def _wrong_type(url: str, content_type: str, feed: bool) -> str:
    if feed:
        return f"{url} is {content_type}, not an RSS or Atom feed"
    if content_type in _SURE_FEED_TYPES:
        return f"{url} is an RSS or Atom feed, not an article page; give it with --feed"
    if content_type in FEED_TYPES:  # XML: may be a feed
        return f"{url} is {content_type}, not an HTML page; if it is an RSS or Atom feed, give it with --feed"
    return f"{url} is {content_type}, not an HTML page"


def _too_large(url: str, size: int | None, limits: FetchLimits, feed: bool) -> FetchError:
    """``size``: as announced (Content-Length); None while reading, when only "over" is known."""
    what = "feed" if feed else "article"
    known = f" {size / 1e6:.1f} MB," if size is not None else ""
    message = f"{url} is{known} over the {limits.max_bytes / 1e6:g} MB limit for one {what}"
    return FetchError(url, message, reason=REASON_TOO_LARGE)


def _body(
    url: str, response: httpx.Response, limits: FetchLimits, *, deadline: Deadline, cut: bool = False, feed: bool = False
) -> bytes:
    """The body, refused once over ``limits.max_bytes`` (or, with ``cut``, its first ``max_bytes``),
    or once the fetch's ``deadline`` has passed."""
    chunks: list[bytes] = []
    size = 0
    encoding = response.headers.get("Content-Encoding", "")
    try:
        # Decoded here, a piece at a time (httpx would inflate a whole network chunk at once).
        for piece in decoded(response.iter_raw(), encoding):
            size += len(piece)
            chunks.append(piece)
            if size > limits.max_bytes and cut:
                return b"".join(chunks)[: limits.max_bytes]
            if size > limits.max_bytes:
                raise _too_large(url, None, limits, feed)
            if deadline.passed:
                raise _too_slow(url, deadline)
    except UnreadableEncoding as exc:
        raise FetchError(url, f"{url}: {exc}", reason="unreadable encoding") from None
    return b"".join(chunks)
