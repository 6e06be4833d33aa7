"""``newsdesk dashboard``: the query log in a browser, through Datasette (an optional extra).

Guarantees:
- Datasette opens the log read-only (``mode=ro``), so the bot keeps writing while moderators
  browse. Not ``-i`` (immutable): that skips the WAL file, where the newest questions are
  until SQLite checkpoints them.
- The home page shows the stats chart, drawn from the log on each visit, and links to the
  canned queries (:mod:`bot.dashboard_site`); nothing is loaded from another host.
- With a password hash (``--password-hash`` or ``NEWSDESK_DASHBOARD_PASSWORD_HASH``, made by
  ``newsdesk dashboard hash-password``) every page needs a login (user ``moderator``; the
  login is :mod:`bot.dashboard_auth`: throttled, hashed off the event loop, an HttpOnly
  expiring cookie), and the dashboard may bind beyond this machine. Without one it binds
  to a loopback address only and refuses any other, saying how to set a password, and
  prints a one-time link (a random token, as Datasette's ``--root`` does): only the browser
  that opens it is logged in, so another user of this machine cannot read the log.
- The hash and the token reach Datasette through its environment (readable by this user
  alone), never through a file or the command line.
- Requests for another host name are refused (DNS rebinding), CSV downloads carry the
  formula guard, a query's memory and time are capped, and Datasette stops when this
  command dies: see :mod:`bot.querylog.datasette_plugins.newsdesk_guard`.
- With ``--guild ID`` Datasette serves a private copy of the log holding only that server's
  questions and the votes on them, refreshed every ``--refresh`` seconds (default 30) while
  the dashboard runs, so no page, table or SQL can reach another server's rows: see
  :mod:`bot.dashboard_guild`.
"""

from __future__ import annotations

import contextlib
import importlib.util
import ipaddress
import json
import logging
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import click

from bot.dashboard_gate import new_token
from bot.dashboard_guild import COPY_PREFIX, DEFAULT_REFRESH_SECONDS, mark_owner, remove_stale_copies, served_copy
from bot.logs_access import settings_of
from bot.cli_errors import OneLineErrors
from bot.querylog import open_reader
from bot.querylog.canned import UnknownZone, canned_queries, check_zone, local_zone

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install -e '.[dashboard]'"
USER = "moderator"
HASH_ENV = "NEWSDESK_DASHBOARD_PASSWORD_HASH"
TOKEN_ENV = "NEWSDESK_DASHBOARD_TOKEN"  # the one-time link's token (read by bot.dashboard_auth)
TOKEN_PATH = "/-/auth-token"
PARENT_ENV = "NEWSDESK_DASHBOARD_PARENT"  # read by the guard plugin's watchdog
SQL_TIME_LIMIT_MS = 1000  # Datasette's default, set here so it stays
WILDCARD_HOSTS = ("0.0.0.0", "::", "[::]")
MIN_PASSWORD_CHARS = 10
# Registers the log's SQL functions on Datasette's connections (the canned queries use them).
PLUGINS_DIR = Path(__file__).resolve().parent / "querylog" / "datasette_plugins"
# Templates over Datasette's own (a canned page's tab title without its SQL).
TEMPLATES_DIR = Path(__file__).resolve().parent / "dashboard_templates"
# datasette-auth-passwords' format: algorithm$iterations$salt$base64(hash)
_HASH_RE = re.compile(r"^pbkdf2_sha256\$[1-9][0-9]*\$[^$\s]+\$[A-Za-z0-9+/]+={0,2}$")


def database_name(db_path: Path) -> str:
    """The name Datasette gives the database (its URL path): the file name without suffix."""
    return db_path.stem


