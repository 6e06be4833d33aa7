"""A page's cleaned text and the user's options -> the :class:`~retrieval.corpus.Article` to write.

:mod:`retrieval.ingest.pages` reads a page (:mod:`retrieval.ingest.raw_page`), has this module make the
article, then checks it against the corpus and writes it.

Guarantees: what the user said (:class:`Overrides`, the CLI options) wins over what was
detected, and each such change comes back as a warning (so does a page that does not look
English: it is added all the same; and an article longer than the reader reads for meaning,
:func:`unread_note`); a page with no date is kept undated, with a warning naming
``--published`` (citations say "date unknown"; no date filter admits it); a page without a
body, a date after tomorrow, or a missing outlet or title (with no option given) raises
:class:`~retrieval.ingest.raw_page.IngestError` whose message names the page and the option
that fixes it; nothing here reads the corpus or writes anything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

from retrieval.ingest.cleaning import (
    PROBLEM_NO_BODY,
    PROBLEM_NO_DATE,
    PROBLEM_NO_SOURCE,
    PROBLEM_NO_TITLE,
    CleanResult,
    make_article_id,
)
from retrieval.answer.answerability import looks_non_english
from retrieval.corpus import Article, one_line
from retrieval.ingest.outlet_names import outlet_name
from retrieval.ingest.page_meta import plausible_date
from retrieval.ingest.raw_page import IngestError, RawPage
from retrieval.text import passages


# How to fix each problem the cleaner can report, as CLI options.
FIXES = {
    PROBLEM_NO_DATE: "--published YYYY-MM-DD",
    PROBLEM_NO_SOURCE: '--source "Outlet Name"',
    PROBLEM_NO_TITLE: '--title "Article title"',
}
UNDATED = (
    "no publication date found; kept undated (cited with 'date unknown', left out by date filters): "
    f"pass {FIXES[PROBLEM_NO_DATE]} to date it"
)
NOT_ENGLISH = (
    "the page does not look English; questions are answered in English, so its text will "
    "rarely be found (names and numbers still can be)"
)
# Where a detected publication date came from, as a refusal names it.
PAGE_DATE = "the page's publication date"
FEED_DATE = "the feed entry's date"


def _override_warning(what: str, option: str, detected: object, given: object) -> str | None:
    if not detected:
        return f"no {what} found; used {option} {given}"
    if detected != given:
        return f"detected {what} {detected} replaced by {option} {given}"
    return None


@dataclass(frozen=True)
class Overrides:
    """What the user said about the pages (CLI options); each wins over what is detected."""

    published: dt.date | None = None
    source: str | None = None
    title: str | None = None
    overwrite: bool = False  # replace the same article (same URL, or same id and title)


def with_feed_hints(cleaned: CleanResult, page: RawPage) -> tuple[CleanResult, list[str]]:
    """Fill a date, title or outlet the page does not show from what its feed said (a date last of
    all from the web server's Last-Modified), with a note."""
    notes: list[str] = []
    if cleaned.published is None and page.published is not None:
        cleaned = replace(cleaned, published=page.published)
        notes.append(f"no publication date on the page; used the feed's {page.published.isoformat()}")
    elif cleaned.published is None and page.last_modified is not None:
        # A server clock far off (a future or 1970 day) says nothing about the article.
        if (changed := plausible_date(page.last_modified.isoformat())) is not None:
            cleaned = replace(cleaned, published=changed)
            notes.append(
                f"no publication date on the page; used the day its web server says it last changed "
                f"({changed.isoformat()}); pass --published if that is wrong"
            )
    if not cleaned.title and page.title:
        cleaned = replace(cleaned, title=page.title)
        notes.append(f"no title on the page; used the feed's {page.title}")
    if not cleaned.source and page.source:
        cleaned = replace(cleaned, source=page.source)
        notes.append(f"no outlet on the page; used the feed's {page.source}")
    return cleaned, notes


def _given_source(raw_path: Path | str, given: str | None) -> str | None:
    """The ``--source`` given, or None; a web address is refused (it is not an outlet's name),
    a brand written as a domain (``Space.com``, in any case) is not."""
    if not (given := one_line(given or "")):
        return None
    if not (source := outlet_name(given, any_case=True)):
        message = f"--source {given} is a web address, not an outlet name; pass {FIXES[PROBLEM_NO_SOURCE]}"
        raise IngestError(raw_path, message, reason="--source is a web address")
    return source


def _check_not_future(raw_path: Path | str, published: dt.date | None, *, given: bool, dated_by: str) -> None:
    """Refuse a publication date after tomorrow (a day of slack for time zones): a typo or a bad page."""
    if published is None or published <= dt.date.today() + dt.timedelta(days=1):
        return
    if given:
        message = f"--published {published.isoformat()} is in the future; pass the real date"
    else:
        message = f"{dated_by} {published.isoformat()} is in the future; pass {FIXES[PROBLEM_NO_DATE]}"
    raise IngestError(raw_path, f"{raw_path}: {message}", reason="date in the future")


def article_from(
    raw_path: Path | str, cleaned: CleanResult, options: Overrides, *, dated_by: str = PAGE_DATE
) -> tuple[Article, list[str]]:
    """The article to write: detected metadata, overridden by the options given; and warnings.

    ``dated_by`` names where ``cleaned.published`` came from, for the message refusing a future date.
    """
    published = options.published
    if isinstance(published, dt.datetime):
        published = published.date()
    source = _given_source(raw_path, options.source)
    title = one_line(options.title or "") or None

    warnings: list[str] = []
    for what, option, detected, given in (
        ("publication date", "--published", cleaned.published, published),
        ("outlet", "--source", cleaned.source, source),
        ("title", "--title", cleaned.title, title),
    ):
        if given is not None and (warning := _override_warning(what, option, detected, given)):
            warnings.append(warning)

    if PROBLEM_NO_BODY in cleaned.problems:  # first: no option can fix it, so none is asked for
        raise IngestError(
            raw_path, f"{PROBLEM_NO_BODY} in {raw_path} (only a title or site boilerplate)", reason=PROBLEM_NO_BODY
        )
    final_date = published or cleaned.published
    _check_not_future(raw_path, final_date, given=published is not None, dated_by=dated_by)
    # As the corpus file will have them: a field of control characters only is missing.
    final_source = source or one_line(cleaned.source or "")
    final_title = title or one_line(cleaned.title or "")

    if final_date is None:
        warnings.append(UNDATED)
    unresolved = [
        problem
        for problem, missing in (
            (PROBLEM_NO_SOURCE, not final_source),
            (PROBLEM_NO_TITLE, not final_title),
        )
        if missing
    ]
    if unresolved:
        fixes = " and ".join(FIXES[p] for p in unresolved)
        raise IngestError(
            raw_path, f"{' and '.join(unresolved)} in {raw_path}; pass {fixes}", reason=" and ".join(unresolved)
        )
    if looks_non_english(cleaned.body):  # added all the same: a team may keep a few
        warnings.append(NOT_ENGLISH)
    article = Article(
        id=make_article_id(final_source, final_date, final_title),
        title=final_title,
        source=final_source,
        published=final_date,
        body=cleaned.body,
        author=cleaned.author,
        url=cleaned.url,
    )
    return article, warnings + unread_note(article)


def unread_note(article: Article) -> list[str]:
    """One note when ``article`` has more passages than the reader reads for meaning
    (:data:`~retrieval.text.passages.MAX_READ_PASSAGES`): the rest is found by its words only."""
    most = passages.MAX_READ_PASSAGES
    # Fewer characters cannot make that many passages (most are MIN_PASSAGE_CHARS or longer).
    if len(article.body) < most * passages.MIN_PASSAGE_CHARS // 2:
        return []
    count = len(passages.article_passages(article))
    if count <= most:
        return []
    return [
        f"read for meaning only its first {most} passages (of {count}); "
        "questions find the rest by their words"
    ]
