"""Which reply answers which question asked by mention, so that the answer follows the question.

Guarantees (see the Ask cog's listeners):
- An edit that changes the question answers it again in the reply already sent, not in a
  second message; an edit that leaves the question as it was (spaces, a link preview Discord
  adds) does nothing, nor does an update whose last edit is minutes old (a pin).
- Deleting the question deletes its answer; a question deleted, or edited again, while it is
  being answered gets no reply for that version.
- The first edit that changes a question (a typo fixed) is answered without a cooldown; every
  later one waits for the member's cooldown like a new question, so editing is no way round it.
- Only the last :data:`MAX_TRACKED` questions are remembered, in memory: after a restart an
  edited question gets a new reply, and a deleted one leaves its answer.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import discord

log = logging.getLogger(__name__)

MAX_TRACKED = 2000


@dataclass
class Tracked:
    """The question a message asks now, and the bot's reply to it once sent."""

    question: str
    reply: discord.Message | None = None
    edits: int = 0  # times the question was changed by an edit


class Replies:
    """The bot's replies to recent questions, by the id of the question's message."""

    def __init__(self, limit: int = MAX_TRACKED) -> None:
        self.limit = limit
        self._tracked: OrderedDict[int, Tracked] = OrderedDict()

    def asks(self, message_id: int, question: str) -> bool:
        """Record that ``message_id`` now asks ``question``; False when it asked just that already."""
        tracked = self._tracked.get(message_id)
        if tracked is not None:
            changed = tracked.question != question
            tracked.question = question
            tracked.edits += changed
            return changed
        self._tracked[message_id] = Tracked(question)
        while len(self._tracked) > self.limit:
            self._tracked.popitem(last=False)
        return True

    def current(self, message_id: int, question: str) -> Tracked | None:
        """Where to put the answer to ``question``: None once the message was deleted or asks something else."""
        tracked = self._tracked.get(message_id)
        return tracked if tracked is not None and tracked.question == question else None

    def __contains__(self, message_id: object) -> bool:
        """``message_id`` asked a question before (an edit of it replaces that question)."""
        return message_id in self._tracked

    def edits(self, message_id: int) -> int:
        """How many times the question of ``message_id`` was changed by an edit."""
        tracked = self._tracked.get(message_id)
        return tracked.edits if tracked is not None else 0

    def withdraw(self, message_id: int) -> discord.Message | None:
        """The question's message was deleted: forget it; its reply (to delete), if one was sent."""
        tracked = self._tracked.pop(message_id, None)
        return tracked.reply if tracked is not None else None


def as_edit(reply: dict[str, Any]) -> dict[str, Any]:
    """A reply's arguments as an edit of the reply already sent: what the new one lacks is cleared."""
    return {
        "content": reply.get("content"),
        "embed": reply.get("embed"),
        "view": reply.get("view"),
        "suppress": reply.get("suppress_embeds", False),
    }
