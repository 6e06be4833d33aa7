"""Settings, read once from the environment (and ``.env``) into a typed, frozen object."""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dotenv import dotenv_values
from dotenv.parser import parse_stream

from retrieval.text.aliases import AliasError, load_aliases
from retrieval.text.analyzer import Analyzer
from retrieval.errors import NewsdeskError

if TYPE_CHECKING:
    from retrieval.ingest.fetch import FetchLimits

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = PROJECT_ROOT / "corpus"
USER_ID_MODES = ("plain", "hashed", "none")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# NEWSDESK_RESULTS goes as far as `newsdesk ask -n` does: more is refused, not quietly cut.
MAX_RESULTS_SETTING = 20
DB_NAME = "newsdesk.db"
_POINTED_OUT: set[Path] = set()  # older logs in a current folder already pointed out


class SettingsError(NewsdeskError, ValueError):
    """A setting with a bad or missing value; the message names the variable and the fix."""


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = BUNDLED_CORPUS
    db_path: Path = Path("newsdesk.db")
    index_path: Path | None = None
    discord_token: str | None = field(default=None, repr=False)
    guild_id: int | None = None
    cooldown_seconds: float = 10.0
    results: int = 3
    # Role ids (or, resolved to ids per server at start-up with a warning, role names).
    moderator_roles: tuple[str, ...] = ()
    # The servers the bot serves (empty: any); it leaves the others.
    guilds: tuple[int, ...] = ()
    # The servers whose moderators may change the archive every server answers from
    # (/archive add and remove). Empty: none; the operator changes it with `newsdesk ingest`.
    archive_guilds: tuple[int, ...] = ()
    log_user_ids: str = "plain"
    hash_secret: str | None = field(default=None, repr=False)
    log_level: str = "INFO"
    contact: str = ""  # a URL or e-mail for the User-Agent of pages newsdesk fetches
    # The reader stage: passage vectors from a contextual model (NEWSDESK_READER=off turns it off).
    semantic: bool = True
    dashboard_password_hash: str | None = field(default=None, repr=False)
    # The live archive: how often the running bot looks for corpus changes (0 = never),
    # and the feeds it polls every feed_minutes.
    watch_seconds: float = 2.0
    feeds: tuple[str, ...] = ()
    feed_minutes: float = 30.0
    # A team's own name-variant groups (NEWSDESK_ALIASES); None: the bundled file.
    aliases_path: Path | None = None
    # Web pages on private/loopback addresses (a team's own intranet news site): refused
    # unless NEWSDESK_FETCH_PRIVATE allows them, for every host (1) or for the host:port pairs
    # it names (a bare host: ports 80 and 443).
    fetch_private: bool = False
    fetch_private_hosts: tuple[str, ...] = ()
    # Seconds one fetch may take in all (connect, headers, body, redirects, robots.txt).
    fetch_deadline: float = 60.0
    # /watch: the most watches a member may keep in one server, and a server in all (stopped
    # ones do not count), and the most articles one watch posts in 24 hours before it is paused.
    watches_per_member: int = 5
    watches_per_server: int = 50
    watch_posts_per_day: int = 10

    def fetch_limits(self) -> FetchLimits:
        """The limits every fetch made for this deployment uses (ingest, feeds, /archive add)."""
        from retrieval.ingest.fetch import FetchLimits  # httpx is loaded only by what fetches

        return FetchLimits(
            deadline=self.fetch_deadline, allow_private=self.fetch_private, private_hosts=self.fetch_private_hosts
        )

    def analyzer(self) -> Analyzer | None:
        """The analyzer every archive load must use (None: the default, bundled aliases).

        One shared analyzer per aliases file, so the bot, ingest and ``ask`` agree on the
        saved index's analyzer settings (and never rebuild it for one another).
        """
        return None if self.aliases_path is None else _analyzer_with(self.aliases_path)

    def require_token(self) -> str:
        if not self.discord_token:
            raise SettingsError(
                "DISCORD_TOKEN is not set: put DISCORD_TOKEN=<your bot token> in .env "
                "(see .env.example) or export it in the environment."
            )
        return self.discord_token