def build_metadata(
    name: str,
    *,
    login: bool = False,
    link: bool = False,
    host: str = "127.0.0.1",
    allow_hosts: tuple[str, ...] = (),
    guild: int | None = None,
    refresh: float = DEFAULT_REFRESH_SECONDS,
    zone: str = "UTC",
) -> dict[str, Any]:
    """Datasette metadata for the log database ``name``: titles, canned queries, the host
    names it answers to and, with ``login``, the moderator account (its hash read from
    ``HASH_ENV``); with ``login`` or ``link`` (the one-time link) the rule that only that
    account may see anything."""
    access = f"Log in as {USER} to read it." if login else "Opened with the one-time link printed at start-up."
    if not (login or link):
        access = "No login: only this machine can reach it."
    scope = f" Only server {guild}'s questions, brought up to date every {refresh:g} s." if guild else ""
    wildcard = host in WILDCARD_HOSTS
    metadata: dict[str, Any] = {
        "title": "newsdesk query log",
        "description": f"Questions asked of the news archive. Read-only. {access}{scope}",
        "plugins": {
            "newsdesk": {
                "database": name,
                "hosts": [*([] if wildcard else [host]), *allow_hosts],
                "any_address": wildcard,
                "timezone": zone,
            }
        },
        "databases": {
            name: {
                "tables": {
                    "_migrations": {"hidden": True},
                    "queries": {"sort_desc": "asked_at", "label_column": "question"},
                    "feedback": {"sort_desc": "given_at"},
                },
                "queries": {
                    # The SQL is one click away ("show"), not above every result.
                    key: {"title": title, "description": description, "sql": sql, "hide_sql": True}
                    for key, (title, description, sql) in canned_queries(zone).items()
                },
            }
        },
    }
    if login or link:
        metadata["allow"] = {"id": USER}
    if login:
        metadata["plugins"]["datasette-auth-passwords"] = {f"{USER}_password_hash": {"$env": HASH_ENV}}
    return metadata


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_password_hash(value: str, source: str) -> str:
    """``value`` if it is a hash from ``newsdesk dashboard hash-password``; else BadParameter."""
    text = value.strip()
    if not _HASH_RE.match(text):
        raise click.BadParameter(
            f"{source} is not a password hash from `newsdesk dashboard hash-password` "
            "(pbkdf2_sha256$<iterations>$<salt>$<hash>); on a command line or in .env, put it in "
            "single quotes so the $ signs are kept"
        )
    return text


def exposure_refused(host: str) -> str:
    return (
        f"--host {host} would let everyone who can reach this machine read the whole query log, and no "
        f"dashboard password is set. Run `newsdesk dashboard hash-password`, then set {HASH_ENV}='<hash>' "
        "(in .env or the environment) or pass --password-hash '<hash>'. Or keep the default 127.0.0.1 "
        "and reach it through an SSH tunnel."
    )


def datasette_command(db_path: Path, metadata_path: Path, host: str, port: int) -> list[str]:
    """Datasette's ``serve`` with the dashboard's pages registered (see bot.dashboard_site)."""
    return [
        sys.executable,
        "-m",
        "bot.dashboard_site",
        "serve",
        str(db_path),
        "--metadata",
        str(metadata_path),
        "--plugins-dir",
        str(PLUGINS_DIR),
        "--template-dir",
        str(TEMPLATES_DIR),
        "--host",
        host,
        "--port",
        str(port),
        "--setting",
        "sql_time_limit_ms",
        str(SQL_TIME_LIMIT_MS),
    ]


def start_message(host: str, port: int, login: bool, token: str | None = None) -> str:
    where = f"http://{host}:{port}/" if ":" not in host else f"http://[{host}]:{port}/"
    text = f"Serving the query log read-only at {where}\n"
    if login:
        return text + f"Log in as {USER} with the dashboard password."
    return text + (
        "No dashboard password is set: it is bound to this machine only, and this one-time link logs one browser in "
        f"(keep it to yourself; restart for another):\n{where.rstrip('/')}{TOKEN_PATH}?token={token}\n"
        f"To use a password instead (and to bind beyond this machine): newsdesk dashboard hash-password, then set {HASH_ENV}."
    )


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


