"""Fingerprints of a corpus folder and of the indexing code: what decides whether a saved archive is current.

Guarantees: a corpus file is known by name, size, modification time and (when asked) the
SHA-256 of its content; the code fingerprint changes whenever a module that turns corpus
files into passages, terms, vectors or the saved layout changes, so a saved archive made by
other code is rebuilt, never misread.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from types import ModuleType
from typing import NamedTuple

from retrieval import corpus as _corpus_module
from retrieval.corpus import CORPUS_SUFFIX
from retrieval.index import bm25 as _index_module
from retrieval.index import meaning as _semantic_module
from retrieval.index import postings as _postings_module
from retrieval.index import reader as _reader_module
from retrieval.store import arrays as _arrays_module
from retrieval.store import layout as _store_layout_module
from retrieval.store.layout import STORE_FORMAT_VERSION, path_in
from retrieval.text import aliases as _aliases_module
from retrieval.text import analyzer as _analyzer_module
from retrieval.text import lemmas as _lemmas_module
from retrieval.text import normalize as _normalize_module
from retrieval.text import passages as _passages_module
from retrieval.text import sentences as _sentences_module

class FileState(NamedTuple):
    name: str
    size: int
    mtime_ns: int
    sha256: str = ""


def stat_corpus(corpus_dir: Path) -> list[FileState]:
    """Name, size and time of the corpus files (those :func:`corpus_files` lists), by name."""
    states: list[FileState] = []
    # os.scandir: one stat per file and no Path objects (pathlib's glob and sort are slow
    # for tens of thousands of files).
    with os.scandir(corpus_dir) as entries:
        for entry in entries:
            if not entry.name.endswith(CORPUS_SUFFIX):
                continue
            try:
                if not entry.is_file():
                    continue
                stat = entry.stat()
            except OSError:  # vanished since listed: the next check sees it gone
                continue
            states.append(FileState(entry.name, stat.st_size, stat.st_mtime_ns))
    states.sort(key=lambda s: s.name)
    return states


def digest(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return ""  # unreadable: load_corpus reports it; an empty digest never matches a real one


def with_digests(corpus_dir: Path, states: list[FileState]) -> list[FileState]:
    return [FileState(s.name, s.size, s.mtime_ns, digest(corpus_dir / s.name)) for s in states]


def code_fingerprint(*also: ModuleType) -> str:
    """Hash of the code that turns corpus files into passages, terms and the saved layout (and of ``also``)."""
    digest = hashlib.sha256(f"store {STORE_FORMAT_VERSION}".encode())
    modules = (
        _corpus_module,
        _passages_module,
        _analyzer_module,
        _normalize_module,
        _lemmas_module,
        _aliases_module,
        _index_module,
        _postings_module,
        _arrays_module,
        _sentences_module,
        _semantic_module,
        _reader_module,
        _store_layout_module,
        *also,
    )
    for module in modules:
        source = module.__file__
        if source:
            digest.update(Path(source).read_bytes())
    return digest.hexdigest()


def corpus_meta(states: list[FileState]) -> dict[str, list]:
    """The corpus fingerprint as the saved archive records it (read back by :func:`corpus_diff`)."""
    return {
        "names": [s.name for s in states],
        "sizes": [s.size for s in states],
        "mtimes": [s.mtime_ns for s in states],
        "sha256": [s.sha256 for s in states],
    }


def changed_error_files(corpus_dir: Path, meta: dict) -> list[str]:
    """Files that could not be used (unreadable, malformed) and have other content now.

    Their size and time prove nothing: making an unreadable file readable changes neither.
    Only these files are hashed, so a clean corpus costs nothing here.
    """
    saved = dict(zip(meta["corpus"]["names"], meta["corpus"]["sha256"]))
    return [
        name
        for name, _problem in meta["errors"]
        if name in saved and digest(path_in(name, corpus_dir)) != saved[name]
    ]
