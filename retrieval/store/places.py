"""Where an archive's files live: the one place that says so.

An archive is a corpus folder (the ``*.md`` article files) and an index folder: by default
``<corpus>/.index``, else what ``NEWSDESK_INDEX`` names (a folder, or a path ending in
``.npz`` that names the archive file itself, its folder then being the index folder).

Guarantees: every module that needs one of these paths (the saved archive, the feed state,
the corpus catalog, the commands that name the index folder in messages) asks this module,
so they can never disagree about where the index folder is. Nothing here touches the disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

INDEX_DIRNAME = ".index"
ARCHIVE_FILENAME = "archive.npz"
FEEDS_FILENAME = ".feeds.json"  # in the corpus folder
OLD_FEEDS_FILENAME = "feeds.json"  # in the index folder, where it was kept before


def default_index_path(corpus_dir: Path | str) -> Path:
    """``<corpus>/.index``: the index folder when ``NEWSDESK_INDEX`` is not set."""
    return Path(corpus_dir) / INDEX_DIRNAME


def archive_file(index_path: Path | str) -> Path:
    """The file that holds the archive: ``index_path`` itself if it ends in .npz."""
    path = Path(index_path)
    return path if path.suffix == ".npz" else path / ARCHIVE_FILENAME


@dataclass(frozen=True)
class Places:
    """The paths of one archive; ``index_path`` is the ``NEWSDESK_INDEX`` setting (None: the default)."""

    corpus_dir: Path
    index_path: Path | None = None

    @property
    def index(self) -> Path:
        """The index setting as given (a folder, or an ``.npz`` file), or the default folder."""
        return Path(self.index_path) if self.index_path is not None else default_index_path(self.corpus_dir)

    @property
    def archive_file(self) -> Path:
        return archive_file(self.index)

    @property
    def index_dir(self) -> Path:
        """The folder that holds the saved archive."""
        return self.archive_file.parent

    @property
    def feed_state(self) -> Path:
        """``<corpus>/.feeds.json``: the feed entries already seen. With the corpus, not in the
        index folder, which is a cache anyone may delete (feeds would fetch every entry again)."""
        return self.corpus_dir / FEEDS_FILENAME

    @property
    def old_feed_state(self) -> Path:
        """``feeds.json`` in the index folder: where the feed state was kept before (moved once)."""
        return self.index_dir / OLD_FEEDS_FILENAME

    @property
    def corpus_cache(self) -> Path:
        """``<corpus>/.index``: ingest's catalog of the corpus, kept with the corpus whatever NEWSDESK_INDEX says."""
        return default_index_path(self.corpus_dir)

    @property
    def index_is_the_corpus_cache(self) -> bool:
        """Whether the saved archive sits in the corpus's own ``.index`` (the catalog is saved with it then)."""
        return self.index_dir == self.corpus_cache
