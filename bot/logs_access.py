"""How the log's command-line commands (``newsdesk logs``, ``dashboard``, ``ingest``) reach the
settings and the query log.

Guarantees: a command run on its own (not under ``newsdesk``) loads the settings itself; a
log that is missing, unreadable or from a newer newsdesk is one line (``OneLineErrors``);
a reading command sees one snapshot of the log; a writing one never creates a log.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

import click
from sqlite_utils import Database

from bot.querylog import open_database, open_reader
from bot.querylog.queries import ReviewError
from bot.querylog.schema import problem_message
from bot.settings import Settings, load_settings


def settings_of(ctx: click.Context) -> Settings:
    """The Settings loaded by ``newsdesk``; loaded here when the group runs on its own."""
    settings = ctx.find_object(Settings)
    if settings is None:
        settings = load_settings()  # a SettingsError is one line (OneLineErrors)
        ctx.obj = settings
    return settings


@contextlib.contextmanager
def log_database(ctx: click.Context, *, write: bool = False) -> Iterator[Database]:
    """Open NEWSDESK_DB (read-only unless ``write``), turning failures into one-line errors."""
    path = settings_of(ctx).db_path
    # Writers must not create a log either: purging a log that is not there is a mistake.
    # A QueryLogError is one line (OneLineErrors).
    db = open_database(path) if write and path.is_file() else open_reader(path)
    try:
        if not write:  # one snapshot: what one command reads apart (stats, its chart) adds up
            db.conn.execute("BEGIN")
        yield db
    except sqlite3.Error as exc:
        raise click.ClickException(problem_message(exc, path)) from None
    except ReviewError as exc:
        raise click.UsageError(str(exc)) from None
    finally:
        db.close()
