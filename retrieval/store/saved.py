"""The saved archive: passages and BM25 index on disk, rebuilt when the corpus changes.

Building the archive means reading every corpus file, cutting passages and analysing every
word; loading a saved one is a plain read of numpy arrays. :func:`load_or_build` loads the
saved archive when it still matches the corpus, and otherwise builds it and saves it.

Where: ``NEWSDESK_INDEX`` (``Settings.index_path``), by default ``<corpus>/.index/``; the
archive is the file ``archive.npz`` in that folder (a path ending in ``.npz`` names the file
itself). The folder is a cache: it is safe to delete, and it is not committed.

What one file holds (an uncompressed ``.npz``, written to a temporary file and renamed, so a
reader never sees half of it): a format version; the fingerprint of the corpus (name, size,
modification time and SHA-256 of each ``*.md`` file) and of the code that turns files into
passages and terms; the malformed corpus files and their problems, so they are still
reported; the articles' metadata and bodies; the passages' sentences and each sentence's term ids;
the archive's words for spelling, with their frequencies; and the index arrays with the
analyzer settings.

When it is rebuilt: when a corpus file is added, removed or changed, when the code that
cuts passages or analyses words changed, when the analyzer settings differ, and when the
file is missing, unreadable or of another format (logged as a warning). A file whose size
and modification time are unchanged is taken as unchanged; one whose time changed (a git
checkout) is compared by content, so touching files costs a hash, not a rebuild.

A failure to save (read-only folder, full disk) is logged and never fatal: the archive built
in memory still answers. A file where the index folder would be (``NEWSDESK_INDEX`` naming a
file) is one warning, neither read nor written.

How an archive is packed into those arrays and read back is :mod:`retrieval.store.layout`;
this module decides when to load, build and save.
"""

from __future__ import annotations

import gc
import json
import logging
import stat
import sys
import zipfile
from pathlib import Path
from typing import Any, NamedTuple

from retrieval.text.analyzer import Analyzer, default_analyzer
from retrieval.archive import Archive
from retrieval.store.arrays import array_text, read_npz, save_npz
from retrieval.store.atomic import remove_stale_temporaries
from retrieval.corpus import check_corpus_folder, load_corpus
from retrieval.ingest.catalog import save_catalog
from retrieval.index.bm25 import BM25Index
from retrieval.index.scoring import Progress, Scorer
from retrieval.index.meaning import FusedScorer, default_embedder
from retrieval.store import fingerprint as _fingerprint
from retrieval.store import vectors as _vectors
from retrieval.store.delta import CorpusDiff, apply_diff, corpus_diff, with_changed, worth_a_delta
from retrieval.store.fingerprint import FileState, changed_error_files, corpus_meta, stat_corpus, with_digests
from retrieval.store.layout import STORE_FORMAT_VERSION, archive_arrays, archive_from, sentence_term_arrays
from retrieval.store.places import ARCHIVE_FILENAME, INDEX_DIRNAME, Places, archive_file, default_index_path
from retrieval.store.verify import InconsistentArchive, check_archive_arrays

log = logging.getLogger(__name__)

# A temporary file untouched this long was left by a killed build (a live one is being written).
STALE_TEMPORARY_SECONDS = 600.0

# What reading a damaged or foreign file can raise (numpy, zipfile, json and our checks).
_UNREADABLE = (OSError, ValueError, KeyError, IndexError, TypeError, EOFError, zipfile.BadZipFile)


__all__ = ["ARCHIVE_FILENAME", "INDEX_DIRNAME", "archive_file", "default_index_path", "load_or_build", "open_saved"]


def code_fingerprint() -> str:
    """Hash of the code that turns corpus files into passages, terms, vectors and this file's layout."""
    return _fingerprint.code_fingerprint(_fingerprint, _vectors, sys.modules[__name__])


# -- building -------------------------------------------------------------------------


class Opened(NamedTuple):
    """An archive and whether the saved index serves it: loaded from it, or written to it now;
    ``vectors_pending`` when it answers by words while its reader vectors are still to be made."""

    archive: Archive
    saved: bool
    vectors_pending: bool = False


class _Loaded(NamedTuple):
    archive: Archive
    digests: list[str] | None  # the saved digests, when only file times changed (worth rewriting)
    pending: str | None  # the reader whose vectors the saved archive still lacks
    corpus: dict[str, list]  # the corpus fingerprint it was saved with