@click.group("dashboard", cls=OneLineErrors, invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; beyond 127.0.0.1 needs a password.")
@click.option("--port", type=click.IntRange(1, 65535), default=8001, show_default=True)
@click.option("--password-hash", metavar="HASH", help=f"Require a login (default: ${HASH_ENV}); see hash-password.")
@click.option("--guild", type=click.IntRange(min=1), metavar="ID", help="Serve only this Discord server's questions.")
@click.option(
    "--refresh",
    type=click.FloatRange(min=1),
    metavar="SECONDS",
    help=f"With --guild: how often the copy catches up with the log [default: {DEFAULT_REFRESH_SECONDS}].",
)
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME", help="Another host name browsers use to reach it.")
@click.option(
    "--timezone",
    "zone",
    metavar="ZONE",
    help="Show times in this IANA time zone, e.g. Europe/Berlin [default: this machine's].",
)
@click.option("--print-metadata", is_flag=True, help="Print the Datasette metadata (canned queries) and exit.")
@click.pass_context
def dashboard(
    ctx: click.Context,
    host: str,
    port: int,
    password_hash: str | None,
    guild: int | None,
    refresh: float | None,
    allow_hosts: tuple[str, ...],
    zone: str | None,
    print_metadata: bool,
) -> None:
    """Browse the query log in Datasette: charts, canned queries, tables (read-only).

    Without a password it stays on this machine; with one, moderators log in.
    """
    if ctx.invoked_subcommand is not None:
        return
    settings = settings_of(ctx)
    if password_hash is not None:
        password_hash = check_password_hash(password_hash, "--password-hash")
    elif settings.dashboard_password_hash:
        password_hash = check_password_hash(settings.dashboard_password_hash, HASH_ENV)
    if password_hash is None and not is_loopback(host):
        raise click.UsageError(exposure_refused(host))
    if refresh is not None and guild is None:
        raise click.UsageError("--refresh only applies with --guild: without it the dashboard reads the log itself, always current")
    every = DEFAULT_REFRESH_SECONDS if refresh is None else refresh
    try:
        zone = local_zone() if zone is None else check_zone(zone)
    except UnknownZone as exc:
        raise click.BadParameter(str(exc), param_hint="--timezone") from None
    metadata = build_metadata(
        database_name(settings.db_path),
        login=password_hash is not None,
        link=password_hash is None,
        host=host,
        allow_hosts=allow_hosts,
        guild=guild,
        refresh=every,
        zone=zone,
    )
    if print_metadata:
        click.echo(json.dumps(metadata, indent=2, ensure_ascii=False))
        return
    _check_installed(password_hash is not None)
    # The same read-only opener as `newsdesk logs`: a missing or unreadable log is one
    # line (OneLineErrors), and a log from an older newsdesk is brought up to the current schema.
    open_reader(settings.db_path).close()
    _serve(settings.db_path, metadata, host, port, password_hash, guild, every)


def _check_installed(login: bool) -> None:
    for module, name in (("datasette", "Datasette"), *((("datasette_auth_passwords", "datasette-auth-passwords"),) if login else ())):
        if importlib.util.find_spec(module) is None:
            raise click.ClickException(f"{name} is not installed: install the dashboard extra with {INSTALL_HINT}")


def _parent_death_signal() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: SIGTERM this process when its parent dies (the plugin's watchdog covers others)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _serve(
    db_path: Path,
    metadata: dict[str, Any],
    host: str,
    port: int,
    password_hash: str | None,
    guild: int | None = None,
    refresh: float = DEFAULT_REFRESH_SECONDS,
) -> None:
    env = {key: value for key, value in os.environ.items() if key not in (HASH_ENV, TOKEN_ENV)}
    env[PARENT_ENV] = str(os.getpid())
    token = None
    if password_hash is not None:
        env[HASH_ENV] = password_hash  # read by Datasette through the metadata's {"$env": ...}
    else:
        token = env[TOKEN_ENV] = new_token()  # taken out of Datasette's environment by bot.dashboard_auth
    remove_stale_copies()
    with tempfile.TemporaryDirectory(prefix=COPY_PREFIX) as folder, contextlib.ExitStack() as stack:
        mark_owner(Path(folder))
        metadata_path = Path(folder) / "metadata.json"
        metadata_path.write_text(json.dumps(metadata, ensure_ascii=False), encoding="utf-8")
        # A QueryLogError is one line (OneLineErrors).
        served = stack.enter_context(served_copy(db_path, Path(folder), guild, refresh)) if guild else db_path.resolve()
        click.echo(start_message(host, port, password_hash is not None, token), err=True)
        command = datasette_command(served, metadata_path, host, port)
        log.debug("running %s", command)
        preexec = _parent_death_signal if sys.platform.startswith("linux") else None
        process = subprocess.Popen(command, env=env, preexec_fn=preexec)
        code = _wait(process)
    if code:
        raise click.ClickException(f"Datasette stopped with exit code {code} (see its message above)")


@dashboard.command("hash-password")
@click.option("--stdin", "from_stdin", is_flag=True, help="Read the password from standard input (one line).")
def hash_password(from_stdin: bool) -> None:
    """Print the hash of a new dashboard password, for NEWSDESK_DASHBOARD_PASSWORD_HASH."""
    if importlib.util.find_spec("datasette_auth_passwords") is None:
        raise click.ClickException(f"datasette-auth-passwords is not installed: install the dashboard extra with {INSTALL_HINT}")
    from datasette_auth_passwords.utils import hash_password as make_hash

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Dashboard password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD_CHARS:
        raise click.ClickException(f"the password is too short: use at least {MIN_PASSWORD_CHARS} characters")
    hashed = make_hash(password)
    click.echo(hashed)
    click.echo(f"Set it in .env as {HASH_ENV}='{hashed}' (keep the single quotes), then log in as {USER}.", err=True)


if __name__ == "__main__":  # pragma: no cover - `python -m bot.dashboard` for tests and debugging
    dashboard()
