"""NEWSDESK_FETCH_PRIVATE: private addresses stay refused unless a team allows its own hosts."""

from __future__ import annotations

import pytest

from bot.settings import SettingsError, load_settings


def test_private_addresses_are_refused_unless_allowed() -> None:
    limits = load_settings({}, None).fetch_limits()
    assert not limits.allow_private and limits.private_hosts == ()
    assert load_settings({"NEWSDESK_FETCH_PRIVATE": "1"}, None).fetch_limits().allow_private
    assert not load_settings({"NEWSDESK_FETCH_PRIVATE": "off"}, None).fetch_limits().allow_private


def test_named_hosts_are_allowed_alone() -> None:
    limits = load_settings({"NEWSDESK_FETCH_PRIVATE": "News.Intranet.example., wiki.lan"}, None).fetch_limits()
    assert not limits.allow_private and limits.private_hosts == ("news.intranet.example", "wiki.lan")


@pytest.mark.parametrize("value", ["http://news.intranet.example/", "news.intranet.example:8080"])
def test_something_other_than_a_host_name_is_a_one_line_error(value: str) -> None:
    with pytest.raises(SettingsError, match=f"NEWSDESK_FETCH_PRIVATE: '{value.lower()}' is not a host name; give 1"):
        load_settings({"NEWSDESK_FETCH_PRIVATE": value}, None)
