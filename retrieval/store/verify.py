"""Cheap checks that a saved archive's arrays agree with each other, run when it is loaded.

A saved archive is trusted when its fingerprint matches the corpus and the code; these
checks catch what a fingerprint cannot (a file damaged on disk, arrays written by a buggy
build): ids out of range or out of order, NaN or infinite weights, tables of the wrong
length. Each is one vectorised pass over an array, so a load stays in milliseconds.
:func:`check_archive_arrays` raises :class:`InconsistentArchive` naming the first problem;
the store then rebuilds with a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np

log = logging.getLogger(__name__)


class InconsistentArchive(ValueError):
    """Saved arrays that contradict each other; the archive must be rebuilt."""


def _require(ok: bool, problem: str) -> None:
    if not ok:
        raise InconsistentArchive(problem)


def check_csr(indptr: np.ndarray, ids: np.ndarray, limit: int, what: str, *, rising: bool) -> None:
    """``ids[indptr[i]:indptr[i+1]]`` are lists of ids in ``[0, limit)``, rising within a list."""
    _require(indptr.ndim == 1 and indptr.size > 0, f"{what}: no list boundaries")
    _require(int(indptr[0]) == 0 and int(indptr[-1]) == ids.size, f"{what}: boundaries do not span the ids")
    _require(bool(np.all(np.diff(indptr) >= 0)), f"{what}: boundaries go backwards")
    if ids.size == 0:
        return
    _require(int(ids.min()) >= 0 and int(ids.max()) < limit, f"{what}: ids outside 0..{limit - 1}")
    if rising:
        step_up = np.diff(ids) > 0
        starts = indptr[1:-1]
        step_up[starts[(starts > 0) & (starts < ids.size)] - 1] = True  # a new list may start lower
        _require(bool(step_up.all()), f"{what}: ids out of order within a list (shifted ids?)")


def _finite(array: np.ndarray, what: str) -> None:
    _require(bool(np.isfinite(array).all()), f"{what}: NaN or infinite values")


def check_archive_arrays(index: Mapping[str, np.ndarray], sentence_terms: Mapping[str, np.ndarray], passages: int, vocabulary: int) -> None:
    """Check the index (``index_*`` arrays, prefix removed) and sentence terms of ``passages`` passages."""
    check_csr(index["indptr"], index["doc_ids"], passages, "postings", rising=True)
    _require(index["weights"].shape == index["doc_ids"].shape, "postings: weights and ids disagree in length")
    _require(index["tfs"].shape == index["doc_ids"].shape, "postings: term counts and ids disagree in length")
    _require(index["idf"].shape == (vocabulary,), "idf: not one per term")
    _require(index["doc_lengths"].shape == (passages,), "passage lengths: not one per passage")
    for name in ("weights", "idf", "doc_lengths"):
        _finite(index[name], name)
    vectors = index.get("semantic_vectors")
    if vectors is not None:
        units = index.get("semantic_units")
        rows = passages if units is None else units.shape[0]
        _require(vectors.ndim == 2 and vectors.shape[0] == rows, "passage vectors: not one per reading unit")
        _finite(vectors, "passage vectors")
        if units is not None:
            _require(units.ndim == 2 and units.shape[1] == 3, "reading units: not (passage, first, end) rows")
            _require(bool(units.size == 0 or (units[:, 0].min() >= 0 and units[:, 0].max() < passages)),
                     "reading units: passage out of range")
    if sentence_terms:
        check_csr(sentence_terms["indptr"], sentence_terms["ids"], vocabulary, "sentence terms", rising=False)
