"""The buttons under an answer (More, 👍, 👎) and under its private pages (Previous, Next).

They are persistent ``DynamicItem`` buttons: the custom id carries the logged question's id
(and, for More and the pages, where the page starts), so they keep working after a restart.
Their callbacks hand over to the Ask cog, which acknowledges first, then goes through the desk.
In a server outside ``NEWSDESK_GUILDS`` a press does nothing but answer one private line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any, Protocol

import discord

from bot.checks import NOT_SERVED
from bot.failures import ReportingView

log = logging.getLogger(__name__)

UP, DOWN = "up", "down"
PREVIOUS, NEXT = "prev", "next"


class ButtonActions(Protocol):
    """What a press hands over to: the Ask cog (:class:`bot.cogs.ask.cog.AskCog`), which imports
    this module; described here so that the buttons need not import it back."""

    async def show_more(self, interaction: discord.Interaction, query_id: int, start: int) -> None: ...

    async def turn_page(self, interaction: discord.Interaction, query_id: int, start: int) -> None: ...

    async def record_vote(self, interaction: discord.Interaction, query_id: int, value: int) -> None: ...


def _cog(interaction: discord.Interaction) -> ButtonActions:
    return interaction.client.get_cog("Ask")  # type: ignore[return-value, attr-defined]


class _FromCustomId:
    """Rebuilds a button from its custom id: the template's groups, converted, are its arguments."""

    converters: tuple[Callable[[str], Any], ...] = ()

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> Any:
        return cls(*(convert(value) for convert, value in zip(cls.converters, match.groups())))

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Outside NEWSDESK_GUILDS a press gets one private line and does nothing (runs before the callback)."""
        if getattr(interaction.client, "serves")(interaction.guild_id, f"a button ({interaction.data})"):
            return True
        await interaction.response.send_message(NOT_SERVED, ephemeral=True)
        return False


def _labelled(label: str, custom_id: str, disabled: bool) -> discord.ui.Button:
    return discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, custom_id=custom_id, disabled=disabled)


class MoreButton(
    _FromCustomId, discord.ui.DynamicItem[discord.ui.Button], template=r"nd:more:(?P<query>\d+):(?P<start>\d+)"
):
    """Shows the next excerpts of a logged question (works after a restart, too)."""

    converters = (int, int)  # query id, first excerpt to show

    def __init__(self, query_id: int, start: int, *, disabled: bool = False) -> None:
        super().__init__(_labelled("More", f"nd:more:{query_id}:{start}", disabled))
        self.query_id = query_id
        self.start = start

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        await _cog(interaction).show_more(interaction, self.query_id, self.start)


class FeedbackButton(
    _FromCustomId, discord.ui.DynamicItem[discord.ui.Button], template=r"nd:fb:(?P<query>\d+):(?P<vote>up|down)"
):
    """👍 / 👎 on an answer, recorded against the logged question."""

    converters = (int, str)  # query id, "up" or "down"

    def __init__(self, query_id: int, vote: str) -> None:
        super().__init__(
            discord.ui.Button(
                emoji="\N{THUMBS UP SIGN}" if vote == UP else "\N{THUMBS DOWN SIGN}",
                style=discord.ButtonStyle.secondary,
                custom_id=f"nd:fb:{query_id}:{vote}",
            )
        )
        self.query_id = query_id
        self.vote = vote

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        await _cog(interaction).record_vote(interaction, self.query_id, 1 if self.vote == UP else -1)


class PageButton(
    _FromCustomId,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"nd:page:(?P<query>\d+):(?P<start>\d+):(?P<way>prev|next)",
):
    """Previous / Next on the private excerpt pages: turns the page in place."""

    converters = (int, int, str)  # query id, first excerpt of the page to show, which way

    def __init__(self, query_id: int, start: int, way: str, *, disabled: bool = False) -> None:
        label = "Previous" if way == PREVIOUS else "Next"
        super().__init__(_labelled(label, f"nd:page:{query_id}:{start}:{way}", disabled))
        self.query_id = query_id
        self.start = start

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        await _cog(interaction).turn_page(interaction, self.query_id, self.start)


def pager_view(query_id: int, previous_start: int | None, next_start: int | None) -> ReportingView:
    """Previous / Next under a private page; a way with no page is shown disabled."""
    view = ReportingView(timeout=None)
    view.add_item(PageButton(query_id, previous_start or 0, PREVIOUS, disabled=previous_start is None))
    view.add_item(PageButton(query_id, next_start or 0, NEXT, disabled=next_start is None))
    return view


def answer_view(query_id: int | None, next_start: int | None) -> ReportingView | None:
    """Buttons under an answer; none when the question could not be logged."""
    if query_id is None:
        return None
    view = ReportingView(timeout=None)
    if next_start is not None:
        view.add_item(MoreButton(query_id, next_start))
    view.add_item(FeedbackButton(query_id, UP))
    view.add_item(FeedbackButton(query_id, DOWN))
    return view
