"""``newsdesk archive``: the command line's ``/archive``: list, recent, remove (through the Library).

``list`` shows every article (newest first, undated last; ``--outlet`` narrows it), ``recent``
the articles whose files changed last (as ``/archive recent``), ``remove ID`` takes one out
(its file is moved to ``<corpus>/.removed/``, never deleted; as ``/archive remove``), records
it in the query log's archive actions (by ``cli``; a log that cannot be written is one warning,
the removal stands; no log is created) and brings the index up to date. Each takes ``--json`` (exactly one JSON object on stdout). A
wrong id is one ``Error:`` line (``ArchiveAdminError``), and nothing is moved. Kept free of
discord.py imports.
"""

from __future__ import annotations

import json
import logging

import click

from bot.archive_setup import library_for
from bot.logs_access import settings_of
from bot.archive_render import article_json, article_line, index_words
from bot.querylog import QueryLog, QueryLogError
from bot.querylog.writer import CLI_ACTOR
from bot.settings import Settings
from retrieval.corpus import Article

log = logging.getLogger(__name__)


def _show(articles: list[Article], as_json: bool, *, empty: str, key: str = "articles") -> None:
    if as_json:
        click.echo(json.dumps({key: [article_json(a) for a in articles]}, ensure_ascii=False))
    elif not articles:
        click.echo(empty)
    else:
        for article in articles:
            click.echo(article_line(article))


def _record_removal(settings: Settings, article: Article) -> str | None:
    """Record the removal in the query log's archive actions as ``/archive remove`` does, by
    ``cli``; why it could not be, else None (also with no log: no command creates one here)."""
    if not settings.db_path.is_file():
        return None
    try:
        querylog = QueryLog.open(settings.db_path, user_ids=settings.log_user_ids, secret=settings.hash_secret)
        try:
            querylog.record_archive_action(None, "remove", article.id, article.title, article.url, actor=CLI_ACTOR)
        finally:
            querylog.db.close()
    except QueryLogError as exc:
        log.error("archive removal of %s not logged: %s", article.id, exc)
        return f"the removal is done but not recorded in the query log: {exc}"
    return None


@click.group()
def archive() -> None:
    """The archive's articles: list them, the latest, take one out (the command line's /archive)."""


@archive.command(name="list")
@click.option("--outlet", help="Only this outlet's articles (part of its name, any case).")
@click.option("--json", "as_json", is_flag=True, help="Exactly one JSON object: {\"articles\": [...]}.")
@click.pass_context
def list_articles(ctx: click.Context, outlet: str | None, as_json: bool) -> None:
    """Every article in the archive, newest first (undated last): id, date, outlet, title."""
    library = library_for(settings_of(ctx))
    articles = library.articles()
    if outlet:
        wanted = outlet.casefold().strip()
        articles = [a for a in articles if wanted in a.source.casefold()]
    _show(articles, as_json, empty=f"no articles{f' from an outlet named like {outlet!r}' if outlet else ''} in the archive")


@archive.command()
@click.argument("count", type=click.IntRange(1, 1000), default=10, required=False)
@click.option("--json", "as_json", is_flag=True, help="Exactly one JSON object: {\"articles\": [...]}.")
@click.pass_context
def recent(ctx: click.Context, count: int, as_json: bool) -> None:
    """The COUNT articles (default 10) whose files were added or changed last, newest first."""
    library = library_for(settings_of(ctx))
    _show(library.recent(count), as_json, empty="no articles in the archive")


@archive.command()
@click.argument("article_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Exactly one JSON object: the article removed and where it is kept.")
@click.pass_context
def remove(ctx: click.Context, article_id: str, as_json: bool) -> None:
    """Take article ID out of the archive; its file is kept in the corpus folder's .removed/ (move it back to undo)."""
    settings = settings_of(ctx)
    library = library_for(settings)
    removed = library.remove(article_id)
    unrecorded = _record_removal(settings, removed.article)
    if unrecorded:
        click.echo(f"warning: {unrecorded}", err=True)
    refreshed = library.refresh()
    if as_json:
        found = {"removed": article_json(removed.article), "kept": str(removed.kept), "index": refreshed.state.value}
        click.echo(json.dumps(found, ensure_ascii=False))
        return
    click.echo(f"removed {article_line(removed.article)}")
    click.echo(f"  kept as {removed.kept} (move it back into the corpus folder to undo)")
    click.echo(index_words(refreshed, settings))
