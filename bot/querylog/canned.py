"""The dashboard's canned pages as SQL (Datasette canned queries), built from the review
queries' pieces (:mod:`bot.querylog.queries`), with times in the moderator's time zone.

Guarantees: every time a page shows is to the minute with its zone named
(``2024-05-01 11:00 CEST``), in the zone ``newsdesk dashboard --timezone`` gives (by default
this machine's); the zone reaches the SQL only after :func:`check_zone` accepted it as a
known IANA name. The periods (``:days``) count back from now, whatever the zone.
"""

from __future__ import annotations

import logging
import os
import re
import zoneinfo

from retrieval.errors import NewsdeskError
from bot.querylog.queries import ANSWERED_TEXT, IS_UNANSWERED, NEWEST_FIRST, contains, top_questions_sql

log = logging.getLogger(__name__)

_ZONE_NAME = re.compile(r"[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*")


class UnknownZone(NewsdeskError, ValueError):
    """A time zone name that is not a known IANA name; the message gives examples."""


def check_zone(name: str) -> str:
    """``name`` if it is a known IANA time zone (``Europe/Berlin``, ``UTC``); else UnknownZone."""
    text = name.strip()
    try:
        if not _ZONE_NAME.fullmatch(text):
            raise ValueError(text)
        zoneinfo.ZoneInfo(text)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        raise UnknownZone(
            f"{name!r} is not a time zone name: give an IANA name such as Europe/Berlin, America/New_York or UTC"
        ) from None
    return text


def local_zone() -> str:
    """This machine's time zone as an IANA name (``TZ``, else /etc/localtime's), or UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        candidates.append(os.readlink("/etc/localtime").partition("zoneinfo/")[2])
    except OSError:
        pass
    for candidate in candidates:
        try:
            return check_zone(candidate) if candidate else "UTC"
        except UnknownZone:
            continue
    return "UTC"


# Why a question got no answer and the filters it was asked under, in the listings' words.
WHY_NOT = "newsdesk_reason_text(q.reason, q.filters, q.answered) AS why_not"
FILTERS_TEXT = "newsdesk_filters_text(q.filters) AS filters"
# The pages show no column that says nothing there; ``:days`` (empty: all time) is every
# page's period selector. Where it was asked, by name ("Newsroom › #ask-the-archive"); an id
# only where no name is known.
PLACE = (
    "CASE WHEN q.channel_id IS NULL THEN coalesce(q.guild_name, q.interface) "
    "ELSE coalesce(q.guild_name || ' \u203a ', '') || '#' || coalesce(q.channel_name, q.channel_id) END"
)
WHERE_ASKED = f"{PLACE} AS asked_in"
VOTES = """(SELECT count(*) FROM feedback f WHERE f.query_id = q.id AND f.value > 0) AS up,
       (SELECT count(*) FROM feedback f WHERE f.query_id = q.id AND f.value < 0) AS down"""
IN_PERIOD = (
    "(coalesce(:days, '') = '' OR q.asked_at >= "
    "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || CAST(:days AS REAL) || ' days'))"
)


# name -> (title, description): what each page is, as its heading and the home page say.
ABOUT: dict[str, tuple[str, str]] = {
    "recent": ("Recent questions", "The 200 newest questions, newest first."),
    "unanswered": (
        "Unanswered questions",
        "Questions the archive could not answer, newest first, with why (\u201cnone under its filter\u201d: "
        "asked of one outlet or dates only, so perhaps not a gap in the archive): candidates for new articles.",
    ),
    "top_questions": (
        "Top questions",
        "Questions asked most often, rephrasings grouped (the same search terms, as "
        "`newsdesk logs stats` groups them); the latest wording is shown.",
    ),
    "negative_feedback": (
        "Negative feedback",
        "Answers someone marked \U0001f44e, with the question and the articles it was answered from, newest "
        "feedback first.",
    ),
    "question": (
        "One question",
        "Everything the log keeps about one question (its id, as the other pages link it): what was "
        "asked, when and where, the answer's articles and passages with their scores, why there was "
        "none, the votes, and its late answer (the article that answered it later, when, and how it was delivered).",
    ),
    "search": ("Search questions", "Questions containing the text (any case; % and _ are plain characters)."),
}


def canned_queries(zone: str = "UTC") -> dict[str, tuple[str, str, str]]:
    """name -> (title, description, sql): the dashboard's canned pages, times shown in ``zone``."""
    zone = check_zone(zone)

    def when(column: str) -> str:
        return f"newsdesk_local_time({column}, '{zone}')"

    asked = f"{when('q.asked_at')} AS asked"
    listing = f"""SELECT q.id, {asked}, {WHERE_ASKED}, q.question,
       {ANSWERED_TEXT}, {WHY_NOT}, {FILTERS_TEXT},
       {VOTES}
FROM queries q"""
    unanswered = f"""SELECT q.id, {asked}, {WHERE_ASKED}, q.question, {WHY_NOT}, {FILTERS_TEXT}
FROM queries q"""
    sql = {
        "recent": f"{listing}\nWHERE {IN_PERIOD}\n{NEWEST_FIRST}\nLIMIT 200",
        "unanswered": f"{unanswered}\nWHERE {IS_UNANSWERED} AND {IN_PERIOD}\n{NEWEST_FIRST}\nLIMIT 500",
        "top_questions": f"""SELECT latest_wording, times_asked, answered, {when('last_asked')} AS last_asked_at
FROM ({top_questions_sql(f" WHERE {IN_PERIOD}")})
ORDER BY times_asked DESC, last_asked DESC""",
        "negative_feedback": f"""SELECT {when('f.given_at')} AS given, q.id AS query_id, q.question,
       {ANSWERED_TEXT}, {WHERE_ASKED}, q.article_ids AS articles
FROM feedback f JOIN queries q ON q.id = f.query_id
WHERE f.value < 0 AND {IN_PERIOD}
ORDER BY f.given_at DESC
LIMIT 500""",
        "question": f"""SELECT q.id, {asked}, {WHERE_ASKED}, q.question, {ANSWERED_TEXT}, {WHY_NOT}, {FILTERS_TEXT},
       q.rejected AS refused_with, q.article_ids AS articles, q.passage_ids AS passages, q.scores,
       round(q.latency_ms) AS latency_ms, {VOTES},
       (SELECT la.article_id || ' at ' || {when('la.answered_at')} || ' (' || coalesce(la.delivered, 'not delivered')
               || ')' FROM late_answers la WHERE la.query_id = q.id) AS late_answer
FROM queries q
WHERE q.id = CAST(:id AS INTEGER)""",
        "search": f"{listing}\nWHERE {contains(':text')} AND {IN_PERIOD}\n{NEWEST_FIRST}\nLIMIT 500",
    }
    note = f" Times are {zone} time; days: how many days back (empty: all time)."
    return {name: (title, about + ("" if name == "question" else note), sql[name]) for name, (title, about) in ABOUT.items()}


CANNED_QUERIES = canned_queries()  # in UTC: what the tests read