def load_or_build(corpus_dir: Path | str, index_path: Path | str | None = None, **options: Any) -> Archive:
    """The archive of ``corpus_dir``, loaded if current, else built and saved: :func:`open_saved`'s (same options)."""
    return open_saved(corpus_dir, index_path, **options).archive


def open_saved(
    corpus_dir: Path | str,
    index_path: Path | str | None = None,
    *,
    analyzer: Analyzer | None = None,
    progress: Progress | None = None,
    semantic: bool = True,
    merge: bool = False,
    words_first: bool = False,
    vector_progress: Progress | None = None,
) -> Opened:
    """The archive of ``corpus_dir``: loaded from ``index_path`` if current, else built and saved.

    The one way to get the archive of a corpus folder (the CLI, the bot and ``ingest`` all
    use it). ``index_path`` defaults to ``<corpus_dir>/.index``. Raises CorpusFolderError
    (a FileNotFoundError) when the corpus folder is missing, a file or unreadable; problems
    with the saved file only cause a rebuild. ``progress(done, total)`` is called while a rebuild analyses passages.
    ``semantic`` adds passage vectors (meaning re-ranks BM25's candidates); a saved
    archive without them, or with another model's, is rebuilt, and the other way round.
    Corpus files changed since the save are applied as a delta when few in a large corpus
    (:mod:`retrieval.store.delta`); ``merge`` rebuilds and saves instead (a new base).
    ``Opened.saved`` is False when the archive was built but could not be saved (warned).

    ``words_first`` (with ``semantic``): a rebuild saves and returns the archive without its
    reader vectors (``Opened.vectors_pending``; it answers by words); a second call without
    ``words_first`` makes them and saves the whole archive (:mod:`retrieval.store.vectors`),
    as any load of an archive saved so does, ``vector_progress(done, total)`` following, unless
    another process is making them (then it answers by words, ``vectors_pending`` set).
    """
    corpus_dir = Path(corpus_dir)
    check_corpus_folder(corpus_dir)
    analyzer = analyzer or default_analyzer()
    places = Places(corpus_dir, Path(index_path) if index_path is not None else None)
    path = places.archive_file
    states = stat_corpus(corpus_dir)
    code = code_fingerprint()
    model = default_embedder().name if semantic else None
    usable = _index_folder_usable(path.parent)
    loaded = _load_if_current(path, corpus_dir, states, code, analyzer, model, merge) if usable else None
    if loaded is not None:
        corpus = loaded.corpus
        if loaded.digests is not None:
            # Same contents, new times (a checkout): record the times so the next start
            # does not hash the files again. The times are those checked, the digests those
            # the archive was built from, so a file changed since is still seen as changed.
            corpus = corpus_meta([state._replace(sha256=d) for state, d in zip(states, loaded.digests)])
            _save_archive(loaded.archive, path, corpus_dir, corpus, code, loaded.pending)
        if loaded.pending and not words_first:
            return _make_vectors(loaded.archive, path, corpus_dir, corpus, (code, analyzer, model), vector_progress)
        return Opened(loaded.archive, True, loaded.pending is not None)
    first = words_first and model is not None and usable  # vectors in a second step
    return _rebuild(places, states, (code, analyzer, model), progress, usable=usable, words_only=first)


def _rebuild(
    places: Places, states: list[FileState], checks: tuple[str, Analyzer, str | None], progress: Progress | None,
    *, usable: bool, words_only: bool,
) -> Opened:
    """Build the corpus's archive and save it (``words_only``: without the reader's vectors, marked pending)."""
    code, analyzer, model = checks
    corpus_dir = places.corpus_dir
    # Fingerprint first: a file changed while building is then seen as changed next time.
    states = with_digests(corpus_dir, states)
    loaded_corpus = load_corpus(corpus_dir)
    archive = Archive.build(
        loaded_corpus.articles,
        errors=loaded_corpus.errors,
        analyzer=analyzer,
        progress=progress,
        **({"scorer": FusedScorer.build} if model is not None and not words_only else {}),
    )
    pending = model if words_only else None
    saved = usable and _save_archive(archive, places.archive_file, corpus_dir, corpus_meta(states), code, pending)
    if saved and places.index_is_the_corpus_cache:
        # Ingest's view of the corpus (kept in the corpus's own .index), while the articles
        # are at hand: the next ingest need not read them again.
        save_catalog(corpus_dir, loaded_corpus.articles, ((s.name, s.size, s.mtime_ns) for s in states))
    return Opened(archive, saved, words_only)


