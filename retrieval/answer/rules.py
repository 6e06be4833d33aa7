"""Rules that hold an archive weakly: :class:`ArchiveRules`.

The answering rules of an archive are cached per archive in a weak-keyed map
(:func:`retrieval.answer.answerer.answerer_for`): were they to hold the archive itself, the
cache would keep every archive alive. Guarantee: an archive no one holds is freed with its
rules; a rule used after that raises ReferenceError naming the way to ask.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from retrieval.archive import Archive


class ArchiveRules:
    """A base for rules over one archive, which they hold weakly."""

    def __init__(self, archive: Archive) -> None:
        self._archive = weakref.ref(archive)
        self.analyzer = archive.analyzer

    @property
    def archive(self) -> Archive:
        """The archive these rules read (raises ReferenceError once it is freed)."""
        archive = self._archive()
        if archive is None:
            raise ReferenceError(f"the archive of this {type(self).__name__} was freed: ask through ask(archive, ...)")
        return archive
