"""Where a button was pressed, and whether a logged question was asked there.

Guarantee: a logged question is reached only from the server and channel it was asked in
(or a thread of that channel), so no server ever pages through, or votes on, another's
question, even when the log has reused its id.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Place:
    """Where a button was pressed: the server (None in a DM) and the channel.

    A logged question is reached only from where it was asked. Log ids are reused once the
    newest question is forgotten, so an old answer's button may carry the id of a question
    asked since in another server or channel.
    """

    guild_id: int | None
    channel_id: int | None
    # In a thread, its channel: a thread started on an answer shows the answer, buttons included.
    parent_id: int | None = None

    def asked_here(self, row: dict) -> bool:
        """``row`` (a logged question) was asked in this server and channel (a DM's channel
        may not be logged: the ``none`` privacy setting drops it)."""
        if row.get("guild_id") != _text(self.guild_id):
            return False
        channel = row.get("channel_id")
        return channel is None or channel in (_text(self.channel_id), _text(self.parent_id))


def _text(value: int | None) -> str | None:
    return None if value is None else str(value)
