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
- Bounded: only the first :data:`MAX_EMBED_CHARS` characters of a text are embedded, and a
  batch (padded to its longest text) holds at most :data:`BATCH_TOKENS` token places, counted
  as UTF-8 bytes (no token is shorter than a byte), so one over-long text never makes a
  batch large. The contextual reader has bounds of its own (:mod:`retrieval.index.reader`).
- Cheap per question: one embedding (tens of microseconds) and a product with the vectors
  of the candidates only (never the whole archive).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.text.analyzer import Analyzer
from retrieval.index.bm25 import BM25Index
from retrieval.index.reader import DIM as READER_DIM
from retrieval.index.reader import Reader, ReaderUnavailable
from retrieval.index.scoring import Progress, Scorer
from retrieval.index.units import UNIT_CHARS, reading_units, units_to_read  # noqa: F401 (imported from here too)

log = logging.getLogger(__name__)

MODEL_CONFIG = "l2_supercat"
# Matryoshka truncation: 64 of the model's 256 dimensions (see benchmarks/RESULTS.md).
DEFAULT_DIM = 64
_BATCH = 256
# The most characters of one text the model sees. The model pads every text of a batch to
# the longest one, so one huge text would cost _BATCH times its own size; passages are cut
# far below this (retrieval.text.passages.MAX_PASSAGE_CHARS), so their vectors are unchanged.
MAX_EMBED_CHARS = 2_000
# The most token places (texts x the longest text's tokens) of one batch: the model's token
# vectors for a batch take BATCH_TOKENS x dim floats (64 dims: 16 MB).
BATCH_TOKENS = 65_536
# The passage vectors' name among the saved index arrays.
VECTORS_KEY = "semantic_vectors"
# Which passage and characters each vector reads (see FusedScorer).
UNITS_KEY = "semantic_units"


# The reader's failure is this module's failure too (callers catch one name).
SemanticUnavailable = ReaderUnavailable


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
        clipped = [text[:MAX_EMBED_CHARS] for text in texts]
        for start, end in padded_batches([len(t.encode("utf-8", "surrogatepass")) for t in clipped], _BATCH, BATCH_TOKENS):
            out[start:end] = model.embed(clipped[start:end], norm=False, batch_size=end - start)
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


def padded_batches(sizes: Sequence[int], most: int, budget: int) -> Iterator[tuple[int, int]]:
    """(start, end) of consecutive batches of texts of these ``sizes``: at most ``most`` texts, and
    at most ``budget`` once padded to the batch's longest (a batch always holds one text)."""
    start = 0
    while start < len(sizes):
        end, longest = start + 1, sizes[start]
        while end < len(sizes) and end - start < most and max(longest, sizes[end]) * (end - start + 1) <= budget:
            longest, end = max(longest, sizes[end]), end + 1
        yield start, end
        start = end


def default_embedder() -> "Embedder | Reader":
    """The model passage vectors are made with: the contextual reader."""
    return Reader()


