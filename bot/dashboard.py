"""``newsdesk dashboard``: the query log in a browser, through Datasette (an optional extra).

Datasette opens the log read-only (``mode=ro``), so the bot keeps writing while moderators
browse. Not ``-i`` (immutable): that skips the WAL file, where the newest questions are
until SQLite checkpoints them. Datasette has no login of its own, hence the localhost
default and the warning on start.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import click

from bot.querylog import QueryLogError, open_reader
from bot.querylog.queries import CANNED_QUERIES

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install -e '.[dashboard]'"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# Registers the log's SQL functions on Datasette's connections (the canned queries use them).
PLUGINS_DIR = Path(__file__).resolve().parent / "querylog" / "datasette_plugins"

def database_name(db_path: Path) -> str:
    """The name Datasette gives the database (its URL path): the file name without suffix."""
    return db_path.stem


def build_metadata(name: str) -> dict[str, Any]:
    """Datasette metadata for the log database called ``name``: titles and canned queries."""
    return {
        "title": "newsdesk query log",
        "description": "Questions asked of the news archive. Read-only. Datasette has no login: "
        "anyone who can reach this address can read the log.",
        "databases": {
            name: {
                "tables": {
                    "_migrations": {"hidden": True},
                    "queries": {"sort_desc": "asked_at", "label_column": "question"},
                    "feedback": {"sort_desc": "given_at"},
                },
                "queries": {
                    key: {"title": title, "description": description, "sql": sql}
                    for key, (title, description, sql) in CANNED_QUERIES.items()
                },
            }
        },
    }


def datasette_command(db_path: Path, metadata_path: Path, host: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        str(db_path),
        "--metadata",
        str(metadata_path),
        "--plugins-dir",
        str(PLUGINS_DIR),
        "--host",
        host,
        "--port",
        str(port),
    ]


def start_warning(host: str, port: int) -> str:
    where = f"http://{host}:{port}/" if ":" not in host else f"http://[{host}]:{port}/"
    text = f"Serving the query log read-only at {where}\nwarning: Datasette has no login of its own"
    if host not in LOOPBACK:
        return text + (
            f": --host {host} exposes the whole query log to everyone who can reach this machine. "
            "Put it behind an authenticating proxy or use the default 127.0.0.1."
        )
    return text + "; it is bound to this machine only (127.0.0.1). Do not expose it without an authenticating proxy."


def _settings_db(ctx: click.Context) -> Path:
    from bot.logs_cli import settings_of

    return settings_of(ctx).db_path


def _wait(process: subprocess.Popen[bytes]) -> int:
    """Wait for Datasette, passing SIGTERM on so a stopped dashboard leaves no server behind."""
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda signum, frame: process.terminate())
    try:
        code = process.wait()
    except KeyboardInterrupt:
        # Ctrl-C reached Datasette too (same process group); let it finish shutting down.
        process.wait()
        return 0
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0 if code in (-signal.SIGTERM, -signal.SIGINT) else code


@click.command("dashboard")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; keep it local.")
@click.option("--port", type=click.IntRange(1, 65535), default=8001, show_default=True)
@click.option("--print-metadata", is_flag=True, help="Print the Datasette metadata (canned queries) and exit.")
@click.pass_context
def dashboard(ctx: click.Context, host: str, port: int, print_metadata: bool) -> None:
    """Browse the query log in Datasette (read-only; no login: keep it on 127.0.0.1)."""
    db_path = _settings_db(ctx)
    metadata = build_metadata(database_name(db_path))
    if print_metadata:
        click.echo(json.dumps(metadata, indent=2, ensure_ascii=False))
        return
    if importlib.util.find_spec("datasette") is None:
        raise click.ClickException(f"Datasette is not installed: install the dashboard extra with {INSTALL_HINT}")
    try:
        # The same read-only opener as `newsdesk logs`: a missing or unreadable log is one
        # line here, and a log from an older newsdesk is brought up to the current schema.
        open_reader(db_path).close()
    except QueryLogError as exc:
        raise click.ClickException(str(exc)) from None
    with tempfile.TemporaryDirectory(prefix="newsdesk-dashboard-") as folder:
        metadata_path = Path(folder) / "metadata.json"
        metadata_path.write_text(json.dumps(metadata, ensure_ascii=False), encoding="utf-8")
        click.echo(start_warning(host, port), err=True)
        command = datasette_command(db_path.resolve(), metadata_path, host, port)
        log.debug("running %s", command)
        process = subprocess.Popen(command)
        code = _wait(process)
    if code:
        raise click.ClickException(f"Datasette stopped with exit code {code} (see its message above)")


if __name__ == "__main__":  # pragma: no cover - `python -m bot.dashboard` for tests and debugging
    dashboard()
