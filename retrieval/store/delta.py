"""A saved archive whose corpus changed a little: the saved base plus the changed files as a delta.

Rebuilding a large archive for one new article costs seconds per 10,000 passages; applying
the changed corpus files as a delta segment (:func:`~retrieval.index.changes.apply_changes`)
costs milliseconds per article. The saved file is the base; the delta is the corpus files
themselves, each written whole and renamed into place by ``ingest``, so nothing is ever
rewritten in place and no second index file has to agree with the first.

Guarantees:

- The changed files are found as the full check finds them (name, size, time; content
  compared when only the time changed; files in error compared by content).
- A delta is used only when the corpus is large enough for a rebuild to be slow
  (:data:`DELTA_MIN_CORPUS_BYTES`) and the changed files are a small share of it
  (:data:`DELTA_MAX_SHARE`); otherwise the archive is rebuilt and saved, which merges the
  deltas into a new base.
- The archive answers as a rebuild would: same articles, same scores (BM25 statistics are
  global), the same files reported as unusable. Passages of the delta come after the
  base's, so ties between equal scores may break in another order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple, Protocol

from retrieval.archive import Archive
from retrieval.corpus import Article, CorpusError, read_article
from retrieval.index.changes import apply_changes

log = logging.getLogger(__name__)

# Below this corpus size a rebuild takes under a second or two: rebuild and save instead.
DELTA_MIN_CORPUS_BYTES = 2_000_000
# A delta larger than this share of the corpus is merged: the archive is rebuilt and saved.
DELTA_MAX_SHARE = 0.05


class FileStat(Protocol):
    name: str
    size: int
    mtime_ns: int


class CorpusDiff(NamedTuple):
    """Corpus files added or changed, and removed, since the archive was saved."""

    changed: tuple[str, ...]
    removed: tuple[str, ...]
    times_changed: bool  # some files have new times but the saved content

    def __bool__(self) -> bool:
        return bool(self.changed or self.removed)


def corpus_diff(
    corpus_dir: Path, saved: dict[str, list], current: Sequence[FileStat], digest: Callable[[Path], str]
) -> CorpusDiff:
    """What changed between the saved corpus fingerprint and the ``current`` files."""
    before = {
        name: (size, mtime, sha)
        for name, size, mtime, sha in zip(saved["names"], saved["sizes"], saved["mtimes"], saved["sha256"])
    }
    changed: list[str] = []
    times_changed = False
    for state in current:
        old = before.pop(state.name, None)
        if old is None or old[0] != state.size:
            changed.append(state.name)
        elif old[1] != state.mtime_ns:
            if old[2] and digest(corpus_dir / state.name) == old[2]:
                times_changed = True
            else:
                changed.append(state.name)
    return CorpusDiff(tuple(changed), tuple(before), times_changed)


def with_changed(diff: CorpusDiff, names: Sequence[str]) -> CorpusDiff:
    """``diff`` with ``names`` counted as changed too."""
    extra = tuple(n for n in names if n not in diff.changed)
    return diff._replace(changed=diff.changed + extra) if extra else diff


def worth_a_delta(diff: CorpusDiff, current: Sequence[FileStat]) -> bool:
    """Whether to apply ``diff`` to the saved archive rather than rebuild it."""
    sizes = {s.name: s.size for s in current}
    total = sum(sizes.values())
    changed = sum(sizes.get(name, 0) for name in diff.changed)
    return total >= DELTA_MIN_CORPUS_BYTES and changed <= DELTA_MAX_SHARE * total


def apply_diff(
    archive: Archive, corpus_dir: Path, diff: CorpusDiff, read: Callable[[Path], Article] = read_article,
    *, words_only: bool = False,
) -> Archive:
    """``archive`` (loaded from the saved base) with the changed corpus files applied
    (``words_only``: their passages not read for meaning, :func:`~retrieval.index.changes.apply_changes`)."""
    names = set(diff.changed) | set(diff.removed)
    files = dict(zip(archive.tables.article_ids, archive.tables.article_files))
    removed = [article_id for article_id, name in files.items() if name in names]
    gone = set(removed)
    owners = {article_id: corpus_dir / name for article_id, name in files.items() if article_id not in gone}
    errors = [e for e in archive.errors if not (e.path.parent == corpus_dir and e.path.name in names)]
    added: list[Article] = []
    for name in sorted(diff.changed):
        path = corpus_dir / name
        try:
            article = read(path)
        except CorpusError as exc:
            errors.append(exc)
            continue
        other = owners.get(article.id)
        if other is not None:
            errors.append(CorpusError(path, f"duplicate id {article.id!r} (already used by {Path(other).name})"))
            continue
        owners[article.id] = path
        added.append(article)
    errors.sort(key=lambda e: e.path.name)
    log.info("applying %d changed and %d removed corpus files as a delta", len(diff.changed), len(diff.removed))
    return apply_changes(archive, added, removed, errors, words_only=words_only)
