"""One writer at a time per corpus folder, across threads and processes.

Two ingests at once (``newsdesk ingest`` beside the bot's feed poll, two ``/archive add`` of
one page, three commands over overlapping folders) must not both decide that an article is
new and write it twice. :func:`corpus_lock` holds an exclusive ``fcntl.flock`` on
``<corpus>/.ingest.lock`` while one page is checked against the corpus and written (and while
an article is taken out); whoever holds it first writes, and the next, once it holds it, first
takes in the files written meanwhile (:meth:`~retrieval.ingest.catalog.CorpusIndex.catch_up`),
so it sees the article as already there.

Guarantees: the lock is per open file, so threads of one process exclude each other as
processes do; it is released when the block ends or the process dies (the kernel drops it),
so a killed ingest never leaves the corpus locked; fetching is done outside it, so a slow site
holds up no other writer. A corpus folder where the lock file cannot be created (read-only)
is written without it: its writes fail anyway, each with its own one-line reason. Not
guaranteed: a corpus on a network file system whose server ignores ``flock`` (some NFS set-ups).
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

LOCK_FILENAME = ".ingest.lock"


def lock_path(corpus_dir: Path) -> Path:
    return Path(corpus_dir) / LOCK_FILENAME


@contextmanager
def corpus_lock(corpus_dir: Path) -> Iterator[bool]:
    """Hold the corpus folder's writer lock for the block (waiting for it if another holds it);
    yields False when the folder cannot hold a lock file (written without one)."""
    with file_lock(lock_path(corpus_dir)) as held:
        yield held is not None


@contextmanager
def file_lock(path: Path, *, wait: bool = True) -> Iterator[bool | None]:
    """Hold an exclusive ``flock`` on ``path`` (made if missing) for the block: yields True;
    False when ``wait`` is off and another holds it; None when no lock file can be made there."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        log.debug("no lock file at %s (%s): going on without one", path, exc)
        yield None
        return
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(handle)  # closing the file releases the lock
