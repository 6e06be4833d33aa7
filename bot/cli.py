"""The ``newsdesk`` command line.

Kept free of discord.py imports (``newsdesk ask`` must start fast); ``newsdesk run``
imports the Discord side only when called.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from pathlib import Path

import click

from bot.settings import Settings, SettingsError, load_settings
from bot.render_text import render_answer
from retrieval.answer import QuestionError
from retrieval.archive import Archive
from retrieval.corpus import CorpusError
from retrieval.filters import FilterError, Filters, parse_date

log = logging.getLogger(__name__)


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO) if level else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _settings(ctx: click.Context) -> Settings:
    settings = ctx.find_object(Settings)
    if settings is None:
        raise click.ClickException("settings were not loaded")
    return settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log more detail to stderr.")
@click.version_option(package_name="newsdesk")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """newsdesk: cited answers from your team's news archive."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    # The commands report problems themselves; the log adds detail with -v.
    _configure_logging("DEBUG" if verbose else "ERROR")
    ctx.obj = settings


def _date(value: str | None, name: str) -> dt.date | None:
    try:
        return parse_date(value, name)
    except FilterError as exc:
        raise click.UsageError(str(exc)) from None


def _bold(text: str) -> str:
    # click.style is plain text when stdout is not a terminal (click.echo strips it).
    return click.style(text, bold=True, fg="yellow")


def _warn_corpus_errors(errors: list[CorpusError]) -> None:
    for error in errors:
        click.echo(f"warning: skipped corpus file {error} (fix it and it will load again)", err=True)


@main.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@click.option("-n", "--limit", type=click.IntRange(1, 20), default=None, help="How many excerpts (default 3).")
@click.option("--outlet", help="Only articles from this outlet (e.g. DW).")
@click.option("--since", help="Only articles published on or after YYYY-MM-DD.")
@click.option("--until", help="Only articles published on or before YYYY-MM-DD.")
@click.pass_context
def ask(
    ctx: click.Context,
    question: str,
    as_json: bool,
    limit: int | None,
    outlet: str | None,
    since: str | None,
    until: str | None,
) -> None:
    """Answer QUESTION from the archive with cited excerpts."""
    from bot.desk import Desk

    settings = _settings(ctx)
    try:
        filters = Filters.parse(outlet, since, until)
    except FilterError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        desk = Desk.from_settings(settings)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
    _warn_corpus_errors(desk.archive.errors)
    try:
        asked = desk.ask(question, limit=limit, filters=filters)
    except QuestionError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(asked.answer.to_json(), ensure_ascii=False))
    else:
        click.echo(render_answer(asked.answer, _bold))
    if asked.log_error:
        click.echo(f"warning: the question was not logged ({asked.log_error})", err=True)


@main.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """Start the Discord bot (needs DISCORD_TOKEN)."""
    settings = _settings(ctx)
    try:
        settings.require_token()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    from bot.runner import StartupError, main_run

    try:
        main_run(settings)
    except StartupError as exc:
        raise click.ClickException(str(exc)) from None
    except KeyboardInterrupt:
        click.echo("stopped", err=True)


@main.command()
@click.option("--global", "globally", is_flag=True, help="Publish to every server (takes up to an hour to show).")
@click.pass_context
def sync(ctx: click.Context, globally: bool) -> None:
    """Publish the slash commands to NEWSDESK_GUILD_ID, or everywhere with --global."""
    import asyncio

    from bot.runner import StartupError, sync_commands

    settings = _settings(ctx)
    try:
        names = asyncio.run(sync_commands(settings, globally=globally))
    except (SettingsError, StartupError) as exc:
        raise click.ClickException(str(exc)) from None
    where = "globally" if globally else f"to guild {settings.guild_id}"
    click.echo(f"synced {len(names)} command(s) {where}: {', '.join(sorted(names))}")


RAW_SUFFIXES = (".txt", ".html", ".htm", ".md")


def _raw_files(paths: tuple[str, ...]) -> list[Path]:
    """Expand folders into the raw article files they hold, in name order."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in RAW_SUFFIXES))
        elif path.exists():
            files.append(path)
        else:
            raise click.BadParameter(f"{raw} does not exist", param_hint="PATH")
    return files


@main.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--published", help="Publication date YYYY-MM-DD, when the page does not show one.")
@click.option("--source", help="Outlet name, when it cannot be detected.")
@click.option("--title", help="Article title, when it cannot be detected.")
@click.option("--overwrite", is_flag=True, help="Replace a corpus file with the same id.")
@click.pass_context
def ingest(
    ctx: click.Context,
    paths: tuple[str, ...],
    published: str | None,
    source: str | None,
    title: str | None,
    overwrite: bool,
) -> None:
    """Clean raw article pages (files or folders) into corpus files and update the index."""
    from retrieval.ingest import ingest_many

    settings = _settings(ctx)
    files = _raw_files(paths)
    if not files:
        raise click.ClickException(f"no raw article files ({', '.join(RAW_SUFFIXES)}) in {', '.join(paths)}")
    overrides = {"published": _date(published, "--published"), "source": source, "title": title}
    added, failed = [], []
    outcomes = ingest_many(files, settings.corpus_dir, overwrite=overwrite, **overrides)
    # A bar for batches; single files report straight away.
    with click.progressbar(outcomes, length=len(files), label="Ingesting", file=sys.stderr) if len(
        files
    ) > 1 else _Passthrough(outcomes) as bar:
        for outcome in bar:
            (added if outcome.ok else failed).append(outcome)
    for outcome in added:
        result = outcome.result
        article = result.article
        date = article.published.isoformat() if article.published else "undated"
        verb = "replaced" if result.replaced else "added"
        click.echo(f"{verb} {result.path}: {article.source}, \u201c{article.title}\u201d, {date}")
        for warning in result.warnings:
            click.echo(f"  note: {warning}")
    for outcome in failed:
        click.echo(f"error: {outcome.error}", err=True)
    if added:
        archive = _update_index(settings, show_bar=len(files) > 1)
        click.echo(
            f"index updated: {len(archive.articles)} articles, {len(archive.passages)} passages. "
            "Review the new files, then commit them."
        )
    click.echo(f"{len(added)} added, {len(failed)} failed", err=bool(failed))
    if failed:
        ctx.exit(1)


def _update_index(settings: Settings, *, show_bar: bool) -> Archive:
    """Rebuild the saved index for the changed corpus, with a bar for the analysis."""
    from retrieval.store import load_or_build

    if not show_bar:
        return load_or_build(settings.corpus_dir, settings.index_path)
    bar = click.progressbar(length=1, label="Indexing ", file=sys.stderr)
    with bar:

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        return load_or_build(settings.corpus_dir, settings.index_path, progress=progress)


class _Passthrough:
    """Context manager yielding an iterable unchanged (progressbar's shape, without a bar)."""

    def __init__(self, iterable):  # type: ignore[no-untyped-def]
        self.iterable = iterable

    def __enter__(self):  # type: ignore[no-untyped-def]
        return self.iterable

    def __exit__(self, *exc: object) -> None:
        return None


def _register_subcommands() -> None:
    # Imported here, after main exists; neither module imports discord.py.
    from bot.dashboard import dashboard
    from bot.logs_cli import logs

    main.add_command(logs)
    main.add_command(dashboard)


_register_subcommands()

if __name__ == "__main__":  # pragma: no cover
    main()