def _number(
    env: Mapping[str, str], name: str, default: Any, kind: type[int] | type[float], minimum: float, maximum: float | None = None
) -> Any:
    """``env[name]`` as ``kind``, at least ``minimum`` (and at most ``maximum``); ``default`` when unset."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        noun = "a whole number" if kind is int else "a number of seconds"
        raise SettingsError(f"{name}={raw!r} is not {noun}") from None
    if maximum is not None and not minimum <= value <= maximum:
        raise SettingsError(f"{name}={raw!r} must be from {minimum} to {maximum}")
    if value < minimum:
        rule = "cannot be negative" if minimum == 0 else f"must be at least {minimum}"
        raise SettingsError(f"{name}={raw!r} {rule}")
    return value


def _int(env: Mapping[str, str], name: str, default: int | None, minimum: int = 0, maximum: int | None = None) -> int | None:
    return _number(env, name, default, int, minimum, maximum)


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    return _number(env, name, default, float, 0.0)


def _switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name}={raw!r} must be on or off (1/0, true/false, yes/no)")


def load_settings(environ: Mapping[str, str] | None = None, dotenv_path: Path | str | None = ".env") -> Settings:
    """Read settings from ``environ`` (default: os.environ) over the values in ``.env``."""
    env: dict[str, str] = {}
    if dotenv_path is not None and Path(dotenv_path).is_file():
        env.update(_dotenv(Path(dotenv_path)))
    env.update(os.environ if environ is None else environ)

    mode = env.get("NEWSDESK_LOG_USER_IDS", "plain").strip().lower() or "plain"
    if mode not in USER_ID_MODES:
        raise SettingsError(f"NEWSDESK_LOG_USER_IDS={mode!r} must be one of: {', '.join(USER_ID_MODES)}")
    secret = env.get("NEWSDESK_HASH_SECRET", "").strip() or None
    if mode == "hashed" and not secret:
        raise SettingsError(
            "NEWSDESK_LOG_USER_IDS=hashed needs NEWSDESK_HASH_SECRET (a long random string) to key the hash"
        )
    roles = tuple(r.strip() for r in env.get("NEWSDESK_MODERATOR_ROLES", "").split(",") if r.strip())
    index = _path(env, "NEWSDESK_INDEX")
    aliases = _path(env, "NEWSDESK_ALIASES")
    if aliases:
        _check_aliases(aliases)
    corpus_dir = _path(env, "NEWSDESK_CORPUS") or BUNDLED_CORPUS
    db_path = _path(env, "NEWSDESK_DB")
    if db_path is None:
        db_path = default_db_path(corpus_dir)
        _point_out_older_log(db_path)
    return Settings(
        corpus_dir=corpus_dir,
        db_path=db_path,
        index_path=index,
        discord_token=env.get("DISCORD_TOKEN", "").strip() or None,
        guild_id=_int(env, "NEWSDESK_GUILD_ID", None, minimum=1),
        cooldown_seconds=_float(env, "NEWSDESK_COOLDOWN_SECONDS", 10.0),
        results=_int(env, "NEWSDESK_RESULTS", 3, minimum=1, maximum=MAX_RESULTS_SETTING) or 3,
        moderator_roles=roles,
        guilds=_ids(env, "NEWSDESK_GUILDS"),
        archive_guilds=_archive_guilds(env),
        log_user_ids=mode,
        hash_secret=secret,
        log_level=_log_level(env),
        contact=env.get("NEWSDESK_CONTACT", "").strip(),
        # NEWSDESK_READER names the reader stage; NEWSDESK_SEMANTIC is its older name.
        semantic=_switch(env, "NEWSDESK_READER", _switch(env, "NEWSDESK_SEMANTIC", True)),
        dashboard_password_hash=env.get("NEWSDESK_DASHBOARD_PASSWORD_HASH", "").strip() or None,
        watch_seconds=_float(env, "NEWSDESK_WATCH_SECONDS", 2.0),
        feeds=_feeds(env),
        feed_minutes=_minutes(env, "NEWSDESK_FEED_MINUTES", 30.0),
        aliases_path=aliases,
        watches_per_member=_int(env, "NEWSDESK_WATCHES_PER_MEMBER", 5, minimum=1) or 5,
        watches_per_server=_int(env, "NEWSDESK_WATCHES_PER_SERVER", 50, minimum=1) or 50,
        watch_posts_per_day=_int(env, "NEWSDESK_WATCH_POSTS_PER_DAY", 10, minimum=1) or 10,
        **_fetch_private(env),
        fetch_deadline=_number(env, "NEWSDESK_FETCH_DEADLINE", 60.0, float, 1.0, 600.0),
    )


def default_db_path(corpus_dir: Path) -> Path:
    """The query log when NEWSDESK_DB is not set: ``newsdesk.db`` beside the corpus folder
    (the checkout's own folder for the bundled corpus), so every command and the bot find the
    same log wherever they are started from."""
    return corpus_dir.absolute().parent / DB_NAME


def _point_out_older_log(db_path: Path) -> None:
    """One warning when the current folder holds a ``newsdesk.db`` that is not the log: what
    newsdesk used before the log had a place of its own."""
    here = Path(DB_NAME).absolute()
    try:
        other = here.is_file() and here.resolve() != db_path.resolve()
    except OSError:
        return
    if other and here not in _POINTED_OUT:
        _POINTED_OUT.add(here)
        log.warning(
            "the query log is %s (beside the corpus); %s here is an older one: move it there "
            "(mv %s %s) or keep it with NEWSDESK_DB=%s", db_path, DB_NAME, here, db_path, here,
        )


def _path(env: Mapping[str, str], name: str) -> Path | None:
    """``env[name]`` as a path, ``~`` expanded (a .env file is not read by a shell); None if unset."""
    raw = env.get(name, "").strip()
    return Path(raw).expanduser() if raw else None


def _log_level(env: Mapping[str, str]) -> str:
    """NEWSDESK_LOG_LEVEL, upper case; a typo would otherwise log at INFO without a word."""
    raw = env.get("NEWSDESK_LOG_LEVEL", "").strip()
    level = raw.upper() or "INFO"
    if level not in LOG_LEVELS:
        raise SettingsError(f"NEWSDESK_LOG_LEVEL={raw!r} must be one of: {', '.join(LOG_LEVELS)}")
    return level


def _dotenv(path: Path) -> dict[str, str]:
    """The values set in the ``.env`` file at ``path``.

    Raises SettingsError for a file that cannot be read or is not UTF-8, and for a line that
    is not ``NAME=value``: python-dotenv would skip it with a warning, and the setting on it
    (a token, a folder) would silently take its default.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark, as Notepad saves, is fine
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{path}: not UTF-8 text (byte {exc.start + 1}); save it as UTF-8") from None
    except OSError as exc:
        raise SettingsError(f"{path}: cannot be read ({exc.strerror}); fix its permissions or remove it") from None
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            # The line itself is not repeated: it may hold a secret.
            raise SettingsError(
                f"{path} line {binding.original.line} is not NAME=value; fix it or start it with # (see .env.example)"
            )
    return {k: v for k, v in dotenv_values(stream=io.StringIO(text)).items() if v is not None}


def _check_aliases(path: Path) -> None:
    try:
        load_aliases(path)
    except AliasError as exc:
        raise SettingsError(f"NEWSDESK_ALIASES: {exc}") from None


@lru_cache(maxsize=4)
def _analyzer_with(path: Path) -> Analyzer:
    return Analyzer(aliases=load_aliases(path))


def _minutes(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number of minutes") from None
    if value < 1:
        raise SettingsError(f"{name}={raw!r} must be at least 1 (minute): feeds are not polled more often")
    return value


def _ids(env: Mapping[str, str], name: str) -> tuple[int, ...]:
    """A list of Discord ids (snowflakes), separated by commas or spaces."""
    raw = env.get(name, "").replace(",", " ").split()
    bad = [item for item in raw if not item.isdigit() or int(item) < 1]
    if bad:
        raise SettingsError(f"{name}: {bad[0]!r} is not a server id (a number: right-click the server, Copy Server ID)")
    return tuple(dict.fromkeys(int(item) for item in raw))


def _archive_guilds(env: Mapping[str, str]) -> tuple[int, ...]:
    """NEWSDESK_ARCHIVE_GUILDS: servers the bot serves (a server it leaves could never use them)."""
    archive_guilds, served = _ids(env, "NEWSDESK_ARCHIVE_GUILDS"), _ids(env, "NEWSDESK_GUILDS")
    outside = [guild for guild in archive_guilds if served and guild not in served]
    if outside:
        raise SettingsError(
            f"NEWSDESK_ARCHIVE_GUILDS: server {outside[0]} is not in NEWSDESK_GUILDS (the bot leaves it); add it there too"
        )
    return archive_guilds


def _fetch_private(env: Mapping[str, str]) -> dict[str, Any]:
    """NEWSDESK_FETCH_PRIVATE: on (1/true/yes/on) for every host and port, off, or the
    ``host:port`` pairs allowed (a bare host: its web ports 80 and 443, never every port)."""
    from retrieval.ingest.web_address import host_and_port

    raw = env.get("NEWSDESK_FETCH_PRIVATE", "").strip()
    if raw.lower() in ("", "0", "false", "no", "off"):
        return {}
    if raw.lower() in ("1", "true", "yes", "on"):
        return {"fetch_private": True}
    pairs: list[str] = []
    for entry in raw.replace(",", " ").split():
        fix = "give 1 (every host) or host:port pairs like news.intranet.example:8080"
        if "/" in entry or "@" in entry:  # a URL
            raise SettingsError(f"NEWSDESK_FETCH_PRIVATE: {entry.lower()!r} is not a host or host:port; {fix}")
        try:
            host, port = host_and_port(entry)
        except ValueError as exc:
            raise SettingsError(f"NEWSDESK_FETCH_PRIVATE: {exc}; {fix}") from None
        shown = f"[{host}]" if ":" in host and port is not None else host
        pairs.append(shown if port is None else f"{shown}:{port}")
    return {"fetch_private_hosts": tuple(pairs)}


def _feeds(env: Mapping[str, str]) -> tuple[str, ...]:
    urls = tuple(env.get("NEWSDESK_FEEDS", "").replace(",", " ").split())
    bad = [url for url in urls if not url.lower().startswith(("http://", "https://"))]
    if bad:
        raise SettingsError(f"NEWSDESK_FEEDS: {bad[0]!r} is not a web address (http:// or https://)")
    return urls