def _make_vectors(
    archive: Archive, path: Path, corpus_dir: Path, corpus: dict[str, list],
    checks: tuple[str, Analyzer, str | None], progress: Progress | None,
) -> Opened:
    """The lexical ``archive`` saved at ``path`` with its reader vectors, made and saved now;
    itself (``vectors_pending``) when another process is making them."""
    code, analyzer, model = checks
    with _vectors.making_vectors(path) as ours:
        if not ours:
            log.info("passage vectors of %s are being made by another process; answering by words meanwhile", path)
            return Opened(archive, True, True)
        # Another process may have made them while this one waited to load: read them then.
        again = _load_if_current(path, corpus_dir, stat_corpus(corpus_dir), code, analyzer, model)
        if again is not None and again.pending is None:
            return Opened(again.archive, True)
        whole = _vectors.with_vectors(archive, progress)
        if _saved_corpus(path) != corpus:  # replaced meanwhile (the corpus changed): keep that one
            return Opened(whole, False)
        return Opened(whole, _save_archive(whole, path, corpus_dir, corpus, code))


def _saved_corpus(path: Path) -> dict[str, list] | None:
    """The corpus fingerprint the archive saved at ``path`` records (None when unreadable)."""
    try:
        return json.loads(array_text(read_npz(path)["store_meta"]))["corpus"]
    except _UNREADABLE:
        return None


# -- saving and loading ---------------------------------------------------------------


def _index_folder_usable(folder: Path) -> bool:
    """False (and one warning) when a file stands where the index folder, or one above it, would be.

    Reading and saving would each fail on it, and say so in two warnings about the same
    mistake (NEWSDESK_INDEX naming a file); this says it once, and the file is left alone.
    """
    for place in (folder, *folder.parents):
        try:
            kind = place.stat().st_mode
        except (FileNotFoundError, NotADirectoryError):  # not there (or under a file): look above
            continue
        except OSError:  # cannot be looked at (permissions): reading and saving say what they meet
            return True
        if not stat.S_ISDIR(kind):
            log.warning(
                "%s is a file, not a folder, so the index cannot be kept there: answering from memory, "
                "rebuilt every time (set NEWSDESK_INDEX to a folder, or to a path ending in .npz)",
                place,
            )
            return False
        return True  # the nearest folder that exists: the rest can be made
    return True


def _save_archive(
    archive: Archive, path: Path, corpus_dir: Path, corpus: dict[str, list], code: str | None = None,
    vectors_pending: str | None = None,
) -> bool:
    """Write ``archive`` to ``path`` atomically; False (and a warning) if it cannot be saved.
    ``corpus``: its corpus fingerprint; ``vectors_pending``: the reader whose vectors it lacks."""
    try:
        arrays = archive_arrays(archive, corpus_dir, corpus, code or code_fingerprint(), vectors_pending)
    except ValueError as exc:
        log.warning("archive not saved: %s", exc)
        return False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(path.parent, older_than=STALE_TEMPORARY_SECONDS)  # from killed rebuilds
        save_npz(path, arrays)  # readers see the old file or the new one
    except OSError as exc:
        log.warning(
            "could not save the index to %s (%s); answering from memory, it will be rebuilt next time "
            "(set NEWSDESK_INDEX to a folder you can write)",
            path,
            exc,
        )
        return False
    log.info("saved index of %d passages to %s", len(archive.passages), path)
    return True


