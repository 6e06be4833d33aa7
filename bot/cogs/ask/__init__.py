"""The Ask cog as an extension (``bot.cogs.ask``): /ask, mentions, and the answer buttons.

- ``cog.py``: the slash command, the mention listener, what the buttons do.
- ``views.py``: the persistent buttons (More, 👍, 👎).
- ``cooldown.py``: one question per member per NEWSDESK_COOLDOWN_SECONDS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.cogs.ask.cog import AskCog
from bot.cogs.ask.views import FeedbackButton, MoreButton

if TYPE_CHECKING:
    from bot.client import NewsdeskBot

__all__ = ["AskCog", "FeedbackButton", "MoreButton", "setup"]


async def setup(bot: NewsdeskBot) -> None:
    bot.add_dynamic_items(MoreButton, FeedbackButton)
    await bot.add_cog(AskCog(bot))
