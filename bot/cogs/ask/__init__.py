"""The Ask cog as an extension (``bot.cogs.ask``): /ask, mentions, and the answer buttons.

- ``cog.py``: the slash command, the mention listener, what the buttons do.
- ``views.py``: the persistent buttons (More, 👍, 👎; Previous, Next on private pages).
- ``mentions.py``: which messages ask the bot, and their question as members see it.
- ``places.py``: who asked where (ids with the server's and channel's names, for the log), where a button was pressed.
- ``posting.py``: where and how the bot may answer a mention (its permissions there), and posting it.
- ``replies.py``: which reply answers which mention, so an edit or delete of the question reaches it.
- ``cooldown.py``: one question per member per NEWSDESK_COOLDOWN_SECONDS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.cogs.ask.cog import AskCog
from bot.cogs.ask.views import FeedbackButton, MoreButton, PageButton

if TYPE_CHECKING:
    from bot.client import NewsdeskBot

__all__ = ["AskCog", "FeedbackButton", "MoreButton", "PageButton", "setup"]


async def setup(bot: NewsdeskBot) -> None:
    bot.add_dynamic_items(MoreButton, FeedbackButton, PageButton)
    await bot.add_cog(AskCog(bot))
