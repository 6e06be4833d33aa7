"""The ``newsdesk`` command line.

Kept free of discord.py imports (``newsdesk ask`` must start fast); ``newsdesk run``
imports the Discord side only when called.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shlex
import shutil
import sys
from typing import TYPE_CHECKING

import click

from bot.cli_errors import OneLineErrors
from bot.render_text import answer_json, render_answer, render_timeline, timeline_json, without_controls
from bot.settings import MAX_RESULTS_SETTING, Settings, load_settings
from retrieval.answer.answerer import QuestionError
from retrieval.corpus import CorpusError
from retrieval.answer.filters import FilterError
from retrieval.answer.timeline import TIMELINE_LIMIT

if TYPE_CHECKING:  # imported when a command runs: `newsdesk --help` stays fast
    from bot.desk import Charted, Desk

log = logging.getLogger(__name__)


# Where ``main`` keeps the handler it added, so ``run`` can hand the terminal to the bot's.
_HANDLER_KEY = "newsdesk.log_handler"
# Loggers whose failures the commands print themselves, as one line (the desk's "question
# not logged": ``Asked.log_failure``); shown again only with -v.
_REPORTED_BY_COMMANDS = ("bot.desk",)
# The saved index's warnings, which `ask` and `outlets` show without -v: an index that
# cannot be saved is rebuilt by every command, and only this says why (ingest says it itself).
_INDEX_LOGGER = "retrieval.store.saved"


def _configure_logging(ctx: click.Context, verbose: bool) -> None:
    """Log to stderr: errors only, or everything with ``-v``.

    Like ``logging.basicConfig``, nothing is done when the root logger already has a
    handler (a program that embeds the CLI, the tests).
    """
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    if not verbose:
        handler.addFilter(lambda record: not record.name.startswith(_REPORTED_BY_COMMANDS))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.ERROR)
    ctx.meta[_HANDLER_KEY] = handler


def _show_index_warnings() -> None:
    """Let the saved index's warnings through ``main``'s handler (when ``main`` set one up)."""
    if _HANDLER_KEY in click.get_current_context().find_root().meta:
        logger = logging.getLogger(_INDEX_LOGGER)
        logger.setLevel(min(logger.getEffectiveLevel(), logging.WARNING))


def _release_logging(ctx: click.Context) -> None:
    """Remove ``main``'s handler: the bot sets up its own, and each line must show once."""
    handler = ctx.meta.pop(_HANDLER_KEY, None)
    if handler is not None:
        logging.getLogger().removeHandler(handler)


def _settings(ctx: click.Context) -> Settings:
    settings = ctx.find_object(Settings)
    if settings is None:
        raise click.ClickException("settings were not loaded")
    return settings


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log more detail to stderr.")
@click.version_option(package_name="newsdesk")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """newsdesk: cited answers from your team's news archive."""
    settings = load_settings()  # a SettingsError is one line (OneLineErrors)
    # The commands report problems themselves; the log adds detail with -v.
    _configure_logging(ctx, verbose)
    ctx.obj = settings


def _bold(text: str) -> str:
    # click.style is plain text when stdout is not a terminal (click.echo strips it), and
    # NO_COLOR (https://no-color.org) asks for none on a terminal either.
    if os.environ.get("NO_COLOR"):
        return text
    return click.style(text, bold=True, fg="yellow")


# Text wider than this is hard to read, however wide the terminal.
MAX_TEXT_WIDTH = 100


def _terminal_width() -> int | None:
    """Columns to wrap answers to on a terminal; None when the output goes to a pipe or a file."""
    if not sys.stdout.isatty():
        return None
    return min(shutil.get_terminal_size().columns, MAX_TEXT_WIDTH)


def _print(text: str) -> None:
    """``click.echo`` to stdout; an output that cannot be written (a full disk) is one line.

    Flushed here, so the failure is met now rather than at exit (click handles a closed pipe).
    """
    try:
        click.echo(text)
        sys.stdout.flush()
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            raise
        # What is still buffered would fail again at exit, with a traceback: drop it.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise click.ClickException(f"cannot write the output: {exc.strerror or exc}") from None


def _warn_corpus_errors(errors: list[CorpusError]) -> None:
    for error in errors:
        click.echo(f"warning: skipped corpus file {error} (fix it and it will load again)", err=True)


