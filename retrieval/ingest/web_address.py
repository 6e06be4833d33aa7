"""Which hosts newsdesk may connect to: public internet addresses, and a team's own only when asked.

A web address given to the bot (by ``newsdesk ingest``, a feed, or a moderator's
``/archive add``) must not make it reach the machine's own services, the team's private
network or a cloud metadata endpoint. :func:`public_addresses` resolves a host and returns
its addresses only when every one of them may be used; otherwise it raises
:class:`NotPublic` naming the offending address and its kind.

Guarantees: every address the host resolves to is checked (not just the first), so a name
with one public and one private address is refused; an address counts as public only when
``ipaddress`` calls it global and it is not multicast or reserved, and an IPv6 address that
embeds an IPv4 one (IPv4-mapped, 6to4, Teredo) is judged by that IPv4 address too.
``AddressPolicy.allow_private`` (or a host and port named in ``AddressPolicy.private_hosts``:
``host:port``, or a bare host for its web ports 80 and 443 only, never every port of it) also
admits private and loopback addresses (10/8, 172.16/12, 192.168/16, 127/8, fc00::/7, ::1,
100.64/10) for a team's own intranet site, but never link-local addresses (169.254/16,
where cloud metadata services live, and fe80::/10), multicast or unspecified ones.
Callers connect to the returned addresses, not to the name, so a DNS answer that changes
between the check and the connection cannot redirect them (see :mod:`retrieval.ingest.fetch`).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from dataclasses import dataclass

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT: not global, not "private" to Python 3.11


WEB_PORTS = (80, 443)  # what a bare host in ``private_hosts`` opens


def host_and_port(text: str) -> tuple[str, int | None]:
    """``news.lan:8080`` -> ("news.lan", 8080); ``news.lan``, ``::1`` -> (host, None); ``[::1]:8080``
    -> ("::1", 8080). Host names are lowercased, without a final dot; ValueError for a bad port."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.removeprefix(":") if rest.startswith(":") else ("" if not rest else "?")
    elif text.count(":") == 1:
        host, port = text.split(":")
    else:  # a bare name, or an IPv6 address without brackets
        host, port = text, ""
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        raise ValueError(f"{text!r} has no valid port (1-65535)")
    return host.lower().rstrip("."), int(port) if port else None


@dataclass(frozen=True)
class AddressPolicy:
    """Which non-public addresses may be fetched: none by default."""

    allow_private: bool = False  # any host, any port may resolve to a private or loopback address
    # Only these may: "host:port", or "host" for its web ports (80, 443). Exact host names.
    private_hosts: tuple[str, ...] = ()

    def admits_private(self, host: str, port: int) -> bool:
        if self.allow_private:
            return True
        name = host.lower().rstrip(".").strip("[]")
        for entry in self.private_hosts:
            allowed, allowed_port = host_and_port(entry)
            if allowed == name and (port == allowed_port or (allowed_port is None and port in WEB_PORTS)):
                return True
        return False


class NotPublic(ValueError):
    """A host that resolves to an address newsdesk must not fetch from."""

    def __init__(self, host: str, address: str, kind: str) -> None:
        super().__init__(f"{host} is a {kind} address" if host == address else f"{host} resolves to {address}, a {kind} address")
        self.host = host
        self.address = address
        self.kind = kind


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    return ip.teredo[1] if ip.teredo is not None else None


def kind_of(ip: IPAddress) -> str:
    """``"public"``, or what makes ``ip`` non-public, in words (the first that applies)."""
    inner = _embedded_ipv4(ip)
    if inner is not None and kind_of(inner) != "public":
        return kind_of(inner)
    checks = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private or ip in _SHARED),
    )
    for kind, applies in checks:
        if applies:
            return kind
    return "public" if ip.is_global else "non-public"


# With the opt-in, these kinds are allowed too; link-local (metadata endpoints) never is.
_PRIVATE_KINDS = ("private", "loopback")


def check(host: str, ip: IPAddress, policy: AddressPolicy, port: int = 80) -> None:
    """Raise :class:`NotPublic` unless ``policy`` lets ``host`` use ``ip`` (on ``port``)."""
    kind = kind_of(ip)
    if kind == "public" or (kind in _PRIVATE_KINDS and policy.admits_private(host, port)):
        return
    raise NotPublic(host, str(ip), kind)


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to, in the resolver's order, once each (``socket.gaierror`` when none)."""
    found: list[IPAddress] = []
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if ip not in found:
            found.append(ip)
    return found


def public_addresses(host: str, port: int, policy: AddressPolicy = AddressPolicy()) -> list[str]:
    """The addresses to connect to for ``host``, each checked against ``policy``."""
    addresses = resolve(host, port)
    for ip in addresses:
        check(host, ip, policy, port)
    log.debug("%s resolves to %s", host, ", ".join(map(str, addresses)))
    return [str(ip) for ip in addresses]
