"""Words first, meaning next: a saved archive whose reader vectors are made in a second step.

Reading every passage for meaning (the reader's vectors) is most of what indexing costs, so
``newsdesk ingest`` saves the archive by its words first (BM25, passages, sentence terms,
spelling: everything but the vectors), marked ``vectors_pending`` with the reader's name, and
then makes the vectors and saves the whole archive again (:mod:`retrieval.store.saved`).

Guarantees:

- A saved archive whose vectors are pending is valid: it loads as the lexical archive and
  answers as with the reader off, until its vectors are made. It is used only while the
  corpus is exactly as it was saved (a change rebuilds it).
- Once made, the vectors are those a one-step build makes (:meth:`FusedScorer.over`, the
  same code), over the same saved passages: the archive answers as a one-step build does.
- Each save is whole (temporary file and rename): a reader sees the lexical archive or the
  complete one. Ctrl-C (or a kill) while the vectors are made leaves the lexical one saved;
  the next load (``newsdesk ask``, the bot's start, the next ingest) makes them.
- One maker at a time per saved archive: :func:`making_vectors` holds an ``fcntl.flock`` on
  a lock file beside it; a second process that finds it held answers by words meanwhile
  rather than make the same vectors on the same cores. The kernel drops the lock when the
  maker ends or dies.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from retrieval.archive import Archive
from retrieval.index.meaning import FusedScorer
from retrieval.index.scoring import Progress
from retrieval.ingest.writer_lock import file_lock

log = logging.getLogger(__name__)

LOCK_SUFFIX = ".vectors-lock"


def lock_path(archive_file: Path) -> Path:
    """The lock file beside the saved archive ``archive_file`` (in the index folder, a cache)."""
    return archive_file.with_name(archive_file.name + LOCK_SUFFIX)


@contextmanager
def making_vectors(archive_file: Path) -> Iterator[bool]:
    """Hold the vector maker's lock for the block without waiting; yields False when another
    process holds it (it is making them). A folder that cannot hold the lock file yields True:
    the vectors are then made here (the archive cannot be saved there either)."""
    with file_lock(lock_path(archive_file), wait=False) as held:
        yield held is not False


def with_vectors(archive: Archive, progress: Progress | None = None) -> Archive:
    """``archive`` (lexical: a plain BM25 index over its passages) with the reader's vectors of
    every passage; ``progress(done, total)`` follows the reading. Its other parts are shared."""
    passages = archive.passages
    index = FusedScorer.over(archive.index, [p.text for p in passages], progress, [p.number for p in passages])
    log.info("read %d of %d passages for meaning", int(index.read.sum()), len(passages))
    return Archive(
        archive.articles,
        archive.passages,
        index,
        analyzer=archive.analyzer,
        errors=archive.errors,
        sentence_terms=archive.sentence_terms,
        spelling_words=archive.spelling_words,
        tables=archive.tables,
    )