class _AskCommand(click.Command):
    """``ask``, whose question may start with "-" (pasted from a list, "-5 degrees..."):
    click reads that as an unknown option, so the error says how to pass it."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        typed_args = list(args)  # the parser consumes ``args``
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as exc:
            typed = next((a for a in typed_args if a.startswith(exc.option_name)), "")
            if not any(c.isspace() for c in typed):
                raise  # a mistyped option, not a question
            raise click.UsageError(
                f"{exc.format_message()} A question that starts with '-' goes after '--': "
                f"newsdesk ask -- {shlex.quote(typed)}",
                ctx,
            ) from None


@main.command(cls=_AskCommand)
@click.argument("words", metavar="QUESTION...", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@click.option("-n", "--limit", type=click.IntRange(1, MAX_RESULTS_SETTING), default=None, help="How many excerpts (default: NEWSDESK_RESULTS, else 3).")
@click.option("--outlet", help="Only articles from this outlet (e.g. DW).")
@click.option("--since", help="Only articles published on or after YYYY-MM-DD.")
@click.option("--until", help="Only articles published on or before YYYY-MM-DD.")
@click.option(
    "--timeline", is_flag=True,
    help="The best excerpt of each article on the question, oldest first (at most 50 articles; -n lists fewer).",
)
@click.option("--no-log", is_flag=True, help="Do not record the question in the query log.")
@click.pass_context
def ask(
    ctx: click.Context,
    words: tuple[str, ...],
    as_json: bool,
    limit: int | None,
    outlet: str | None,
    since: str | None,
    until: str | None,
    timeline: bool,
    no_log: bool,
) -> None:
    """Answer QUESTION from the archive with cited excerpts.

    Quotes are optional: the words are asked as one question. With --timeline, the best
    excerpt of each article on it, oldest first: how a story developed.
    """
    from bot.desk import Desk

    # A new user types `newsdesk ask Did Iran send troops?` as often as the quoted form.
    question = " ".join(words)
    settings = _settings(ctx)
    for name, value in (("--outlet", outlet), ("--since", since), ("--until", until)):
        if value is not None and not value.strip():  # `--outlet "$OUTLET"`, the variable unset
            raise click.UsageError(f"{name} is empty: give a value, or leave {name} out to search everything")
    try:
        # Checked before the archive loads, once (the desk takes the checked question as it
        # is): a typo costs no waiting.
        checked = Desk.validate(question, outlet, since, until, names=("--outlet", "--since", "--until"))
    except FilterError as exc:
        raise click.UsageError(str(exc)) from None
    desk = _open_desk(settings, open_log=not no_log)
    try:
        if timeline:
            _print_timeline(desk.timeline(checked.question, limit=limit or TIMELINE_LIMIT, filters=checked.filters), as_json)
            return
        asked = desk.ask(checked.question, limit=limit, filters=checked.filters)
    except FilterError as exc:  # an outlet the archive does not have: logged, as on Discord
        desk.reject(question, exc, filters=checked.filters)
        raise click.UsageError(f"--outlet: {exc}") from None
    except QuestionError as exc:  # the archive is empty
        raise click.ClickException(f"{exc} (corpus folder: {settings.corpus_dir})") from None
    if as_json:
        _print(json.dumps(answer_json(asked.answer), ensure_ascii=False))
    else:
        _print(render_answer(asked.answer, _bold, width=_terminal_width()))
    if asked.log_failure is not None and not no_log:
        click.echo(f"warning: the question was not logged ({asked.log_failure})", err=True)


def _print_timeline(charted: Charted, as_json: bool) -> None:
    if as_json:
        _print(json.dumps(timeline_json(charted.timeline), ensure_ascii=False))
    else:
        _print(render_timeline(charted.timeline, _bold, width=_terminal_width()))
    if charted.log_error:
        click.echo(f"warning: the question was not logged ({charted.log_error})", err=True)


def _open_desk(settings: Settings, *, open_log: bool = True) -> Desk:
    """The desk, with a one-line error for a missing corpus and a warning per skipped file."""
    from bot.desk import Desk, ReaderUnavailable

    _show_index_warnings()
    try:
        desk = Desk.from_settings(settings, open_log=open_log)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
    except ReaderUnavailable as exc:
        raise click.ClickException(f"{exc}; or set NEWSDESK_READER=off to answer with BM25 alone") from None
    _warn_corpus_errors(desk.corpus_errors)
    return desk


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
@click.pass_context
def outlets(ctx: click.Context, as_json: bool) -> None:
    """The outlets in the archive, with article counts and publication date ranges."""
    settings = _settings(ctx)
    rows = _open_desk(settings, open_log=False).outlets()
    if as_json:
        click.echo(json.dumps([row.to_json() for row in rows], ensure_ascii=False))
        return
    if not rows:
        raise click.ClickException(f"the archive is empty: no articles in {settings.corpus_dir}")
    names = [without_controls(row.name) for row in rows]  # a corpus file's outlet may hold terminal escapes
    width = max(len("OUTLET"), *map(len, names))
    click.echo(f"{'OUTLET'.ljust(width)}  ARTICLES  FIRST       LAST")
    for name, row in zip(names, rows):
        first, last = (d.isoformat() if d else "-" for d in (row.first, row.last))
        click.echo(f"{name.ljust(width)}  {row.articles:>8}  {first:<10}  {last}")
    click.echo(f"{len(rows)} outlet(s), {sum(row.articles for row in rows)} article(s)")


@main.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """Start the Discord bot (needs DISCORD_TOKEN)."""
    settings = _settings(ctx)
    settings.require_token()
    from bot.runner import main_run

    _release_logging(ctx)
    try:
        main_run(settings)
    except KeyboardInterrupt:
        click.echo("stopped", err=True)


@main.command()
@click.option("--global", "globally", is_flag=True, help="Publish to every server (takes up to an hour to show).")
@click.pass_context
def sync(ctx: click.Context, globally: bool) -> None:
    """Publish the slash commands to NEWSDESK_GUILD_ID, or everywhere with --global."""
    import asyncio

    from bot.runner import sync_commands

    settings = _settings(ctx)
    names = asyncio.run(sync_commands(settings, globally=globally))
    where = "globally" if globally else f"to guild {settings.guild_id}"
    click.echo(f"synced {len(names)} command(s) {where}: {', '.join(sorted(names))}")


def _register_subcommands() -> None:
    # Imported here, after main exists; neither module imports discord.py.
    from bot.archive_cli import archive
    from bot.dashboard import dashboard
    from bot.ingest_cli import ingest
    from bot.logs_cli import logs
    from bot.watch_cli import watch

    main.add_command(ingest)
    main.add_command(archive)
    main.add_command(logs)
    main.add_command(dashboard)
    main.add_command(watch)


_register_subcommands()

if __name__ == "__main__":  # pragma: no cover
    main()
