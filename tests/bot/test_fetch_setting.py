"""NEWSDESK_FETCH_PRIVATE: private addresses stay refused unless a team allows its own host:port pairs."""

from __future__ import annotations

import ipaddress

import pytest

from bot.settings import SettingsError, load_settings
from retrieval.ingest.web_address import NotPublic, check


def test_private_addresses_are_refused_unless_allowed() -> None:
    limits = load_settings({}, None).fetch_limits()
    assert not limits.allow_private and limits.private_hosts == ()
    assert load_settings({"NEWSDESK_FETCH_PRIVATE": "1"}, None).fetch_limits().allow_private
    assert not load_settings({"NEWSDESK_FETCH_PRIVATE": "off"}, None).fetch_limits().allow_private


def test_named_host_port_pairs_are_allowed_alone() -> None:
    value = "News.Intranet.example.:8080, wiki.lan [fd00::5]:8443"
    limits = load_settings({"NEWSDESK_FETCH_PRIVATE": value}, None).fetch_limits()
    assert not limits.allow_private
    assert limits.private_hosts == ("news.intranet.example:8080", "wiki.lan", "[fd00::5]:8443")


def test_a_pair_opens_that_port_only_and_a_bare_host_its_web_ports_only() -> None:
    policy = load_settings({"NEWSDESK_FETCH_PRIVATE": "news.lan:8080 wiki.lan"}, None).fetch_limits().addresses
    inside = ipaddress.ip_address("10.0.0.2")
    for host, port in (("news.lan", 8080), ("wiki.lan", 80), ("wiki.lan", 443)):
        check(host, inside, policy, port)  # allowed: no error
    # The local dashboard (8001), another service of the same host, another host: refused.
    for host, port in (("news.lan", 8001), ("news.lan", 80), ("wiki.lan", 8001), ("evil.news.lan", 8080)):
        with pytest.raises(NotPublic, match=f"{host} resolves to 10.0.0.2, a private address"):
            check(host, inside, policy, port)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("http://news.intranet.example/", "'http://news.intranet.example/' is not a host or host:port"),
        ("news.intranet.example:80a", "'news.intranet.example:80a' has no valid port (1-65535)"),
        ("news.intranet.example:0", "'news.intranet.example:0' has no valid port (1-65535)"),
    ],
)
def test_something_other_than_a_host_port_pair_is_a_one_line_error(value: str, problem: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings({"NEWSDESK_FETCH_PRIVATE": value}, None)
    assert str(info.value) == (
        f"NEWSDESK_FETCH_PRIVATE: {problem}; give 1 (every host) or host:port pairs like news.intranet.example:8080"
    )
