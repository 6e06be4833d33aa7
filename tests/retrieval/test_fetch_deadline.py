"""One deadline for a whole fetch: a server that trickles its headers cannot hold a fetch past it."""

from __future__ import annotations

import pytest

from retrieval.ingest.fetch import FetchLimits, Outages, UnreachableError, fetch
from tests.trickle_web import trickling

# Each header byte comes well within the timeout between reads: only the deadline ends it.
SLOW = FetchLimits(timeout=5.0, deadline=1.0, allow_private=True)


@pytest.mark.parametrize("robots", [False, True], ids=["page", "robots.txt"])
def test_trickled_headers_fail_the_fetch_at_its_deadline_with_one_line(robots: bool) -> None:
    with trickling(robots=robots) as web:
        url = web.url("/news/slow")
        with pytest.raises(UnreachableError) as info:
            fetch(url, limits=SLOW)
    message = str(info.value)
    assert message == (
        f"{url} did not finish within the 1 s deadline for a whole fetch (connect, headers and body); "
        "the site is too slow, try again later"
    )
    assert info.value.reason == "timeout" and "\n" not in message


def test_a_site_past_its_deadline_is_not_waited_for_again_in_the_same_batch() -> None:
    outages = Outages()
    with trickling() as web:
        with pytest.raises(UnreachableError):
            outages.fetch(web.url("/a"), limits=SLOW)
        with pytest.raises(UnreachableError, match="could not be reached for .*/a earlier in this run"):
            outages.fetch(web.url("/b"), limits=SLOW)
        assert "/b" not in web.paths
