"""``newsdesk logs purge`` and ``newsdesk logs forget``: removing questions from the query log
(the retention policy, a member's request). Registered on the ``logs`` group by
:mod:`bot.logs_cli`. Free of discord.py imports.

Guarantees: at a terminal both say what they will remove and ask first (``--yes`` does not
ask; off a terminal the command line is the confirmation); ``--dry-run`` says what would be
removed and changes nothing (it opens the log but deletes nothing and checkpoints nothing);
``forget`` refuses what cannot be a Discord id instead of "removing 0".
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Callable
from typing import Any

import click
from sqlite_utils import Database

from bot.logs_access import log_database, settings_of
from bot.logs_render import clean
from bot.querylog import QueryLog, retention
from bot.querylog.records import Removed
from retrieval.answer.filters import FilterError, parse_duration

_MENTION = re.compile(r"<@!?([0-9]+)>")
# Discord ids (snowflakes) of accounts made since 2015 have 17 digits or more. A shorter number
# that matches nobody in the log is refused as a mistake ("removed 0" would hide it); one
# that matches (a test log, the command line) is taken.
MIN_SNOWFLAKE_DIGITS = 17
# A Discord id (a snowflake: up to 20 digits), or the whole key ``hashed`` stores (QueryLog.hashed_key).
_USER_ID = re.compile(r"[0-9]{1,20}|h:[0-9a-f]{32}")


def removed_text(removed: Removed, dry_run: bool) -> str:
    verb = "would remove" if dry_run else "removed"
    return f"{verb} {removed.counts()}"


def interactive() -> bool:
    """Whether a person can answer a question here (standard input is a terminal)."""
    return sys.stdin.isatty()


def confirmed(what: str, yes: bool) -> bool:
    """Ask "``what``. Continue?" at a terminal (unless ``yes``); off a terminal (cron, scripts)
    the command line itself is the confirmation, as it always was."""
    if yes or not interactive():
        return True
    return click.confirm(f"{what}. Continue?", default=False, err=True)


def _remove(ctx: click.Context, remove: Callable[[bool], Removed], what: str, dry_run: bool, yes: bool) -> Removed:
    """Count with ``remove(True)``; unless ``dry_run``, confirm (``what`` the removal, after
    "This removes N question(s) and M feedback row(s) ") and remove with ``remove(False)``."""
    removed = remove(True)
    if dry_run:
        return removed
    if removed.total and not confirmed(f"This removes {removed.counts()} {what}", yes):
        click.echo("nothing removed", err=True)
        ctx.exit(1)
    # Also with nothing to remove: it empties the write-ahead log another reader held.
    return remove(False)


def _removal_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation at a terminal.")(func)
    return click.option("--dry-run", is_flag=True, help="Only say what would be removed; change nothing.")(func)


@click.command()
@click.option("--older-than", "older_than", required=True, help="Age to keep, e.g. 90d, 12w, 48h.")
@_removal_options
@click.pass_context
def purge(ctx: click.Context, older_than: str, dry_run: bool, yes: bool) -> None:
    """Delete questions (and their feedback) older than --older-than: the retention policy.

    At a terminal it says what it will remove and asks first (--yes does not ask)."""
    try:
        age = parse_duration(older_than)
    except FilterError as exc:
        raise click.BadParameter(str(exc), param_hint="--older-than") from None
    now = dt.datetime.now(dt.timezone.utc)
    cutoff = retention.retention_cutoff(age, now)
    with log_database(ctx, write=True) as db:
        removed = _remove(
            ctx, lambda dry: retention.purge_older_than(db, age, now, dry_run=dry), f"asked before {cutoff}", dry_run, yes
        )
    click.echo(f"{removed_text(removed, dry_run)} asked before {cutoff}")
    warn_in_wal(ctx, removed)


def user_id_of(text: str) -> str:
    """forget's USER_ID: a Discord user id, also as a pasted mention (``<@id>``), or a whole
    hashed key; anything else is refused, since it would match nobody and remove nothing."""
    value = text.strip()
    if mention := _MENTION.fullmatch(value):
        value = mention.group(1)
    if not _USER_ID.fullmatch(value):
        raise click.BadParameter(
            f"{clean(text)!r} is not a Discord user id: give its digits (in Discord, right-click the user, "
            "Copy User ID) or a whole hashed key as `newsdesk logs recent --json` shows it (h: and 32 hex digits)",
            param_hint="USER_ID",
        )
    return value


@click.command()
@click.argument("user_id")
@_removal_options
@click.pass_context
def forget(ctx: click.Context, user_id: str, dry_run: bool, yes: bool) -> None:
    """Delete everything logged about USER_ID (their questions and feedback), e.g. on request.

    USER_ID: the Discord user id (a pasted mention <@id> is fine), or a whole hashed key.
    At a terminal it says what it will remove and asks first (--yes does not ask)."""
    user_id = user_id_of(user_id)
    settings = settings_of(ctx)
    with log_database(ctx, write=True) as db:
        querylog = QueryLog(db, user_ids=settings.log_user_ids, secret=settings.hash_secret)
        counted = retention.forget_user(db, querylog, user_id, dry_run=True)
        short = user_id.isdigit() and len(user_id) < MIN_SNOWFLAKE_DIGITS
        if short and not counted.total and settings.log_user_ids != "none":
            raise click.BadParameter(
                f"{user_id} cannot be a Discord user id: those have {MIN_SNOWFLAKE_DIGITS} to 20 digits "
                "(in Discord, right-click the user, Copy User ID); nothing was removed",
                param_hint="USER_ID",
            )
        removed = _forget(ctx, db, querylog, user_id, dry_run, yes)
    click.echo(f"{removed_text(removed, dry_run)} for user {clean(user_id)}")
    warn_in_wal(ctx, removed)
    if settings.log_user_ids == "none":
        click.echo(
            "note: NEWSDESK_LOG_USER_IDS=none, so questions logged under that setting cannot be tied to a user "
            "(their votes, and what was logged under plain or hashed, are removed)",
            err=True,
        )


def _forget(ctx: click.Context, db: Database, querylog: QueryLog, user_id: str, dry_run: bool, yes: bool) -> Removed:
    what = f"of user {clean(user_id)}"
    return _remove(ctx, lambda dry: retention.forget_user(db, querylog, user_id, dry_run=dry), what, dry_run, yes)


def warn_in_wal(ctx: click.Context, removed: Removed) -> None:
    """Say so when deleted text is still in the write-ahead log (another reader held it)."""
    if removed.in_wal:
        wal = f"{settings_of(ctx).db_path}-wal"
        click.echo(
            f"warning: removed, but the old text is still in the write-ahead log {wal} until the other "
            "reader (an export, the dashboard, the bot's review) closes; run this command again then to clear it",
            err=True,
        )
