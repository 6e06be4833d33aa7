"""Changes to the archive through the desk: the Library (the one door for them) and the log of
moderators' changes (``/archive add``, ``remove``)."""

from __future__ import annotations

import logging

from bot.archive_setup import library_for
from bot.desk.base import NO_LOG, DeskBase, LogNotOpen
from bot.querylog import QueryLogError
from bot.settings import Settings
from retrieval.library import Library

log = logging.getLogger(__name__)


class ChangesDesk(DeskBase):
    def open_library(self, settings: Settings) -> Library:
        """The door for changes to the archive: the desk's own, else (a desk made without one) one for
        ``settings``' folders, kept from then on, so /archive and the live archive share it."""
        if self.library is None:
            self.library = library_for(settings)
        return self.library

    def record_archive_action(
        self, user_id: int | str | None, action: str, article_id: str, title: str = "", url: str = ""
    ) -> QueryLogError | None:
        """Log a moderator's change to the archive; the error when it could not be logged."""
        if self.querylog is None:
            return LogNotOpen(NO_LOG)
        try:
            self.querylog.record_archive_action(user_id, action, article_id, title, url)
        except QueryLogError as exc:
            log.error("archive change not logged: %s", exc)
            return QueryLogError(str(exc))  # its message; not the traceback's frames
        return None
