"""Write a file so that readers see the old file or the new one, never half of either.

Every write of a file someone else may read (corpus files, the saved archive, exports) goes
through :func:`atomic_writer`: the data goes to a hidden temporary file in the same folder,
is flushed to disk, and is renamed over the target. A failed write removes the temporary
file and leaves the target as it was. The temporary name starts with a dot and ends in
``.tmp``, so corpus loading never picks it up, and :func:`remove_stale_temporaries` can clean
up after a process that was killed mid-write.

``exclusive=True`` creates a new file and never replaces one: the finished temporary file is
moved with :func:`move_exclusively` (a hard link, then the temporary name unlinked; where
hard links are not supported, an ``O_EXCL`` claim of the name, then a rename), which fails
with ``FileExistsError`` (nothing written) when the target exists, e.g. created by another
process since the name was chosen. :func:`move_exclusively` moves any file that way.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

TEMP_SUFFIX = ".tmp"


@contextlib.contextmanager
def atomic_writer(
    path: Path | str,
    mode: str = "w",
    *,
    encoding: str | None = "utf-8",
    newline: str | None = None,
    private: bool = False,
    exclusive: bool = False,
) -> Iterator[IO]:
    """Yield a file object; on a clean exit its content replaces ``path`` in one rename.

    ``private`` makes the file readable by its owner only (0600), as exports of the log are.
    ``exclusive`` never replaces an existing ``path``: FileExistsError, and nothing is written.
    """
    target = Path(path)
    folder = target.resolve().parent
    binary = "b" in mode
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=folder)
    try:
        if not private:
            os.fchmod(handle, 0o666 & ~_UMASK)
        with os.fdopen(
            handle, mode, encoding=None if binary else encoding, newline=None if binary else newline
        ) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        if exclusive:
            move_exclusively(temp, target)
        else:
            os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def write_text_atomically(path: Path | str, text: str, *, private: bool = False, exclusive: bool = False) -> None:
    with atomic_writer(path, private=private, exclusive=exclusive) as out:
        out.write(text)


def move_exclusively(source: Path | str, target: Path | str) -> None:
    """Rename ``source`` to ``target`` only if no file has that name (``os.replace`` would
    silently replace it).

    The name is taken in one atomic step, so a file that appeared since it was checked is
    never replaced: FileExistsError, and nothing moves; any other failure (OSError) leaves
    ``source`` where it was too.
    """
    try:
        os.link(source, target)  # atomic, and fails if the name is taken
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
        _claim_then_replace(source, target)  # no hard links on this file system
        return
    try:
        os.unlink(source)
    except OSError:  # both names would hold it: take back the new one, so nothing moved
        with contextlib.suppress(OSError):
            os.unlink(target)
        raise


def _claim_then_replace(source: Path | str, target: Path | str) -> None:
    """Claim ``target`` with an empty file (O_EXCL: FileExistsError if taken), then fill it in one rename."""
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        os.replace(source, target)
    except BaseException:  # the claim is ours and empty: give the name back
        with contextlib.suppress(OSError):
            os.unlink(target)
        raise


def remove_stale_temporaries(folder: Path | str, *, older_than: float = 3600.0) -> int:
    """Delete temporaries left by killed writers (older than ``older_than`` seconds)."""
    removed = 0
    cutoff = time.time() - older_than
    with contextlib.suppress(OSError):
        for entry in Path(folder).glob(f".*{TEMP_SUFFIX}"):
            with contextlib.suppress(OSError):
                if entry.is_file() and entry.stat().st_mtime < cutoff:
                    entry.unlink()
                    removed += 1
                    log.info("removed a stale temporary file %s", entry)
    return removed


def _read_umask() -> int:
    # os.umask can only be read by setting it; done once at import, before threads start.
    current = os.umask(0)
    os.umask(current)
    return current


_UMASK = _read_umask()
