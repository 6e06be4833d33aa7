"""``newsdesk logs``: review the query log from the command line (moderators).

Tables for people, ``--json``/``--csv`` for scripts. Free of discord.py imports.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
from sqlite_utils import Database

from bot.cli_errors import OneLineErrors
from bot.logs_access import log_database, settings_of
from bot.logs_forget import forget, purge
from bot.querylog import queries
from bot.querylog.queries import Bound
from bot.querylog.records import LoggedQuery, write_csv
from bot.logs_render import STATS_CSV_COLUMNS, clean, queries_table, render_stats, stats_csv_rows
from bot.settings import default_db_path
from bot.typed import utf8_text
from retrieval.store.atomic import atomic_writer
from retrieval.answer.filters import FilterError, check_order, parse_moment


def period(since: str | None, until: str | None) -> tuple[Bound, Bound]:
    """--since/--until: YYYY-MM-DD (a UTC day), an ISO time, or a duration back from now (7d)."""
    try:
        low, high = parse_moment(since, "--since"), parse_moment(until, "--until")
        check_order(low, high, ("--since", "--until"))
    except FilterError as exc:
        raise click.BadParameter(str(exc)) from None
    return low, high


def _period(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("--until", help="Up to YYYY-MM-DD (inclusive, UTC) or a duration ago (7d).")(func)
    return click.option("--since", help="From YYYY-MM-DD (UTC) or a duration ago: 7d, 12h, 2w.")(func)


def _guild(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--guild", type=click.IntRange(min=1), metavar="ID", help="Only this Discord server's questions (its id)."
    )(func)


def _formats(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("--csv", "as_csv", is_flag=True, help="CSV with a header row.")(func)
    return click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")(func)


def _one_format(as_json: bool, as_csv: bool) -> None:
    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")


Fetch = Callable[[Database, Bound, Bound, int | None], list[LoggedQuery]]
Total = Callable[[Database, Bound, Bound, int | None], int]


def list_queries(ctx: click.Context, options: dict[str, Any], empty: str, fetch: Fetch, total: Total | None = None) -> None:
    """The body of every listing command: check the options, query, show as asked.

    With ``total`` (how many there are in all), a table that leaves some out says so on stderr."""
    as_json, as_csv = options["as_json"], options["as_csv"]
    _one_format(as_json, as_csv)
    low, high = period(options["since"], options["until"])
    with log_database(ctx) as db:
        found = fetch(db, low, high, options.get("guild"))
        everything = total(db, low, high, options.get("guild")) if total and not (as_json or as_csv) else 0
    _show_queries(found, as_json, as_csv, empty)
    if everything > len(found):
        click.echo(f"the newest {len(found)} of {everything}; -n {everything} lists them all", err=True)


def _show_queries(queries: list[LoggedQuery], as_json: bool, as_csv: bool, empty: str) -> None:
    if as_json:
        click.echo(json.dumps([q.to_json() for q in queries], ensure_ascii=False))
        return
    if as_csv:
        write_csv((q.to_row() for q in queries), _Echo())
        return
    if not queries:
        click.echo(empty)
        return
    click.echo(queries_table(queries))


class _Echo:
    """A file-like that writes through click.echo (stdout, as the runner sees it)."""

    def write(self, text: str) -> int:
        click.echo(text, nl=False)
        return len(text)


@click.group("logs", cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
def logs() -> None:
    """Review the query log (moderators): recent, search, unanswered, stats, export, purge, forget, path.

    Times are UTC. --since/--until take YYYY-MM-DD or a duration back from now (7d, 12h, 2w).
    """


@logs.command()
@click.argument("count", type=click.IntRange(1, 10_000), default=20)
@_period
@_guild
@_formats
@click.pass_context
def recent(ctx: click.Context, count: int, **options: Any) -> None:
    """The newest COUNT questions (default 20), newest first."""
    list_queries(
        ctx,
        options,
        "no questions logged in this period",
        lambda db, low, high, guild: queries.recent(db, count, low, high, guild=guild),
    )


def _count(default: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "-n", "--count", type=click.IntRange(1, 10_000), default=default, show_default=True, help="At most this many."
    )


@logs.command()
@click.argument("text", callback=utf8_text)
@_count(20)
@_period
@_guild
@_formats
@click.pass_context
def search(ctx: click.Context, text: str, count: int, **options: Any) -> None:
    """Questions containing TEXT (case-insensitive; % _ and quotes match themselves)."""
    empty = f"no questions contain {clean(text)!r}"
    list_queries(
        ctx,
        options,
        empty,
        lambda db, low, high, guild: queries.search(db, text, count, low, high, guild=guild),
        lambda db, low, high, guild: queries.search_total(db, text, low, high, guild=guild),
    )


@logs.command()
@_count(50)
@_period
@_guild
@_formats
@click.pass_context
def unanswered(ctx: click.Context, count: int, **options: Any) -> None:
    """Questions the archive could not answer, newest first."""
    list_queries(
        ctx,
        options,
        "no unanswered questions in this period",
        lambda db, low, high, guild: queries.unanswered(db, since=low, until=high, count=count, guild=guild),
        lambda db, low, high, guild: queries.unanswered_total(db, since=low, until=high, guild=guild),
    )


def _chart(
    path: Path | None, db: Database | None = None, since: Bound = None, until: Bound = None, guild: int | None = None
) -> None:
    """Without ``db``, check ``path`` before any work; with it, draw the chart and write it there."""
    if path is None:
        return
    from bot import charts  # matplotlib loads only when a chart is asked for

    try:
        if db is None:
            charts.check_png_path(path)
            return
        size = charts.write_chart(path, db, since, until, guild=guild)
    except charts.ChartError as exc:
        raise click.BadParameter(str(exc), param_hint="--chart") from None
    click.echo(f"chart written to {path} ({size // 1024} KiB)", err=True)


@logs.command()
@click.option("--top", type=click.IntRange(1, 100), default=10, show_default=True, help="How many top questions.")
@click.option("--chart", type=click.Path(dir_okay=False, path_type=Path), help="Also draw the figures as a PNG.")
@_period
@_guild
@_formats
@click.pass_context
def stats(
    ctx: click.Context,
    top: int,
    chart: Path | None,
    since: str | None,
    until: str | None,
    guild: int | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Questions per day, answered share, top questions, feedback, busiest channels, users."""
    _one_format(as_json, as_csv)
    low, high = period(since, until)
    with log_database(ctx) as db:
        _chart(chart)
        figures = queries.stats(db, since=low, until=high, top=top, guild=guild)
        _chart(chart, db, low, high, guild)
    if as_json:
        click.echo(json.dumps(figures.to_json(), ensure_ascii=False))
    elif as_csv:
        write_csv(stats_csv_rows(figures), _Echo(), STATS_CSV_COLUMNS)
    else:
        click.echo(render_stats(figures, low, high))


