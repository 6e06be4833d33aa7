"""Late answers through the desk: a question the archive could not answer waits (at most
:data:`~bot.querylog.late_store.LATE_DAYS` days), and when articles arrive that answer it, it is
answered once, late.

Guarantees:

- only questions the archive did not cover (``not_covered``, under a filter or not) wait: not a
  question in another language, without search words, or refused before any search; nor one
  of a member or server that turned late answers off (:meth:`LateDesk.late_setting`);
- :class:`LateCheck` asks each waiting question with the answer decision of ``/ask``
  (:func:`~retrieval.answer.within.ask_within`: the same candidates, re-ranking, calibrated
  decision and excerpts) over the new articles' passages alone, with the question's own
  filters; a question is asked only when one new passage holds at least :data:`LATE_MIN_SHARE`
  of its weight (below that the decision never answers), at most :data:`LATE_DECISIONS`
  different questions per arrival, those the new passages cover best first; the same wording
  under the same filters is asked once for all who asked it;
- each answer is claimed in the log before it is returned (:meth:`LateStore.claim`), so it is
  delivered once, never twice, also after a restart; a forgotten or purged question is no
  longer waiting, so it is never answered.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass

from bot.desk.arrivals import FROM_INGEST, Arrival
from bot.desk.base import DeskBase, LogNotOpen
from bot.querylog.late_store import LateStore, Waiting
from retrieval.answer.answerer import Answer
from retrieval.answer.filters import FilterError, Filters
from retrieval.answer.within import ask_within

log = logging.getLogger(__name__)

# The most recent waiting questions read at each arrival, and the most different questions
# asked in full then (a feed poll's cost stays bounded whatever the log holds).
LATE_QUESTIONS = 10_000
LATE_DECISIONS = 50
# The least share of a question's weight one new passage must hold for the question to be
# asked (the answer decision's coverage; refused far above this share on its own).
LATE_MIN_SHARE = 0.3
# Why a question may wait: the archive did not cover it (with or without a filter).
WAITS_FOR = "not_covered"


@dataclass(frozen=True)
class LateAnswer:
    """A waiting question the new articles answer: where it was asked, and the answer (its
    excerpts from the new articles only). ``claimed``: recorded as answered late, to deliver;
    not claimed, it is left for the interface it was asked in (``newsdesk ingest`` reporting
    a question asked in Discord, which the running bot answers there)."""

    waiting: Waiting
    answer: Answer
    claimed: bool = True

    @property
    def query_id(self) -> int:
        return self.waiting.query_id


class LateDesk(DeskBase):
    @property
    def late_store(self) -> LateStore | None:
        return LateStore(self.querylog) if self.querylog is not None else None

    def wait_for_late(
        self, query_id: int | None, answer: Answer, *, user_id: int | str | None = None,
        guild_id: int | str | None = None,
    ) -> bool:
        """Let a logged question the archive did not cover wait for a late answer; True when it waits.
        A log that cannot be written costs the late answer only (logged)."""
        store = self.late_store
        if store is None or query_id is None or answer.answered or answer.reason_code != WAITS_FOR:
            return False
        terms = answer.query.terms if answer.query is not None else ()
        if not terms:
            return False
        try:
            return store.wait(query_id, terms, user_id=user_id, guild_id=guild_id)
        except LogNotOpen:
            return False
        except Exception:  # noqa: BLE001 - the member has their answer; only the late one is lost
            log.exception("question %s will not be answered late: the log refused it", query_id)
            return False

    def late_reply_to(self, query_id: int | None, message_id: int) -> None:
        """The message a late answer to ``query_id`` will reply to (where it was answered)."""
        store = self.late_store
        if store is not None and query_id is not None:
            try:
                store.reply_to(query_id, message_id)
            except Exception:  # noqa: BLE001 - the late answer then names the question in a plain message
                log.exception("the message of question %s was not recorded", query_id)

    def late_setting(self, user_id: int | str, value: str | None = None) -> str:
        """A member's late answers (``on``, ``off``, ``ping``), set to ``value`` when given."""
        store = self._store_or_raise()
        if value is not None:
            store.set_member(user_id, value)
        return store.member_setting(user_id)

    def late_server(self, guild_id: int | str, on: bool | None = None) -> bool:
        """Whether a server has late answers, turned on or off when ``on`` is given."""
        store = self._store_or_raise()
        if on is not None:
            store.set_server(guild_id, on)
        return store.server_on(guild_id)

    def late_delivered(self, query_id: int, how: str) -> None:
        store = self.late_store
        if store is not None:
            store.delivered(query_id, how)

    def _store_or_raise(self) -> LateStore:
        store = self.late_store
        if store is None:
            raise LogNotOpen(f"late answers are kept in the query log, which is not open ({self.log_problem})")
        return store


class LateCheck:
    """The late-answer check run when articles arrive (see the module's guarantees)."""

    name = "late"

    def __call__(self, desk: DeskBase, arrival: Arrival) -> list[LateAnswer]:
        assert isinstance(desk, LateDesk)
        store = desk.late_store
        if store is None:
            return []
        store.expire()
        # The command line delivers its own questions by printing them, and reports the bot's;
        # the bot delivers its own (a question asked on the command line is not the bot's to answer).
        interfaces = ("cli", "discord") if arrival.source == FROM_INGEST else ("discord",)
        waiting = store.waiting(LATE_QUESTIONS, interfaces)
        if not waiting:
            return []
        off = store.servers_off()
        groups: dict[tuple[str, str], list[Waiting]] = defaultdict(list)
        for row in waiting:
            if row.guild_id not in off:
                groups[(row.question, row.filters or "")].append(row)
        new = arrival.new
        shares = ((new.best_share(rows[0].terms), key) for key, rows in groups.items())
        chosen = sorted((item for item in shares if item[0] >= LATE_MIN_SHARE), reverse=True)[:LATE_DECISIONS]
        found: list[LateAnswer] = []
        for _share, key in chosen:
            answer = _ask_new(desk, arrival, key[0], key[1])
            if answer is not None and answer.answered:
                found.extend(_claimed(store, arrival, groups[key], answer))
        return found


def _ask_new(desk: DeskBase, arrival: Arrival, question: str, filters_json: str) -> Answer | None:
    """The answer of ``/ask`` to ``question`` from the new articles alone (None: it cannot be asked now)."""
    try:
        filters = Filters.from_json(filters_json) if filters_json else None
    except FilterError:
        filters = None  # written by another version: ask it as it reads
    try:
        return ask_within(arrival.archive, question, arrival.article_ids, filters=filters, limit=desk.results)
    except (ValueError, FilterError) as exc:  # e.g. a question over today's length limit
        log.info("waiting question %r not asked: %s", question[:80], exc)
        return None


def _claimed(store: LateStore, arrival: Arrival, rows: list[Waiting], answer: Answer) -> list[LateAnswer]:
    first = answer.results[0]
    found = []
    for row in rows:
        mine = arrival.source != FROM_INGEST or row.interface == "cli"
        if not mine:
            found.append(LateAnswer(row, answer, claimed=False))
        elif store.claim(row.query_id, first.article_id, first.passage_id):
            found.append(LateAnswer(row, answer))
    return found