def _saved_diff(
    path: Path, meta: dict, corpus_dir: Path, states: list[FileState], code: str, model: str | None
) -> CorpusDiff | None:
    """How the corpus changed since the archive ``meta`` describes was saved; None if it is of no use."""
    if meta.get("format") != STORE_FORMAT_VERSION:
        log.warning("saved index %s has format %r, not %d; rebuilding", path, meta.get("format"), STORE_FORMAT_VERSION)
        return None
    if meta.get("code") != code:
        log.info("the indexing code changed since %s was saved; rebuilding", path)
        return None
    pending = meta.get("vectors_pending")
    if meta.get("semantic") != model and not (model is not None and pending == model):
        log.info("%s has passage vectors %r, not %r; rebuilding", path, meta.get("semantic") or pending, model)
        return None
    diff = with_changed(corpus_diff(corpus_dir, meta["corpus"], states, _fingerprint.digest), changed_error_files(corpus_dir, meta))
    if diff and pending:  # its vectors are made for the passages it holds, not a delta's
        log.info("the corpus changed since %s was saved by its words; rebuilding", path)
        return None
    return diff


def pending_delta(corpus_dir: Path | str, index_path: Path | str | None = None, *, semantic: bool = True) -> CorpusDiff | None:
    """The corpus changes the saved archive takes as a delta when it is next loaded, or None.

    None when the next load would rebuild (no saved archive, other code or model, a large
    change): ``load_or_build`` is then worth calling now. Reads the saved file's metadata
    only, so it costs a directory listing, not a load; the analyzer settings are checked
    when the archive is loaded.
    """
    corpus_dir = Path(corpus_dir)
    path = Places(corpus_dir, Path(index_path) if index_path is not None else None).archive_file
    states = stat_corpus(corpus_dir)
    try:
        meta = json.loads(array_text(read_npz(path)["store_meta"]))
        diff = _saved_diff(path, meta, corpus_dir, states, code_fingerprint(), default_embedder().name if semantic else None)
    except _UNREADABLE:
        return None
    return diff if diff is not None and worth_a_delta(diff, states) else None


def vectors_pending(corpus_dir: Path | str, index_path: Path | str | None = None) -> bool:
    """Whether the saved archive was saved by its words only, its reader vectors still to be
    made (the next semantic load makes them). Reads the saved file's metadata only."""
    path = Places(Path(corpus_dir), Path(index_path) if index_path is not None else None).archive_file
    try:
        return bool(json.loads(array_text(read_npz(path)["store_meta"])).get("vectors_pending"))
    except _UNREADABLE:
        return False


def _load_if_current(
    path: Path,
    corpus_dir: Path,
    states: list[FileState],
    code: str,
    analyzer: Analyzer,
    model: str | None,
    merge: bool = False,
) -> _Loaded | None:
    """The archive in ``path`` if it matches the corpus and code, else None (a rebuild is due)."""
    try:
        data = read_npz(path)
        meta = json.loads(array_text(data["store_meta"]))
        diff = _saved_diff(path, meta, corpus_dir, states, code, model)
        if diff is None:
            return None
        if diff and (merge or not worth_a_delta(diff, states)):
            log.info("the corpus changed since %s was saved; rebuilding", path)
            return None
        saved = {name[len("index_") :]: array for name, array in data.items() if name.startswith("index_")}
        index: Scorer = (
            FusedScorer.from_arrays(saved, analyzer)
            if meta.get("semantic")
            else BM25Index.from_arrays(saved, analyzer=analyzer)
        )
        if index.analyzer is not analyzer:
            log.info("analyzer settings differ from %s; rebuilding", path)
            return None
        passages = len(data["sentences_per_passage"])
        check_archive_arrays(saved, sentence_term_arrays(data), passages, len(index.vocabulary))
        # Hundreds of thousands of small objects, none in a cycle: collecting the cyclic
        # garbage meanwhile only re-walks them (a third of the load time).
        paused = gc.isenabled()
        gc.disable()
        try:
            archive = archive_from(meta, data, index, corpus_dir)
            if diff:
                archive = apply_diff(archive, corpus_dir, diff)
        finally:
            if paused:
                gc.enable()
    except FileNotFoundError:
        log.info("no saved index at %s; building it", path)
        return None
    except InconsistentArchive as exc:
        log.warning("saved index %s is inconsistent (%s); rebuilding it", path, exc)
        return None
    except _UNREADABLE as exc:
        log.warning("saved index %s is unreadable (%s: %s); rebuilding", path, type(exc).__name__, exc)
        return None
    log.info("loaded index of %d passages from %s", len(archive.passages), path)
    digests = list(meta["corpus"]["sha256"]) if diff.times_changed and not diff else None
    return _Loaded(archive, digests, meta.get("vectors_pending") if model else None, meta["corpus"])