def embedder_for(dim: int) -> "Embedder | Reader":
    """The model that made saved vectors of ``dim`` dimensions."""
    return Reader() if dim == READER_DIM else Embedder(dim)


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
    """BM25 first, the reader second: a :class:`~retrieval.index.scoring.Scorer` and
    :class:`~retrieval.index.scoring.MeaningAware`.

    ``search_terms`` and the term statistics are BM25's own (exact rank_bm25 parity). The
    reader reads each passage in *units*: runs of whole sentences of at most
    :data:`UNIT_CHARS` characters (a passage of up to 700 holds one to three), each with a
    vector. A passage is as close to a question as its closest unit, and that unit is where
    its excerpt should be (:meth:`best_unit`). The unit vectors (float16 on disk; float32 in
    memory, for BLAS) are computed when passages are indexed and saved with the archive.
    """

    def __init__(
        self, bm25: BM25Index, vectors: np.ndarray, embedder: Embedder | Reader | None = None,
        units: np.ndarray | None = None,
    ) -> None:
        self.bm25 = bm25
        self.vectors = vectors
        self.embedder = embedder or embedder_for(int(vectors.shape[1]) if vectors.ndim == 2 else DEFAULT_DIM)
        # Per unit: its passage, and its first and end character in the passage's text.
        # Without units (vectors of a whole passage each) every passage is one unit.
        if units is None:
            units = np.stack([np.arange(len(bm25)), np.zeros(len(bm25)), np.full(len(bm25), 1 << 30)], axis=1)
        self.units = np.asarray(units, dtype=np.int64).reshape(-1, 3)
        if vectors.ndim != 2 or vectors.shape != (len(self.units), self.embedder.dim):
            raise ValueError(f"unit vectors of shape {vectors.shape} do not fit {len(self.units)} units")
        passage_of = self.units[:, 0]
        if passage_of.size and (np.any(np.diff(passage_of) < 0) or passage_of[0] < 0 or passage_of[-1] >= len(bm25)):
            raise ValueError("reading units are not in passage order")
        # The passages read for meaning (those with a unit; past an article's first
        # MAX_READ_PASSAGES there are none), and where each one's units start.
        self.read = np.zeros(len(bm25), dtype=bool)
        self.read[passage_of] = True
        self._read_at = np.flatnonzero(self.read)
        self._first_unit = np.searchsorted(passage_of, self._read_at)
        self._matrix = np.asarray(vectors, dtype=np.float32)
        self._asked: tuple[str, np.ndarray, np.ndarray] | None = None
        self.embedder.embed_one("")  # load the model now (once per process), not on the first question

    @classmethod
    def build(
        cls, texts: Sequence[str], analyzer: Analyzer, progress: Progress | None = None,
        numbers: Sequence[int] | None = None,
    ) -> FusedScorer:
        """The :class:`~retrieval.index.scoring.ScorerFactory` that ``Archive.build(scorer=...)`` takes."""
        return cls.over(BM25Index.build(texts, analyzer=analyzer, progress=progress), texts, numbers=numbers)

    @classmethod
    def over(
        cls, bm25: Scorer, texts: Sequence[str], progress: Progress | None = None, numbers: Sequence[int] | None = None
    ) -> FusedScorer:
        """``bm25`` (built over ``texts``) with the reader's vectors of ``texts``: what
        :meth:`build` makes, and what a saved archive whose vectors were left for later gets
        (:mod:`retrieval.store.vectors`), so both answer alike. ``numbers`` (each passage's
        number in its article) leave the passages past an article's first
        :data:`~retrieval.text.passages.MAX_READ_PASSAGES` unread (:func:`units_to_read`).
        ``progress(done, total)`` follows the reading."""
        embedder = default_embedder()
        units, unit_texts = units_to_read(texts, numbers)
        vectors = embedder.embed(unit_texts, progress) if progress is not None else embedder.embed(unit_texts)
        return cls(bm25, vectors.astype(np.float16), embedder, units)  # type: ignore[arg-type]

    def extended(self, grown: Scorer, texts: Sequence[str], numbers: Sequence[int] | None = None) -> FusedScorer:
        """This scorer's vectors and units plus those of ``texts`` (new passages appended after
        the current ones, ``numbers`` as :meth:`over` takes them), over ``grown`` (the index
        that covers them all)."""
        units, unit_texts = units_to_read(texts, numbers, first_passage=len(self.bm25))
        vectors = self.embedder.embed(unit_texts).astype(self.vectors.dtype)
        return FusedScorer(
            grown, np.concatenate((self.vectors, vectors)), self.embedder, np.concatenate((self.units, units))
        )

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

    def unread_passages(self) -> int:
        """How many live passages have no vector (past their article's first passages the reader reads)."""
        removed = getattr(self.bm25, "removed", None)
        return int(np.count_nonzero(~self.read if removed is None else ~self.read & ~removed))

    def _read(self, question: str) -> tuple[np.ndarray, np.ndarray]:
        """Every unit's and every passage's cosine with ``question``; the last question's are
        kept (one answer asks for them several times)."""
        asked = self._asked
        if asked is not None and asked[0] == question:
            return asked[1], asked[2]
        units = self._matrix @ self.embedder.embed_one(question)
        # A passage not read for meaning has no cosine (NaN): the answering rules rank it by its words.
        passages = np.full(len(self.read), np.nan, dtype=np.float32)
        if units.size:
            passages[self._read_at] = np.maximum.reduceat(units, self._first_unit)
        self._asked = (question, units, passages)  # one tuple: another thread sees the old or the new
        return units, passages

    def similarities(self, question: str, positions: Sequence[int]) -> np.ndarray:
        """Cosine of ``question`` with the passages at ``positions`` (their closest unit's),
        float32; NaN for a passage not read for meaning (see :attr:`read`)."""
        if not len(positions):
            return np.zeros(0, dtype=np.float32)
        return self._read(question)[1][np.asarray(positions, dtype=np.int64)]

    def nearest(self, question: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The ``k`` live passages closest to ``question`` in meaning, closest first, with
        their cosine: the reader's own candidates, beside BM25's."""
        scores = self._read(question)[1]
        removed = getattr(self.bm25, "removed", None)
        keep = self.read if removed is None else self.read & ~removed
        if allowed is not None:
            keep = allowed if keep is None else keep & allowed
        if keep is not None:
            scores = np.where(keep, scores, -np.inf)
        k = min(k, scores.size)
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if np.isfinite(scores[i])]

    def best_unit(self, question: str, position: int) -> tuple[int, int]:
        """The characters (first, end) of passage ``position``'s text that read closest to
        ``question``; (0, 0), none, for a passage not read for meaning."""
        units = self._read(question)[0]
        first, end = np.searchsorted(self.units[:, 0], [position, position + 1]).tolist()
        if first == end:
            return 0, 0
        best = first + int(np.argmax(units[first:end]))
        return int(self.units[best, 1]), int(self.units[best, 2])

    # -- saving ------------------------------------------------------------------------

    def arrays(self) -> dict[str, np.ndarray]:
        """BM25's arrays plus the unit vectors and units (what :meth:`from_arrays` reads)."""
        return {**self.bm25.arrays(), VECTORS_KEY: self.vectors, UNITS_KEY: self.units.astype(np.int32)}

    @classmethod
    def from_arrays(cls, data: Mapping[str, np.ndarray], analyzer: Analyzer) -> FusedScorer:
        bm25 = BM25Index.from_arrays(
            {k: v for k, v in data.items() if k not in (VECTORS_KEY, UNITS_KEY)}, analyzer=analyzer
        )
        units = np.array(data[UNITS_KEY]) if UNITS_KEY in data else None
        # Read into memory: a mapped file would page-fault on every question's full product.
        return cls(bm25, np.array(data[VECTORS_KEY]), units=units)
