"""``newsdesk watch``: saved questions, reported as the articles that answer them arrive.

``add`` saves a question (what answers it already is not news), ``check`` reports each
watch's articles that answer it and were not reported before (once each, whoever checks: run
it after ``newsdesk ingest``, or from cron), ``list``, ``stop`` and ``resume``. With
``--server ID``, ``list``, ``stop`` and ``resume`` reach that Discord server's watches (``/watch``:
the bot posts them itself), so an operator sees the states members see: running, paused and why. An article answers a watch
as it would be in the watch's timeline (:mod:`retrieval.answer.timeline`: the answer decision,
read per article). Watches are kept in the query log (NEWSDESK_DB). Free of discord.py imports.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

import click

from bot.render_text import render_timeline, timeline_json, without_controls
from bot.settings import Settings, SettingsError, load_settings
from retrieval.answer.answerer import QuestionError
from retrieval.answer.filters import FilterError
from retrieval.answer.timeline import Timeline

if TYPE_CHECKING:
    from bot.desk import Desk, Watch

log = logging.getLogger(__name__)


def _settings(ctx: click.Context) -> Settings:
    settings = ctx.find_object(Settings)
    if settings is None:
        try:
            settings = load_settings()
        except SettingsError as exc:
            raise click.ClickException(str(exc)) from None
        ctx.obj = settings
    return settings


def _desk(ctx: click.Context, *, lazy: bool = False) -> Desk:
    from bot.desk import Desk

    settings = _settings(ctx)
    try:
        desk = Desk.from_settings(settings, lazy=lazy)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
    if desk.querylog is None:
        raise click.ClickException(f"watches are kept in the query log, which cannot be opened: {desk.log_problem}")
    return desk


def _filters_text(filters: dict[str, str]) -> str:
    return ", ".join(f"{name} {value}" for name, value in filters.items())


@click.group()
def watch() -> None:
    """Saved questions: report the articles that answer them as they arrive."""


@watch.command("add")
@click.argument("words", metavar="QUESTION...", nargs=-1, required=True)
@click.option("--outlet", help="Only articles from this outlet (e.g. DW).")
@click.option("--since", help="Only articles published on or after YYYY-MM-DD.")
@click.option("--until", help="Only articles published on or before YYYY-MM-DD.")
@click.pass_context
def add(ctx: click.Context, words: tuple[str, ...], outlet: str | None, since: str | None, until: str | None) -> None:
    """Watch QUESTION: `newsdesk watch check` reports the articles that answer it from now on."""
    from bot.desk import Desk, WatchError

    try:
        checked = Desk.validate(" ".join(words), outlet, since, until, names=("--outlet", "--since", "--until"))
    except FilterError as exc:
        raise click.UsageError(str(exc)) from None
    except QuestionError as exc:
        raise click.ClickException(str(exc)) from None
    desk = _desk(ctx)
    try:
        saved, already = desk.watch(checked.question, filters=checked.filters)
    except FilterError as exc:
        raise click.UsageError(f"--outlet: {exc}") from None
    except WatchError as exc:
        raise click.ClickException(str(exc)) from None
    answering = f"{already} article(s) answer it already (not reported)" if already else "nothing answers it yet"
    click.echo(f"watching #{saved.id}: {without_controls(saved.question)}; {answering}; "
               "`newsdesk watch check` reports the ones that arrive")


_SERVER = click.option("--server", "server", type=int, metavar="ID",
                       help="A Discord server's watches (/watch) instead of the command line's.")


def _state(w: Watch) -> str:
    """`` (paused 2026-12-07: why)``, `` (stopped 2026-12-07)``, or nothing for a running watch."""
    if w.stopped_at:
        return f" (stopped {w.stopped_at[:10]})"
    if w.paused_at:
        return f" (paused {w.paused_at[:10]}: {without_controls(w.paused_reason or '')})"
    return ""


@watch.command("list")
@click.option("--all", "everything", is_flag=True, help="Stopped watches too.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@_SERVER
@click.pass_context
def list_watches(ctx: click.Context, everything: bool, as_json: bool, server: int | None) -> None:
    """The command line's watches (or a server's), oldest first: running, paused (and why), with --all stopped."""
    watches = _desk(ctx, lazy=True).watches(guild_id=server, stopped=everything)
    if as_json:
        click.echo(json.dumps([w.to_json() for w in watches], ensure_ascii=False))
        return
    if not watches:
        click.echo("no watches: add one with `newsdesk watch add QUESTION`" if server is None else "no watches in that server")
        return
    for w in watches:
        filters = _filters_text(w.filters.to_json())
        where = {"dm": "  by DM", "channel": f"  in channel {w.channel_id}"}.get(w.delivery or "", "")
        click.echo(f"#{w.id}  {w.created_at[:10]}  {without_controls(w.question)}"
                   + (f"  [{filters}]" if filters else "") + where + _state(w))


def _change(ctx: click.Context, change: str, watch_id: int, server: int | None) -> Watch | None:
    """Stop or resume (``change``: the desk's method) watch ``watch_id``; what the desk returns."""
    from bot.desk import WatchError

    desk = _desk(ctx, lazy=True)
    try:
        return getattr(desk, change)(watch_id, guild_id=server)
    except WatchError as exc:
        raise click.ClickException(str(exc)) from None


@watch.command("stop")
@click.argument("watch_id", type=int)
@_SERVER
@click.pass_context
def stop(ctx: click.Context, watch_id: int, server: int | None) -> None:
    """Stop watch WATCH_ID (its number in `newsdesk watch list`)."""
    _change(ctx, "stop_watch", watch_id, server)
    click.echo(f"stopped watch #{watch_id}")


@watch.command("resume")
@_SERVER
@click.argument("watch_id", type=int)
@click.pass_context
def resume(ctx: click.Context, server: int | None, watch_id: int) -> None:
    """Resume paused watch WATCH_ID (paused for posting too often, or a DM Discord refused)."""
    resumed = _change(ctx, "resume_watch", watch_id, server)
    click.echo(f"resumed watch #{watch_id}" + (f": {without_controls(resumed.question)}" if resumed else ""))


@watch.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per line, one per watch with new articles.")
@click.pass_context
def check(ctx: click.Context, as_json: bool) -> None:
    """Report each watch's new articles (each once), oldest first."""
    found = _desk(ctx).check_watches()
    news = [w for w in found if w.new]
    for watched in news:
        shown = Timeline(watched.found.answer, watched.new)
        if as_json:
            click.echo(json.dumps({"watch": watched.watch.id, **timeline_json(shown)}, ensure_ascii=False))
            continue
        click.echo(f"#{watched.watch.id} {without_controls(watched.watch.question)}: {len(watched.new)} new article(s)")
        click.echo(render_timeline(shown))
        click.echo("")
    if not as_json:
        click.echo(f"checked {len(found)} watch(es): {len(news)} with new articles")
