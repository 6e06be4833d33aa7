"""Moderators' corpus chores: the articles added last, and taking an article out.

Guarantees: nothing is deleted: a removed article's file is moved into ``<corpus>/.removed/``,
which the corpus loader and the live archive never read, so it can be put back by moving it
again; the move never replaces a copy kept there earlier (the name is taken exclusively, the
next free one on a clash: ``<id>.md``, ``<id>.<UTC time>.md``, ``<id>.<UTC time>-2.md`` ...). Errors (no such id, a folder that cannot be written) are
``ArchiveAdminError`` with a one-line message, and leave the article where it was.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path

from retrieval.store.atomic import move_exclusively
from retrieval.corpus import CORPUS_SUFFIX, Article, CorpusError, corpus_files, read_article
from retrieval.errors import NewsdeskError

log = logging.getLogger(__name__)

REMOVED_DIRNAME = ".removed"
# Names tried for one removed file before giving up (copies of it kept in the same second).
_MAX_KEPT_COPIES = 100


class ArchiveAdminError(NewsdeskError, ValueError):
    """A chore that cannot be done; the message says why and what to do."""


def recent_articles(corpus_dir: Path, count: int) -> list[Article]:
    """The ``count`` articles whose files changed last (newest first); unreadable files are passed over."""
    changed = [(when, path) for path in corpus_files(Path(corpus_dir)) if (when := _changed_at(path)) is not None]
    articles: list[Article] = []
    for _, path in sorted(changed, key=lambda pair: pair[0], reverse=True):
        if len(articles) == count:
            break
        try:
            articles.append(read_article(path))
        except CorpusError as exc:
            log.info("recent articles: skipping %s", exc)
    return articles


def _changed_at(path: Path) -> int | None:
    """When the file last changed; None when it went since it was listed (removed meanwhile)."""
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # e.g. an id longer than a file name may be: no such article
        return False


def _file_of(corpus_dir: Path, article_id: str) -> Path:
    direct = corpus_dir / f"{article_id}{CORPUS_SUFFIX}"
    if "/" not in article_id and "\\" not in article_id and _is_file(direct):
        return direct
    for path in corpus_files(corpus_dir):  # a file named otherwise than its id
        try:
            if read_article(path).id == article_id:
                return path
        except CorpusError:
            continue
    raise ArchiveAdminError(f"no article with id {article_id!r} in the corpus (see /archive recent for ids)")


def remove_article(corpus_dir: Path, article_id: str) -> tuple[Article, Path]:
    """Move the article's file into ``<corpus>/.removed/``; return the article and where it went."""
    corpus_dir = Path(corpus_dir)
    path = _file_of(corpus_dir, article_id.strip())
    try:
        article = read_article(path)
    except CorpusError as exc:  # changed or gone since it was found (an ingest, another moderator)
        raise ArchiveAdminError(f"cannot remove {article_id.strip()!r}: {exc}") from None
    folder = corpus_dir / REMOVED_DIRNAME
    try:
        folder.mkdir(exist_ok=True)
        target = _keep_aside(path, folder)
    except OSError as exc:  # nothing moved: the article stays in the archive
        raise ArchiveAdminError(
            f"cannot move {path.name} into {folder} ({exc.strerror or exc}); make the corpus folder writable by the bot"
        ) from None
    log.info("removed %s from the corpus (kept as %s)", article.id, target)
    return article, target


def _keep_aside(path: Path, folder: Path) -> Path:
    """Move ``path`` into ``folder`` under the first free one of its kept names; return where.

    Each name is taken exclusively (:func:`retrieval.store.atomic.move_exclusively`): a copy kept
    there earlier, even one another removal moved there a moment ago, is never replaced.
    """
    for name in _kept_names(path):
        target = folder / name
        try:
            move_exclusively(path, target)
            return target
        except FileExistsError:  # removed before, then added again: keep both
            continue
    raise ArchiveAdminError(
        f"cannot remove {path.stem!r}: {folder} already keeps {_MAX_KEPT_COPIES} copies of it from this second; "
        "try again in a second"
    )


def _kept_names(path: Path) -> Iterator[str]:
    """``<id>.md``, then ``<id>.<UTC time>.md``, then ``<id>.<UTC time>-2.md``, ``-3`` ...: the time
    tells removals apart, the number those within one second."""
    yield path.name
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    yield f"{path.stem}.{stamp}{CORPUS_SUFFIX}"
    for n in range(2, _MAX_KEPT_COPIES):
        yield f"{path.stem}.{stamp}-{n}{CORPUS_SUFFIX}"
