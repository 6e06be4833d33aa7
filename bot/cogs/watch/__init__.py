"""The Watch cog as an extension (``bot.cogs.watch``): /watch and the posts of watched questions.

- ``cog.py``: the slash commands and sending the posts (Discord code only).
- ``messages.py``: what the cog says (a post, a pause notice, the list), escaped and within Discord's limits.

What a watch is and when it fires is decided outside Discord: the desk's watch methods
(:mod:`bot.desk.watches`) and :mod:`bot.watch_firing`, the check run when articles arrive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.cogs.watch.cog import WatchCog

if TYPE_CHECKING:
    from bot.client import NewsdeskBot

__all__ = ["WatchCog", "setup"]


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(WatchCog(bot))
