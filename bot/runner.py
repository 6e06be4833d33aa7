"""Start the bot (``newsdesk run`` / ``python -m bot``) or publish its slash commands."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator
from typing import Any, TextIO

import aiohttp
import discord

from bot.client import NewsdeskBot
from bot.desk import Desk, ReaderUnavailable
from bot.settings import Settings, SettingsError
from retrieval.errors import NewsdeskError

log = logging.getLogger(__name__)


class StartupError(NewsdeskError, RuntimeError):
    """The bot cannot start (or go on); the message says what to fix."""


# Discord's gateway close codes after which it must not reconnect, and what to do about each.
FATAL_CLOSES = {
    4004: "Discord rejected DISCORD_TOKEN (4004 authentication failed): copy a fresh token from the "
          "Developer Portal (Bot -> Reset Token) into .env",
    4010: "Discord refused the shard the bot asked for (4010 invalid shard): start it again",
    4011: "Discord requires sharding (4011): the bot is in more servers than one connection may serve; "
          "start it again, and it opens as many connections as Discord recommends then",
    4012: "Discord refused this gateway version (4012 invalid API version): upgrade newsdesk and discord.py",
    4013: "Discord refused the bot's intents (4013 invalid intents): a bug in newsdesk, please report it",
}


def gateway_closed(exc: discord.ConnectionClosed) -> StartupError:
    """One line for a gateway close discord.py does not recover from (the bot then stops)."""
    known = FATAL_CLOSES.get(exc.code)
    if known:
        return StartupError(known)
    reason = f": {exc.reason}" if exc.reason else ""
    return StartupError(f"Discord closed the gateway with code {exc.code}{reason}; the bot stopped (start it again)")


async def run_bot(
    settings: Settings,
    desk: Desk | None = None,
    client_options: Callable[[], dict[str, Any]] | None = None,
) -> None:
    """Log in and serve until stopped. Falls back to slash-only without the content intent.

    ``client_options`` makes extra ``discord.Client`` keyword arguments (e.g. a connector)
    afresh for each attempt, since closing a client closes its connector.
    """
    token = settings.require_token()
    try:
        desk = desk or Desk.from_settings(settings)
    except FileNotFoundError as exc:  # the corpus folder: the message names the setting
        raise StartupError(str(exc)) from None
    except ReaderUnavailable as exc:  # the reader's model: the message says how to reinstall it
        raise StartupError(f"{exc}; or set NEWSDESK_READER=off to answer with BM25 alone") from None
    for message_content in (True, False):
        options = client_options() if client_options else {}
        bot = NewsdeskBot(desk=desk, settings=settings, message_content=message_content, **options)
        try:
            with stop_signals(bot):
                async with bot:
                    await bot.start(token)
            return
        except discord.PrivilegedIntentsRequired:
            if not message_content:
                raise
            log.warning(
                "the Message Content intent is not enabled for this bot in the Discord Developer Portal; "
                "continuing without it: /ask works, mentions only when Discord includes their text"
            )
        except discord.LoginFailure:
            raise StartupError(
                "Discord rejected DISCORD_TOKEN: copy a fresh token from the Developer Portal "
                "(Bot -> Reset Token) into .env"
            ) from None
        except aiohttp.ClientConnectionError as exc:  # at log-in; later drops are retried by discord.py
            raise StartupError(f"cannot reach Discord ({exc}); check this machine's network connection and try again") from None
        except discord.ConnectionClosed as exc:  # 4011 sharding required, 4004, ...: not reconnected
            log.debug("the gateway closed with %s (shard %s)", exc.code, exc.shard_id)
            raise gateway_closed(exc) from None


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextlib.contextmanager
def stop_signals(bot: NewsdeskBot) -> Iterator[None]:
    """While the bot runs, SIGTERM (``docker stop``, ``systemctl stop``) and SIGINT (Ctrl-C) stop
    it gracefully (:meth:`NewsdeskBot.request_stop`); a second one closes it at once.

    Where the loop cannot take signal handlers (Windows), Ctrl-C stops it as before.
    """
    loop = asyncio.get_running_loop()
    installed = []
    for sig in STOP_SIGNALS:
        try:
            loop.add_signal_handler(sig, bot.request_stop, sig.name)
        except (NotImplementedError, RuntimeError):  # not the main thread, or no support
            log.debug("no handler for %s here", sig.name)
            continue
        installed.append(sig)
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


async def sync_commands(
    settings: Settings,
    *,
    globally: bool,
    desk: Desk | None = None,
    client_options: Callable[[], dict[str, Any]] | None = None,
) -> list[str]:
    """Publish the slash commands to NEWSDESK_GUILD_ID or (``globally``) to every server."""
    token = settings.require_token()
    if not globally and not settings.guild_id:
        raise SettingsError("set NEWSDESK_GUILD_ID to sync to one server, or pass --global")
    # Publishing commands needs neither the archive nor the log: the desk never loads them.
    desk = desk or Desk.from_settings(settings, open_log=False, lazy=True)
    options = client_options() if client_options else {}
    bot = NewsdeskBot(
        desk=desk, settings=settings, message_content=False, sync_guild=not globally, warm_up=False, **options
    )
    async with bot:
        try:
            await bot.login(token)  # runs setup_hook: loads cogs, syncs to the guild unless global
            if globally:
                await _clear_guild_copy(bot, settings.guild_id)
                synced = await bot.tree.sync()
            else:
                synced = await bot.tree.fetch_commands(guild=discord.Object(id=settings.guild_id or 0))
        except discord.LoginFailure:
            raise StartupError("Discord rejected DISCORD_TOKEN: copy a fresh token into .env") from None
        except (aiohttp.ClientConnectionError, asyncio.TimeoutError) as exc:
            raise StartupError(f"cannot reach Discord ({exc or type(exc).__name__}); check this machine's network connection and try again") from None
    return [command.name for command in synced]


async def _clear_guild_copy(bot: NewsdeskBot, guild_id: int | None) -> None:
    """Remove the development copy of the commands from NEWSDESK_GUILD_ID.

    That server would otherwise list every command twice: its own copy and the global one.
    """
    if not guild_id:
        return
    guild = discord.Object(id=guild_id)
    bot.tree.clear_commands(guild=guild)
    await bot.tree.sync(guild=guild)
    log.info("removed the guild copy of the commands from server %s (global commands replace it)", guild_id)


PLAIN_LOG_FORMAT = "%(asctime)s %(levelname)-8s %(name)s %(message)s"


def configure_logging(level: str, stream: TextIO | None = None) -> None:
    """discord.py's log handler on stderr; colour only on a terminal (discord.py would also
    colour for Docker, whose logs and journald then keep the escape codes), never with NO_COLOR."""
    stream = stream or sys.stderr
    colour = stream.isatty() and not os.environ.get("NO_COLOR")
    formatter = None if colour else logging.Formatter(PLAIN_LOG_FORMAT, "%Y-%m-%d %H:%M:%S")
    handler = logging.StreamHandler(stream)
    discord.utils.setup_logging(level=getattr(logging, level, logging.INFO), root=True, handler=handler,
                                formatter=formatter or discord.utils.MISSING)


def main_run(settings: Settings) -> None:
    configure_logging(settings.log_level)
    asyncio.run(run_bot(settings))
