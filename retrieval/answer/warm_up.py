"""Warming an archive up: loading now what its first questions would otherwise load.

A new process pays one-time costs on the questions that first need each piece: the English
word list (:func:`retrieval.text.spelling.english_frequencies`, read by the answer decision on
every question), the meaning model when the archive has passage vectors, lemminflect's
tables, and the archive's speller (:meth:`~retrieval.archive.Archive.speller`: gathering
the archive's words, about half a second at 100,000 passages, on the first question with a
word the archive does not know). :func:`warm_up` loads them all, so that a service (the
bot) can do it in the background before anyone asks; the archive's
:class:`~retrieval.answer.answerer.Answerer` is made and rehearsed too, the one every later
question on that archive uses.

Guarantees:

- No answer changes: only what questions fill anyway is filled, by the same functions.
- Safe while other threads ask: the speller is made under the archive's own lock and the
  English list under its loader's (:mod:`retrieval.text.once`), so a question that needs a piece
  being made waits for it rather than making it again; the model and the lemma tables are
  already loaded with the archive (the scorer and the analyzer load them), and asking for
  them again only reads their caches.
- A piece that cannot be loaded (a package missing or broken) is logged at debug level and
  skipped, and the others are still loaded: it is left for questions to meet as they would
  have without the warm-up. Nothing is raised for it.
- Blocking (up to about a second): a service runs it in a worker thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from retrieval.answer.answerability import informativeness
from retrieval.answer.answerer import answerer_for
from retrieval.text.lemmas import irregular_lemma
from retrieval.index.scoring import MeaningAware
from retrieval.index.meaning import SemanticUnavailable
from retrieval.text.spelling import english_frequencies

if TYPE_CHECKING:
    from retrieval.archive import Archive

log = logging.getLogger(__name__)

# What a missing or broken optional package raises while its piece loads.
MISSING = (ImportError, OSError, SemanticUnavailable)
# Words of an article's title asked as the rehearsal question.
REHEARSAL_WORDS = 12
REHEARSAL_CHARS = 200  # well under the question limit, however long its words


def warm_up(archive: Archive) -> tuple[str, ...]:
    """Load every piece the first questions on ``archive`` would; the names of those now ready."""
    ready: list[str] = []
    for name, load in _pieces(archive):
        try:
            load()
        except MISSING as exc:
            log.debug("warm-up: %s not loaded (%s); the first question that needs it loads it", name, exc)
            continue
        ready.append(name)
    return tuple(ready)


def _english() -> None:
    if not english_frequencies():  # its loader has said so (a warning); questions go on without it
        raise OSError("symspellpy's English word list is missing")
    informativeness("news")  # and the range of its frequencies, which the decision reads


def _pieces(archive: Archive) -> list[tuple[str, Callable[[], object]]]:
    # The English list first: every question reads it, and the speller is built over it too.
    pieces: list[tuple[str, Callable[[], object]]] = [("English word list", _english)]
    index = archive.index
    if isinstance(index, MeaningAware):
        # No passage positions: the question is embedded (model and tokenizer ready), nothing scored.
        pieces.append(("meaning model", lambda: index.similarities("warm up", [])))
    if getattr(archive.analyzer, "lemmas", False):
        pieces.append(("lemma tables", lambda: irregular_lemma("went")))
    pieces.append(("speller", archive.speller))
    if archive.passage_count and archive.articles:
        # One question through the whole answer path: the modules, patterns and pages of
        # the saved arrays a first answer touches (~20 ms), with everything above loaded.
        title = " ".join(archive.articles[0].title.split()[:REHEARSAL_WORDS])[:REHEARSAL_CHARS]
        if title:
            # Through the archive's own Answerer (answerer_for): the one its questions use.
            pieces.append(("answer path", lambda: answerer_for(archive).ask(title)))
    return pieces
