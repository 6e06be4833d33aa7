"""BM25 postings: from the term ids of every passage to per-term weights, as rank_bm25 scores.

The index (:mod:`retrieval.index.bm25`) searches these arrays; this module only builds them.
Guarantee: each posting's weight is computed with the same operations on the same operands
as ``rank_bm25.BM25Okapi`` (idf with its epsilon floor), so scores summed from them equal
rank_bm25's bit for bit.
"""

from __future__ import annotations

import logging
import math
from typing import NamedTuple

import numpy as np

log = logging.getLogger(__name__)


class Postings(NamedTuple):
    """Per-term postings in CSR layout: term t's passages are ``doc_ids[indptr[t]:indptr[t+1]]``."""

    idf: np.ndarray  # float64 per term
    indptr: np.ndarray  # int64, one more than terms
    doc_ids: np.ndarray  # int32 per posting, ascending within a term
    weights: np.ndarray  # float64 per posting: the term's BM25 contribution to that passage
    doc_lengths: np.ndarray  # float64 per passage: its number of terms
    tfs: np.ndarray  # int32 per posting: the term's count in that passage (weights again, with other statistics)


def okapi_postings(
    term_ids: np.ndarray, lengths: np.ndarray, n_terms: int, k1: float, b: float, epsilon: float
) -> Postings:
    """Postings of the concatenated term ids of all documents (``lengths`` terms each).

    One function, longer than usual, so that each large temporary is freed (``del``) as soon
    as it is used: splitting it would keep them alive across calls and raise the build's peak
    memory, which the benchmark records.
    """
    n_docs = int(lengths.shape[0])
    stride = max(n_docs, 1)
    # One sort by (term, passage) groups postings by term, passages ascending in each,
    # and its run lengths are the term frequencies. In place, to keep the peak low.
    keys = term_ids.astype(np.int64)
    keys *= stride
    keys += np.repeat(np.arange(n_docs, dtype=np.int32), lengths)
    keys.sort()
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1]))) if keys.size else keys
    tf = np.diff(np.append(starts, keys.size))
    keys = keys[starts]
    del starts
    term_of_posting = keys // stride
    keys -= term_of_posting * stride
    doc_ids = keys.astype(np.int32)
    del keys
    df = np.bincount(term_of_posting, minlength=n_terms).astype(np.int64)
    indptr = np.zeros(n_terms + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])

    doc_lengths = lengths.astype(np.float64)
    idf = okapi_idf(df, n_docs, epsilon)
    norm = okapi_norm(doc_lengths, k1, b)
    tfs = tf.astype(np.int32)
    del tf
    weights = okapi_weights(tfs, norm[doc_ids], idf[term_of_posting], k1)
    del term_of_posting
    return Postings(idf, indptr, doc_ids, weights, doc_lengths, tfs)


def okapi_norm(doc_lengths: np.ndarray, k1: float, b: float, total: float | None = None, n_docs: int | None = None) -> np.ndarray:
    """Each passage's length normalisation ``k1 * (1 - b + b * dl / avgdl)``, as rank_bm25 computes it.

    ``total`` and ``n_docs`` give the average length when not all of ``doc_lengths`` count
    (a segmented index with removed passages); lengths are whole numbers, so their float sum
    is exact in any order.
    """
    total = float(doc_lengths.sum()) if total is None else total
    n_docs = int(doc_lengths.shape[0]) if n_docs is None else n_docs
    avgdl = total / n_docs if n_docs else 0.0
    if avgdl > 0:
        return k1 * (1 - b + b * doc_lengths / avgdl)
    return np.full(doc_lengths.shape[0], k1, dtype=np.float64)  # every document empty: nothing matches


def okapi_weights(tfs: np.ndarray, norms: np.ndarray, idfs: np.ndarray, k1: float) -> np.ndarray:
    """Postings' contributions ``idf * (tf * (k1 + 1) / (tf + norm))``, as rank_bm25 computes them.

    ``norms`` (each posting's passage norm, a fresh array such as ``norm[doc_ids]``) is
    overwritten: in place keeps the build's peak low. The same operations on the same
    operands (+ and * commute exactly), so the same bits whoever calls it.
    """
    weights = tfs.astype(np.float64)
    norms += weights
    weights *= k1 + 1
    weights /= norms
    weights *= idfs
    return weights


def okapi_idf(df: np.ndarray, n_docs: int, epsilon: float) -> np.ndarray:
    """rank_bm25's idf: log((N - n + .5) / (n + .5)), negatives floored to eps * mean idf."""
    if df.size == 0:
        return np.zeros(0, dtype=np.float64)
    # math.log per term reproduces rank_bm25's float results bit for bit; the plain sum in
    # vocabulary order does too.
    log_ = math.log
    idf = np.fromiter(
        (log_(n_docs - n + 0.5) - log_(n + 0.5) for n in df.tolist()), dtype=np.float64, count=df.size
    )
    average = float(sum(idf.tolist())) / df.size
    idf[idf < 0] = epsilon * average
    return idf

