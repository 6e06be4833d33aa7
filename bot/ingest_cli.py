"""``newsdesk ingest``: pages (web addresses, files, folders) into corpus files, then the index updated.

Logged questions the new articles now answer are listed (late answers, :mod:`bot.desk.late`):
those asked on the command line are answered here, once; those asked in Discord are the
running bot's to answer there.
Every run ends with one summary line: added, skipped (why), failed (why). The exit status is
1 when a page failed; a page skipped because the corpus already has it is not a failure.
Ctrl-C stops the batch between two pages' writes: what was added is reported and indexed,
and the exit status is 130. With the reader on, the index is saved by the pages' words first
(one line: they are searchable), then read for meaning (a second line); Ctrl-C in that second
step keeps them searchable by their words, and the next load or ingest makes the vectors.
Kept free of discord.py imports.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from bot.archive_render import batch_json, index_words, index_timing
from bot.archive_setup import library_for
from bot.logs_access import settings_of
from bot.querylog.records import one_line
from bot.render_text import render_answer
from bot.settings import Settings
from bot.typed import utf8_text
from retrieval.answer.filters import FilterError, parse_date
from retrieval.text import passages
from retrieval.library import (
    RAW_SUFFIXES, Batch, FeedStateNotSaved, IndexState, Library, NoSuchPage, Overrides, PageGetter, PageOutcome, Polled,
    Refreshed,
)

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

log = logging.getLogger(__name__)


def _date(value: str | None, name: str) -> dt.date | None:
    try:
        return parse_date(value, name)
    except FilterError as exc:
        raise click.UsageError(str(exc)) from None


def _report(outcome: PageOutcome) -> None:
    if outcome.result is not None:
        result, article = outcome.result, outcome.result.article
        date = article.published.isoformat() if article.published else "date unknown"
        verb = "re-dated" if result.redated else "replaced" if result.replaced else "added"
        click.echo(f"{verb} {result.path}: {article.source}, \u201c{article.title}\u201d, {date}")
        for warning in result.warnings:
            click.echo(f"  note: {warning}")
    elif outcome.skipped:
        click.echo(f"skipped: {outcome.error}")
    else:
        click.echo(f"error: {outcome.error}", err=True)


def _add(library: Library, pages: list[PageGetter], options: Overrides) -> Batch:
    if len(pages) <= 1:  # a single page reports straight away
        return library.add(pages, options)
    with click.progressbar(length=len(pages), label="Ingesting", file=sys.stderr) as bar:
        return library.add(pages, options, progress=lambda done, total: bar.update(done - bar.pos))


def _poll(library: Library, feeds: tuple[str, ...], options: Overrides) -> Polled:
    polled = library.poll(feeds, options)
    if polled.problem:  # after Ctrl-C too: the poll saved what was seen, or failed to
        click.echo(f"warning: {polled.problem}", err=True)
    return polled


def _interrupted(pages: int, done: int) -> str:
    left = f"{pages - done} page(s)" if done < pages else "the feeds' other entries"
    return f"interrupted: {left} not ingested; run the same command again to go on (what was added is skipped)"


@click.command()
@click.argument("paths", nargs=-1, metavar="[PATH_OR_URL]...")
@click.option("--feed", "feeds", multiple=True, metavar="URL", help="An RSS or Atom feed: ingest its new entries' pages.")
@click.option("--published", callback=utf8_text, help="Publication date YYYY-MM-DD, when the page does not show one.")
@click.option("--source", callback=utf8_text, help="Outlet name, when it cannot be detected.")
@click.option("--title", callback=utf8_text, help="Article title, when it cannot be detected.")
@click.option("--overwrite", is_flag=True, help="Replace the same article (same URL, or same id and title).")
@click.option("--json", "as_json", is_flag=True, help="Exactly one JSON object on stdout: what was added, skipped and failed, and the index.")
@click.pass_context
def ingest(
    ctx: click.Context,
    paths: tuple[str, ...],
    feeds: tuple[str, ...],
    published: str | None,
    source: str | None,
    title: str | None,
    overwrite: bool,
    as_json: bool,
) -> None:
    """Turn article pages (web addresses, HTML or text files, folders) into corpus files and update the index."""
    started = time.perf_counter()
    settings = settings_of(ctx)
    if not paths and not feeds:
        raise click.UsageError("give pages to ingest (files, folders, web addresses) or --feed URL")
    library = library_for(settings)
    try:
        pages = library.pages(paths)
    except NoSuchPage as exc:
        raise click.BadParameter(str(exc), param_hint="PATH") from None
    if paths and not pages:
        raise click.ClickException(f"no raw article files ({', '.join(RAW_SUFFIXES)}) in {', '.join(paths)}")
    if settings.corpus_dir.exists() and not settings.corpus_dir.is_dir():  # before any page is fetched
        raise click.ClickException(
            f"corpus folder {settings.corpus_dir} is not a folder; set NEWSDESK_CORPUS to the folder of article files"
        )
    options = Overrides(_date(published, "--published"), source, title, overwrite)
    batch = _add(library, pages, options) if pages else Batch()
    problem = None
    if not batch.interrupted:
        polled = _poll(library, feeds, options)
        batch, problem = batch + polled, polled.problem
    if as_json:
        _json_report(ctx, library, batch, problem, started)
        return
    for outcome in batch.outcomes:
        _report(outcome)
    if batch.changed:
        indexing_stopped = not _report_index(settings, library, len(batch.outcomes))
    else:  # an earlier run's vectors left for later (Ctrl-C) are made now
        indexing_stopped = library.vectors_pending() and not _read_for_meaning(library, show_bar=True)
    if batch.changed and not indexing_stopped:
        _late_answers(settings, library, [result.article.id for result in batch.added])
    failed = bool(batch.failed)
    if batch.interrupted:
        click.echo(_interrupted(len(pages), len(batch.outcomes)), err=True)
    interrupted = batch.interrupted or indexing_stopped
    click.echo(batch.summary(), err=failed or interrupted)
    if interrupted or failed:
        ctx.exit(130 if interrupted else 1)  # 130: the shell's code for Ctrl-C


def _report_index(settings: Settings, library: Library, pages: int) -> bool:
    """Update the index and say how: one line when the pages are searchable, one when they are
    read for meaning; False when Ctrl-C stopped either (the pages stay written whole)."""
    refreshed = _with_bar(lambda **bar: library.refresh(words_first=True, **bar), "Indexing ", show_bar=pages > 1)
    if refreshed.state is IndexState.INTERRUPTED:
        click.echo(
            "index not updated (interrupted): the new files are indexed when the archive next loads "
            "(`newsdesk ask`, the running bot); review them, then commit them.",
            err=True,
        )
        return False
    click.echo(f"{index_words(refreshed, settings)} Review the new files, then commit them.")
    return not refreshed.vectors_pending or _read_for_meaning(library, show_bar=pages > 1)


def _read_for_meaning(library: Library, *, show_bar: bool) -> bool:
    """Make the reader's vectors the saved index lacks, and say so; False when Ctrl-C stopped it
    (the index stays saved by its words: the pages remain searchable)."""
    made = _with_bar(lambda **bar: library.make_vectors(**bar), "Reading  ", show_bar=show_bar)
    if made.state is IndexState.INTERRUPTED:
        click.echo(
            "reading for meaning interrupted: the pages stay searchable by their words; their vectors are made "
            "when the archive next loads (`newsdesk ask`, the running bot) or at the next ingest.",
            err=True,
        )
        return False
    if made.vectors_pending:
        click.echo("reading for meaning is under way in another newsdesk process; answers use it once it is saved.")
    elif made.problem is not None:
        click.echo(f"read for meaning, but not saved: {made.problem}; the next load reads them again.")
    else:
        click.echo(f"read for meaning: {_read_count(made)}; answers weigh their meaning too now.")
    return True


def _json_report(ctx: click.Context, library: Library, batch: Batch, problem: FeedStateNotSaved | None, started: float) -> None:
    """``--json``: the index updated in the two steps the lines report (by words, then read for
    meaning), and one object saying what was done and when each step was done (seconds since
    the command started)."""
    show_bar = len(batch.outcomes) > 1
    refreshed = made = None
    searchable = vectors_done = None
    if batch.changed:
        refreshed = _with_bar(lambda **bar: library.refresh(words_first=True, **bar), "Indexing ", show_bar=show_bar)
        if refreshed.state is not IndexState.INTERRUPTED:
            searchable = time.perf_counter() - started
    stopped = refreshed is not None and refreshed.state is IndexState.INTERRUPTED
    if not stopped and (refreshed.vectors_pending if refreshed is not None else library.vectors_pending()):
        made = _with_bar(lambda **bar: library.make_vectors(**bar), "Reading  ", show_bar=show_bar)
        stopped = made.state is IndexState.INTERRUPTED
    if made is not None and made.state is IndexState.UPDATED and not made.vectors_pending:
        vectors_done = time.perf_counter() - started
    elif library.semantic and refreshed is not None and refreshed.state is IndexState.UPDATED and not refreshed.vectors_pending:
        vectors_done = searchable  # loaded with its vectors (nothing to read)
    timing = index_timing(refreshed, made, semantic=library.semantic, searchable=searchable, vectors_done=vectors_done)
    click.echo(json.dumps(batch_json(batch, refreshed or made, problem, timing), ensure_ascii=False))
    interrupted = batch.interrupted or stopped
    if interrupted or batch.failed:
        ctx.exit(130 if interrupted else 1)


def _read_count(made: Refreshed) -> str:
    """``400 passages``, or ``300 of 8,000 passages (...)`` when some were left to their words."""
    if not made.unread:
        return f"{made.passages} passages"
    return (
        f"{made.passages - made.unread} of {made.passages} passages (an article's passages after its first "
        f"{passages.MAX_READ_PASSAGES} are found by their words only)"
    )


def _with_bar(step: Callable[..., Refreshed], label: str, *, show_bar: bool) -> Refreshed:
    """``step()`` (a library refresh), with a bar labelled ``label`` once it reports progress."""
    if not show_bar:
        return step()
    with contextlib.ExitStack() as stack:
        bars: list[ProgressBar[int]] = []  # made when a rebuild starts: a pending delta shows none

        def progress(done: int, total: int) -> None:
            if not bars:
                bars.append(stack.enter_context(click.progressbar(length=total, label=label, file=sys.stderr)))
            bars[0].length = total
            bars[0].update(done - bars[0].pos)

        return step(progress=progress)


def _late_answers(settings: Settings, library: Library, article_ids: list[str]) -> None:
    """Say which logged questions the new articles now answer (late answers): those asked here
    are answered now (recorded in the log, once), those asked in Discord are the running bot's
    to answer there. Nothing without a log; a log that cannot be read costs only this report."""
    if not article_ids or not settings.db_path.exists():
        return
    from bot.desk import FROM_INGEST, Desk  # the desk answers as /ask answers
    from bot.querylog import QueryLog, QueryLogError

    try:
        querylog = QueryLog.open(settings.db_path, user_ids=settings.log_user_ids, secret=settings.hash_secret)
        found = Desk(library.load(), querylog, results=settings.results).articles_arrived(article_ids, source=FROM_INGEST)
    except QueryLogError as exc:
        click.echo(f"warning: logged questions not checked for late answers: {exc}", err=True)
        return
    for late in found.get("late", []):
        first = late.answer.results[0]
        asked = f"asked {late.waiting.asked_at[:10]}"
        where = "" if late.claimed else " in Discord: the running bot replies there"
        click.echo(f"late answer: question {late.query_id} ({asked}{where}) \u201c{one_line(late.waiting.question)}\u201d "
                   f"is now answered by {first.article_id}")
        if late.claimed:
            click.echo(render_answer(late.answer))
