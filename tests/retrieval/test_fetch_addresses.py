"""The fetcher refuses private, loopback and link-local addresses (first request and every redirect) unless allowed."""

from __future__ import annotations

import functools
import ipaddress
import re
import socket
import ssl
from collections.abc import Iterator

import httpx

import pytest

from retrieval.ingest.fetch import AddressError, FetchError, FetchLimits, fetch
from retrieval.ingest.web_address import AddressPolicy, NotPublic, check, kind_of

from tests.local_web import TLS_DIR, LocalWeb, serve
from tests.paths import HTML_DIR

ARTICLE = (HTML_DIR / "article.html").read_bytes()
DEFAULT = FetchLimits(timeout=0.5, deadline=2.0)


def only_127(web: LocalWeb) -> FetchLimits:
    """127.0.0.1 on the test server's port: that exact host and port, nothing else."""
    return FetchLimits(timeout=0.5, deadline=2.0, private_hosts=(f"127.0.0.1:{port_of(web)}",))


@pytest.fixture
def web() -> Iterator[LocalWeb]:
    with serve() as server:
        yield server


def port_of(web: LocalWeb) -> int:
    return int(web.base.rsplit(":", 1)[1])


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("http://127.0.0.1:{port}/page", "loopback"),
        ("http://localhost:{port}/page", "loopback"),
        ("http://2130706433:{port}/page", "loopback"),  # 127.0.0.1 written as one number
        ("http://[::1]:{port}/page", "loopback"),
        ("http://[::ffff:127.0.0.1]:{port}/page", "loopback"),
        ("http://0.0.0.0:{port}/page", "unspecified"),
        ("http://10.1.2.3/admin", "private"),
        ("http://172.16.0.9/", "private"),
        ("https://192.168.1.1/setup", "private"),
        ("http://[fd12:3456::1]/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[fe80::1]/", "link-local"),
    ],
)
def test_a_non_public_address_is_refused_before_any_request(web: LocalWeb, address: str, kind: str) -> None:
    url = address.format(port=port_of(web))
    web.add("/page", ARTICLE)
    with pytest.raises(AddressError, match=f"a {kind} address; newsdesk fetches only public web addresses") as info:
        fetch(url, limits=DEFAULT)
    assert str(info.value).startswith(url) and "\n" not in str(info.value)
    assert info.value.reason == "private address"
    assert web.requests == []  # not even robots.txt


