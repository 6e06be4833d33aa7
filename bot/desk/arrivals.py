"""The hook "new articles arrived": fired once after every change to the archive that added
articles, with their ids, it runs every registered check (late answers, watches) against them.

Guarantees: :meth:`ArrivalsDesk.articles_arrived` builds the new passages' own index once
(:class:`~retrieval.answer.new_passages.NewPassages`, on :attr:`Arrival.new`) and hands the
same :class:`Arrival` to each check, in the order they were registered; a check that raises is
logged and the others still run; it blocks (call it from a worker thread in the bot) and knows
nothing of Discord: each check returns what it found, and the interface delivers it (the bot:
:class:`bot.arrivals.ArrivalHook`; ``newsdesk ingest`` prints it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

from bot.desk.base import DeskBase
from retrieval.answer.new_passages import NewPassages
from retrieval.archive import Archive

log = logging.getLogger(__name__)

# Where the articles came from: `newsdesk ingest` in this process, or the bot's live archive
# (a feed poll, /archive add, files another process wrote).
FROM_INGEST = "ingest"
FROM_CORPUS = "corpus"


@dataclass(frozen=True)
class Arrival:
    """Articles that just arrived (added or replaced), and an archive that holds them."""

    article_ids: tuple[str, ...]
    archive: Archive
    source: str = FROM_CORPUS

    @cached_property
    def new(self) -> NewPassages:
        """The new articles' passages, indexed on their own (made once, shared by every check)."""
        return NewPassages(self.archive, self.article_ids)


class ArrivalCheck(Protocol):
    """What runs when articles arrive: blocking, returns its findings for the interface to deliver."""

    name: str

    def __call__(self, desk: DeskBase, arrival: Arrival) -> list: ...


class ArrivalsDesk(DeskBase):
    def on_arrival(self, check: ArrivalCheck) -> None:
        """Run ``check`` whenever articles arrive (one check per name: a second replaces the first)."""
        self.arrival_checks = [c for c in self.arrival_checks if c.name != check.name] + [check]

    def articles_arrived(
        self, article_ids: Iterable[str], *, source: str = FROM_CORPUS, archive: Archive | None = None
    ) -> dict[str, list]:
        """Run every check on the articles ``article_ids`` (in ``archive``, default the desk's):
        each check's findings by its name; nothing when no article arrived."""
        ids = tuple(dict.fromkeys(article_ids))
        if not ids or not self.arrival_checks:
            return {}
        arrival = Arrival(ids, archive if archive is not None else self.archive, source)
        found: dict[str, list] = {}
        for check in self.arrival_checks:
            started = time.perf_counter()
            try:
                found[check.name] = list(check(self, arrival))
            except Exception:  # noqa: BLE001 - one check's failure must not keep the others from running
                log.exception("the %s check failed on %d new article(s)", check.name, len(ids))
                found[check.name] = []
            log.info("%s check on %d new article(s) from %s: %d found in %.3f s",
                     check.name, len(ids), source, len(found[check.name]), time.perf_counter() - started)
        return found
