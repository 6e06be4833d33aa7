"""Meaning-aware second signal: static WordLlama embeddings of passages and questions.

BM25 stays the first-stage ranker; this module gives the cosine similarity between the
question and each of BM25's candidates, so "soldiers" can meet "troops", and
:mod:`retrieval.answer.answerer` fuses it with BM25 to re-rank them.

Guarantees:
- Offline only. The model's weights and tokenizer ship inside the ``wordllama`` wheel and
  are loaded from the installed package folder with downloads disabled; nothing here ever
  opens a network connection. A missing or broken install raises :class:`SemanticUnavailable`.
- Deterministic: the same text always gets the same vector (float32, unit length, or all
  zeros for a text with no tokens), of :data:`DEFAULT_DIM` dimensions (WordLlama is
  Matryoshka-trained, so its first dimensions are a smaller model of their own).
- Bounded: only the first :data:`MAX_EMBED_CHARS` characters of a text are embedded, so
  a batch's padded size never grows with one over-long text.
- Cheap per question: one embedding (tens of microseconds) and a product with the vectors
  of the candidates only (never the whole archive).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.text.analyzer import Analyzer
from retrieval.index.bm25 import BM25Index
from retrieval.index.scoring import Progress

log = logging.getLogger(__name__)

MODEL_CONFIG = "l2_supercat"
# Matryoshka truncation: 64 of the model's 256 dimensions (see benchmarks/RESULTS.md).
DEFAULT_DIM = 64
_BATCH = 256
# The most characters of one text the model sees. The model pads every text of a batch to
# the longest one, so one huge text would cost _BATCH times its own size; passages are cut
# far below this (retrieval.text.passages.MAX_PASSAGE_CHARS), so their vectors are unchanged.
MAX_EMBED_CHARS = 2_000
# The passage vectors' name among the saved index arrays.
VECTORS_KEY = "semantic_vectors"


class SemanticUnavailable(RuntimeError):
    """The embedding model cannot be loaded; the message says how to fix it."""


@functools.lru_cache(maxsize=4)
def _model(dim: int):  # -> wordllama.inference.WordLlamaInference
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        import wordllama
        from wordllama import WordLlama
    except ImportError as exc:
        raise SemanticUnavailable(
            "the wordllama package is not installed: run `pip install -e .` in the newsdesk folder"
        ) from exc
    finally:
        # wordllama.inference calls logging.basicConfig() on import; a library must not
        # configure the application's logging, so undo it.
        root.handlers[:] = handlers
        root.setLevel(level)
    folder = Path(wordllama.__file__).parent
    try:
        return WordLlama.load(
            config=MODEL_CONFIG, cache_dir=folder, trunc_dim=dim if dim < 256 else None, disable_download=True
        )
    except (OSError, ValueError) as exc:
        raise SemanticUnavailable(
            f"the WordLlama model could not be loaded from {folder} ({exc}); reinstall wordllama"
        ) from exc


@dataclass(frozen=True)
class Embedder:
    """Turns texts into unit vectors of ``dim`` dimensions."""

    dim: int = DEFAULT_DIM

    @property
    def name(self) -> str:
        """What the vectors depend on: a saved archive with another name is rebuilt."""
        from importlib.metadata import version

        return f"wordllama-{version('wordllama')}/{MODEL_CONFIG}/{self.dim}"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """A (len(texts), dim) float32 array of unit vectors (zeros for a text without tokens)."""
        model = _model(self.dim)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), _BATCH):
            chunk = [text[:MAX_EMBED_CHARS] for text in texts[start : start + _BATCH]]
            vectors = model.embed(chunk, norm=False, batch_size=_BATCH)
            out[start : start + len(chunk)] = vectors
        return _to_unit_length(out)

    def embed_one(self, text: str) -> np.ndarray:
        """``embed([text])[0]``, the same bits, without the tokenizer's thread pool: a batch
        (even of one) is handed to its worker threads, and waiting for one on a busy machine
        costs more than the embedding (questions are embedded one at a time)."""
        model = _model(self.dim)
        text = text[:MAX_EMBED_CHARS]
        try:
            encoding = model.tokenizer.encode(text, add_special_tokens=False)
            # What the model's own embed does with a batch of one (no padding in it),
            # token ids clamped to its rows in Python (np.clip costs more on a few ids).
            rows = model.embedding.shape[0]
            ids = [min(max(i, 0), rows - 1) for i in encoding.ids]
            tokens = model.embedding[np.array([ids], dtype=np.int32)]
            if all(encoding.attention_mask):
                # The model's average with every token counted: its mask would multiply by 1.
                pooled = tokens.sum(axis=1, dtype=np.float32) / np.float32(max(len(ids), 1))
            else:
                pooled = model.avg_pool(tokens, np.array([encoding.attention_mask], dtype=np.float32))
        except AttributeError:  # a wordllama laid out otherwise: its own batch path
            return self.embed([text])[0]
        return _to_unit_length(np.asarray(pooled, dtype=np.float32))[0]


def _to_unit_length(rows: np.ndarray) -> np.ndarray:
    """``rows`` (float32) scaled to unit length in place (rows of zeros stay zeros)."""
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    np.divide(rows, norms, out=rows, where=norms > 0)
    return rows


def similarities(vectors: np.ndarray, question: np.ndarray, positions: Sequence[int]) -> np.ndarray:
    """Cosine similarity of the question with the passages at ``positions`` (float32)."""
    if not len(positions):
        return np.zeros(0, dtype=np.float32)
    rows = np.asarray(vectors[np.asarray(positions, dtype=np.int64)], dtype=np.float32)
    return rows @ question


class FusedScorer:
    """BM25 first, meaning second: a :class:`~retrieval.index.scoring.Scorer` and
    :class:`~retrieval.index.scoring.MeaningAware`.

    ``search_terms`` and the term statistics are BM25's own (exact rank_bm25 parity);
    :meth:`similarities` gives the candidates' closeness in meaning, which the answering
    rules fuse with BM25 (:func:`retrieval.index.scoring.fuse`). The passage vectors
    (float16: half the file and memory; cosines move by ~1e-3, below any ranking gap)
    are computed when the archive is built and saved with it.
    """

    def __init__(
        self, bm25: BM25Index, vectors: np.ndarray, embedder: Embedder | None = None
    ) -> None:
        self.bm25 = bm25
        self.vectors = vectors
        self.embedder = embedder or Embedder(int(vectors.shape[1]) if vectors.ndim == 2 else DEFAULT_DIM)
        if vectors.ndim != 2 or vectors.shape != (len(bm25), self.embedder.dim):
            raise ValueError(f"passage vectors of shape {vectors.shape} do not fit {len(bm25)} passages")
        _model(self.embedder.dim)  # load the model now (~0.2 s, once per process), not on the first question

    @classmethod
    def build(
        cls, texts: Sequence[str], analyzer: Analyzer, progress: Progress | None = None
    ) -> FusedScorer:
        """The :class:`~retrieval.index.scoring.ScorerFactory` that ``Archive.build(scorer=...)`` takes."""
        bm25 = BM25Index.build(texts, analyzer=analyzer, progress=progress)
        embedder = Embedder()
        return cls(bm25, embedder.embed(texts).astype(np.float16), embedder)

    # -- the Scorer protocol: BM25's --------------------------------------------------

    def __len__(self) -> int:
        return len(self.bm25)

    def search_terms(
        self, terms: Sequence[str], k: int = 10, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        return self.bm25.search_terms(terms, k, allowed)

    def document_frequency(self, term: str) -> int:
        return self.bm25.document_frequency(term)

    def document_frequencies(self) -> np.ndarray:
        return self.bm25.document_frequencies()

    def __getattr__(self, name: str) -> object:
        # Anything else (vocabulary, idf, term_idf, ...) is the first stage's.
        if name == "bm25":  # not set yet (unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.bm25, name)

    # -- meaning -----------------------------------------------------------------------

    def similarities(self, question: str, positions: Sequence[int]) -> np.ndarray:
        """Cosine similarity of ``question`` with the passages at ``positions`` (float32)."""
        return similarities(self.vectors, self.embedder.embed_one(question), positions)

    # -- saving ------------------------------------------------------------------------

    def arrays(self) -> dict[str, np.ndarray]:
        """BM25's arrays plus the passage vectors (what :meth:`from_arrays` reads)."""
        return {**self.bm25.arrays(), VECTORS_KEY: self.vectors}

    @classmethod
    def from_arrays(cls, data: Mapping[str, np.ndarray], analyzer: Analyzer) -> FusedScorer:
        bm25 = BM25Index.from_arrays({k: v for k, v in data.items() if k != VECTORS_KEY}, analyzer=analyzer)
        # Read into memory (13 MB at 100k passages, milliseconds): a mapped file would page-fault
        # on the scattered rows of each question's candidates until all of it had been touched.
        return cls(bm25, np.array(data[VECTORS_KEY]))