@pytest.mark.parametrize(
    "target",
    ["http://localhost:{port}/secret", "http://[::1]:{port}/secret", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.7/"],
)
def test_a_redirect_to_a_non_public_address_is_refused(web: LocalWeb, target: str) -> None:
    hidden = target.format(port=port_of(web))
    web.add("/secret", b"<html>internal</html>")
    start = web.add("/start", status=302, Location=hidden)
    with pytest.raises(AddressError, match=f"redirects to {re.escape(hidden)}: ") as info:
        fetch(start, limits=only_127(web))
    assert str(info.value).startswith(start) and info.value.reason == "private address"
    assert web.pages() == ["/start"]  # the allowed first hop only; the secret page was never asked for


def test_an_allowed_host_and_port_opens_no_other_port_of_that_host(web: LocalWeb) -> None:
    with serve() as other:  # another service of the same host (the local dashboard, say)
        hidden = other.add("/secret", b"<html>internal</html>")
        start = web.add("/start", status=302, Location=hidden)
        with pytest.raises(AddressError) as info:
            fetch(hidden, limits=only_127(web))
        assert str(info.value).startswith(f"{hidden}: 127.0.0.1 is a loopback address; newsdesk fetches only public")
        with pytest.raises(AddressError, match=f"redirects to {re.escape(hidden)}: 127.0.0.1 is a loopback address"):
            fetch(start, limits=only_127(web))
        assert other.pages() == []


def test_the_opt_in_lets_a_private_site_be_fetched_but_never_link_local(web: LocalWeb) -> None:
    url = web.add("/page", ARTICLE)
    assert fetch(url, limits=FetchLimits(allow_private=True)).data == ARTICLE
    assert fetch(url, limits=only_127(web)).data == ARTICLE
    with pytest.raises(AddressError, match="169.254.169.254 is a link-local address"):
        fetch("http://169.254.169.254/latest/meta-data/", limits=FetchLimits(allow_private=True))


def fake_dns(monkeypatch: pytest.MonkeyPatch, names: dict[str, list[str]]) -> list[str]:
    """Answer lookups of ``names`` from the table (others as usual); the names looked up, in order."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def getaddrinfo(host: str, port: object, *args: object, **kwargs: object) -> list:
        if host not in names:
            return real(host, port, *args, **kwargs)
        asked.append(host)
        family = {4: socket.AF_INET, 6: socket.AF_INET6}
        return [(family[ipaddress.ip_address(ip).version], socket.SOCK_STREAM, 6, "", (ip, port)) for ip in names[host]]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def test_a_name_with_any_private_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(monkeypatch, {"mixed.example": ["93.184.216.34", "10.0.0.1"]})
    with pytest.raises(AddressError, match=r"mixed.example resolves to 10.0.0.1, a private address"):
        fetch("http://mixed.example/news", limits=DEFAULT)


def test_the_connection_goes_to_the_checked_address_not_a_second_lookup(web: LocalWeb, monkeypatch: pytest.MonkeyPatch) -> None:
    # A rebinding name would answer differently on a later lookup; the fetcher never makes one.
    asked = fake_dns(monkeypatch, {"news.intranet.example": ["127.0.0.1"]})
    web.add("/page", ARTICLE)
    url = f"http://news.intranet.example:{port_of(web)}/page"
    page = fetch(url, limits=FetchLimits(private_hosts=(f"news.intranet.example:{port_of(web)}",)))
    assert page.data == ARTICLE and page.url == url
    assert [headers["Host"] for _, headers in web.requests] == [f"news.intranet.example:{port_of(web)}"] * 2  # robots.txt, page
    assert len(asked) == len(web.requests)  # one check per request, and no lookup by the connection itself


@pytest.mark.parametrize(
    ("address", "kind"),
    [("8.8.8.8", "public"), ("2606:4700::1111", "public"), ("100.64.1.1", "private"), ("224.0.0.1", "multicast"),
     ("2002:7f00:1::", "loopback"), ("240.0.0.1", "reserved"), ("::", "unspecified")],
)
def test_address_kinds(address: str, kind: str) -> None:
    assert kind_of(ipaddress.ip_address(address)) == kind


def test_an_allowed_host_is_matched_exactly() -> None:
    policy = AddressPolicy(private_hosts=("news.intranet.example",))
    check("news.intranet.example", ipaddress.ip_address("10.0.0.2"), policy, 443)  # allowed: no error
    with pytest.raises(NotPublic, match="evil.news.intranet.example resolves to 10.0.0.2, a private address"):
        check("evil.news.intranet.example", ipaddress.ip_address("10.0.0.2"), policy, 443)


def test_a_host_is_reached_on_its_next_checked_address_when_one_fails(web: LocalWeb, monkeypatch: pytest.MonkeyPatch) -> None:
    # The server listens on 127.0.0.1 only: 127.0.0.3 (loopback too) refuses the connection.
    fake_dns(monkeypatch, {"two.intranet.example": ["127.0.0.3", "127.0.0.1"]})
    web.add("/page", ARTICLE)
    page = fetch(f"http://two.intranet.example:{port_of(web)}/page", limits=FetchLimits(private_hosts=(f"two.intranet.example:{port_of(web)}",)))
    assert page.data == ARTICLE and len(web.pages()) == 1


def test_https_goes_to_the_checked_address_and_is_verified_against_the_host_name(monkeypatch: pytest.MonkeyPatch) -> None:
    trust = ssl.create_default_context(cafile=TLS_DIR / "cert.pem")  # the test certificate's own authority
    monkeypatch.setattr(httpx, "HTTPTransport", functools.partial(httpx.HTTPTransport, verify=trust))
    fake_dns(monkeypatch, {"news.intranet.example": ["127.0.0.1"], "other.intranet.example": ["127.0.0.1"]})
    with serve(tls=True) as web:
        limits = FetchLimits(private_hosts=tuple(f"{h}.intranet.example:{port_of(web)}" for h in ("news", "other")))
        web.add("/page", ARTICLE)
        url = f"https://news.intranet.example:{port_of(web)}/page"
        assert fetch(url, limits=limits).data == ARTICLE
        with pytest.raises(FetchError, match=r"^https://other.intranet.example:\d+/page: .*certificate verify failed"):
            fetch(f"https://other.intranet.example:{port_of(web)}/page", limits=limits)
    assert web.pages() == ["/page"]
