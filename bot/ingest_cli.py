"""``newsdesk ingest``: pages (web addresses, files, folders) into corpus files, then the index updated.

Every run ends with one summary line: added, skipped (why), failed (why). The exit status is
1 when a page failed; a page skipped because the corpus already has it is not a failure.
Ctrl-C stops the batch between two pages' writes: what was added is reported and indexed,
and the exit status is 130.
Kept free of discord.py imports.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import click

from bot.logs_cli import settings_of
from bot.settings import Settings
from bot.typed import utf8_text
from retrieval.archive import Archive
from retrieval.answer.filters import FilterError, parse_date
from retrieval.ingest.pages import IngestOutcome, Overrides, RawPage, ingest_pages, summarise
from retrieval.ingest.fetch import Outages
from retrieval.ingest.raw_page import read_file

log = logging.getLogger(__name__)

RAW_SUFFIXES = (".txt", ".html", ".htm", ".md")


def _date(value: str | None, name: str) -> dt.date | None:
    try:
        return parse_date(value, name)
    except FilterError as exc:
        raise click.UsageError(str(exc)) from None


def is_web_address(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def _raw_file(path: Path) -> bool:
    """A saved page in a folder; hidden files (macOS ``._`` metadata, editors' locks) are not pages."""
    return not path.name.startswith(".") and path.suffix.lower() in RAW_SUFFIXES and path.is_file()


def _looks_like_an_address(text: str) -> bool:
    """``www.dw.com/en/...`` or ``dw.com/en/...``: a host name first, typed without its scheme."""
    host, slash, _ = text.partition("/")
    named = "." in host and host.rsplit(".", 1)[1].isalpha() and Path(host).suffix.lower() not in RAW_SUFFIXES
    return named and (bool(slash) or host.lower().startswith("www."))


def _pages(paths: Iterable[str], settings: Settings) -> list[Callable[[], RawPage]]:
    """One getter per page: web addresses are fetched, folders expand to their raw files."""
    pages: list[Callable[[], RawPage]] = []
    limits = settings.fetch_limits()
    outages = Outages()  # a site that is down is waited for once, not once per address
    for raw in paths:
        path = Path(raw)
        if is_web_address(raw):
            pages.append(lambda url=raw: outages.fetch(url, contact=settings.contact, limits=limits))
        elif path.is_dir():
            files = sorted(p for p in path.iterdir() if _raw_file(p))
            pages.extend(lambda p=p: read_file(p) for p in files)
        elif path.exists():
            pages.append(lambda p=path: read_file(p))
        else:
            hint = "; a web address starts with https://" if _looks_like_an_address(raw) else ""
            raise click.BadParameter(f"{raw} does not exist{hint}", param_hint="PATH")
    return pages


def _report(outcome: IngestOutcome) -> None:
    if outcome.result is not None:
        result, article = outcome.result, outcome.result.article
        date = article.published.isoformat() if article.published else "undated"
        verb = "replaced" if result.replaced else "added"
        click.echo(f"{verb} {result.path}: {article.source}, \u201c{article.title}\u201d, {date}")
        for warning in result.warnings:
            click.echo(f"  note: {warning}")
    elif outcome.skipped:
        click.echo(f"skipped: {outcome.error}")
    else:
        click.echo(f"error: {outcome.error}", err=True)


def _run(settings: Settings, pages: list[Callable[[], RawPage]], options: Overrides) -> Iterator[IngestOutcome]:
    outcomes_iter = ingest_pages(pages, settings.corpus_dir, options)
    if len(pages) <= 1:  # a single page reports straight away
        yield from outcomes_iter
        return
    with click.progressbar(outcomes_iter, length=len(pages), label="Ingesting", file=sys.stderr) as bar:
        yield from bar


def _run_feeds(settings: Settings, feeds: tuple[str, ...], options: Overrides) -> Iterator[IngestOutcome]:
    from retrieval.ingest.feeds import FeedState, ingest_feed, state_file

    state = FeedState(state_file(settings.corpus_dir, settings.index_path))
    try:
        for feed in feeds:
            yield from ingest_feed(feed, settings.corpus_dir, state, options, contact=settings.contact, limits=settings.fetch_limits())
    finally:  # after Ctrl-C too: ingest_feed saved what was seen, or failed to
        if state.problem:
            click.echo(f"warning: {state.problem}", err=True)


def _gather(outcomes: list[IngestOutcome], produce: Iterable[IngestOutcome]) -> bool:
    """Collect ``produce``'s outcomes into ``outcomes``; True when Ctrl-C stopped it.

    Every page written before the interrupt is a whole file (atomic writes), so it is kept,
    reported and indexed like the others; the rest is skipped as known when run again.
    """
    try:
        for outcome in produce:
            outcomes.append(outcome)
    except KeyboardInterrupt:
        return True
    return False


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
@click.pass_context
def ingest(
    ctx: click.Context,
    paths: tuple[str, ...],
    feeds: tuple[str, ...],
    published: str | None,
    source: str | None,
    title: str | None,
    overwrite: bool,
) -> None:
    """Turn article pages (web addresses, HTML or text files, folders) into corpus files and update the index."""
    settings = settings_of(ctx)
    if not paths and not feeds:
        raise click.UsageError("give pages to ingest (files, folders, web addresses) or --feed URL")
    pages = _pages(paths, settings)
    if paths and not pages:
        raise click.ClickException(f"no raw article files ({', '.join(RAW_SUFFIXES)}) in {', '.join(paths)}")
    if settings.corpus_dir.exists() and not settings.corpus_dir.is_dir():  # before any page is fetched
        raise click.ClickException(
            f"corpus folder {settings.corpus_dir} is not a folder; set NEWSDESK_CORPUS to the folder of article files"
        )
    options = Overrides(_date(published, "--published"), source, title, overwrite)
    outcomes: list[IngestOutcome] = []
    interrupted = _gather(outcomes, itertools.chain(_run(settings, pages, options) if pages else (), _run_feeds(settings, feeds, options)))
    for outcome in outcomes:
        _report(outcome)
    indexing_stopped = any(outcome.ok for outcome in outcomes) and not _report_index(settings, len(outcomes))
    failed = any(not o.ok and not o.skipped for o in outcomes)
    if interrupted:
        click.echo(_interrupted(len(pages), len(outcomes)), err=True)
    interrupted = interrupted or indexing_stopped
    click.echo(summarise(outcomes), err=failed or interrupted)
    if interrupted or failed:
        ctx.exit(130 if interrupted else 1)  # 130: the shell's code for Ctrl-C


def _report_index(settings: Settings, pages: int) -> bool:
    """Update the index and say how; False when Ctrl-C stopped that (the pages stay written whole)."""
    try:
        click.echo(f"{_update_index(settings, show_bar=pages > 1)} Review the new files, then commit them.")
    except KeyboardInterrupt:
        click.echo(
            "index not updated (interrupted): the new files are indexed when the archive next loads "
            "(`newsdesk ask`, the running bot); review them, then commit them.",
            err=True,
        )
        return False
    return True


def _update_index(settings: Settings, *, show_bar: bool) -> str:
    """Bring the saved index up to date for the changed corpus; what was done, in words.

    When the saved archive takes the changed files as a delta, nothing is rebuilt: the
    files are indexed by whoever loads the archive next (the running bot within seconds).
    Otherwise the index is rebuilt and saved, with a bar for the analysis.
    """
    from retrieval.store.saved import pending_delta

    delta = pending_delta(settings.corpus_dir, settings.index_path, semantic=settings.semantic)
    if delta is not None:
        files = len(delta.changed) + len(delta.removed)
        return (
            f"index: {files} changed file{'s' if files != 1 else ''} pending as a delta on the saved index "
            f"(indexed when the archive loads; a running bot picks {'them' if files != 1 else 'it'} up "
            f"within {settings.watch_seconds:g} s)."
        )
    saved = _saved_index(settings)
    before = _stamp(saved)
    archive = _rebuilt_index(settings, show_bar=show_bar)
    counts = f"{len(archive.articles)} articles, {archive.passage_count} passages"
    if (after := _stamp(saved)) is None or after == before:  # load_or_build only logs a failed save
        return (
            f"index rebuilt ({counts}) but not saved: {saved.parent} cannot be written; make it writable or "
            "set NEWSDESK_INDEX to a folder that is (until then `ask` and the bot rebuild it at every start)."
        )
    return f"index updated: {counts}."


def _saved_index(settings: Settings) -> Path:
    from retrieval.store.saved import archive_file, default_index_path

    return archive_file(settings.index_path if settings.index_path is not None else default_index_path(settings.corpus_dir))


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """Which file is at ``path`` (an atomic save puts a new one there), or None."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def _rebuilt_index(settings: Settings, *, show_bar: bool) -> Archive:
    from retrieval.store.saved import load_or_build

    # The archive the bot and `ask` load: same analyzer and semantic setting, or they rebuild it.
    kind = {"analyzer": settings.analyzer(), "semantic": settings.semantic}
    if not show_bar:
        return load_or_build(settings.corpus_dir, settings.index_path, **kind)
    bar = click.progressbar(length=1, label="Indexing ", file=sys.stderr)
    with bar:

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        return load_or_build(settings.corpus_dir, settings.index_path, progress=progress, **kind)