def _write_export(rows: Iterator[dict[str, Any]], out: Any, as_json: bool) -> int:
    if not as_json:
        return write_csv(rows, out)
    count = 0
    for row in rows:
        out.write(json.dumps(LoggedQuery.from_row(row).to_json(), ensure_ascii=False) + "\n")
        count += 1
    return count


@logs.command()
@_period
@_guild
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), help="Write to FILE.")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines (one object per line) instead of CSV.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header row (the default).")
@click.pass_context
def export(
    ctx: click.Context,
    since: str | None,
    until: str | None,
    guild: int | None,
    output: Path | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Every question in the period as CSV (streamed; oldest first) to stdout or FILE.

    Question text that a spreadsheet would run as a formula is prefixed with '.
    """
    _one_format(as_json, as_csv)
    low, high = period(since, until)
    with log_database(ctx) as db, contextlib.closing(queries.iter_export_rows(db, since=low, until=high, guild=guild)) as rows:
        # closing(): the cursor is released before the database closes, even on a broken pipe.
        if output is None:
            try:
                _write_export(rows, sys.stdout, as_json)
                sys.stdout.flush()
            except BrokenPipeError:
                # The reader stopped early (| head): not an error; keep Python quiet at exit.
                with contextlib.suppress(OSError, ValueError):
                    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        else:
            count = _export_to_file(rows, output, as_json)
            click.echo(f"exported {count} question(s) to {output}", err=True)


def _export_to_file(rows: Iterator[dict[str, Any]], output: Path, as_json: bool) -> int:
    """Write through a private temporary file beside ``output`` (readable by the owner only):
    a failed export never leaves half a file under the final name."""
    folder = output.resolve().parent
    if not folder.is_dir():
        raise click.ClickException(f"cannot write {output}: folder {folder} does not exist")
    try:
        with atomic_writer(output, newline="", private=True) as out:
            return _write_export(rows, out, as_json)
    except OSError as exc:  # an unwritable folder, a full disk: nothing is left behind
        raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}; nothing was exported") from None


@logs.command("path")
@click.pass_context
def log_path(ctx: click.Context) -> None:
    """Where the query log is: NEWSDESK_DB, else newsdesk.db beside the corpus folder."""
    settings = settings_of(ctx)
    path = settings.db_path.absolute()
    click.echo(str(path))
    chosen = "the default: beside the corpus folder" if path == default_db_path(settings.corpus_dir) else "set by NEWSDESK_DB"
    state = "exists" if path.is_file() else "not created yet: the first question asked creates it"
    click.echo(f"({chosen}; {state})", err=True)


logs.add_command(purge)
logs.add_command(forget)
