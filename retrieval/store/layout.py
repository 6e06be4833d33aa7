"""The saved archive's layout: an :class:`~retrieval.archive.Archive` packed into numpy arrays and back.

:func:`archive_arrays` packs an archive (with the store's metadata: format, code and corpus
fingerprints, problems) into the named arrays of one ``.npz`` file; :func:`archive_from`
makes the archive again from those arrays, its articles, passages and sentences built only
when read (:mod:`retrieval.index.lazy`). Packing raises ValueError when the archive is not as
unpacking will recompute it; unpacking raises ValueError when the arrays disagree in length,
so a damaged file is rebuilt rather than answered from. :mod:`retrieval.store.saved` decides when
to save and load; this module knows nothing of the disk.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np

from retrieval.archive import Archive
from retrieval.store.arrays import array_text, text_array
from retrieval.corpus import CorpusError
from retrieval.index.lazy import lazy_articles, lazy_passages, utf8_lines
from retrieval.index.scoring import Scorer
from retrieval.index.meaning import FusedScorer
from retrieval.text.sentences import SentenceTerms
from retrieval.index.tables import saved_tables

# 6: heading flags decided from the paragraph (a short question standing alone is a subheading).
STORE_FORMAT_VERSION = 6


def name_in(path: Path, corpus_dir: Path) -> str:
    # Stored relative to the corpus folder, so a moved folder keeps its index.
    return path.name if path.parent == corpus_dir else str(path)


def path_in(name: str, corpus_dir: Path) -> Path:
    return corpus_dir / name if "/" not in name and "\\" not in name else Path(name)


def sentence_term_arrays(data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {"indptr": data["sentence_terms_indptr"], "ids": data["sentence_terms_ids"]}


# -- packing --------------------------------------------------------------------------


def archive_arrays(
    archive: Archive, corpus_dir: Path, corpus: dict[str, list], code: str, vectors_pending: str | None = None
) -> dict[str, np.ndarray]:
    """The arrays that hold ``archive``; ``corpus`` is the corpus fingerprint (names, sizes, mtimes, sha256).

    ``vectors_pending`` names the reader whose passage vectors a lexical ``archive`` still
    lacks (made in a second step, :mod:`retrieval.store.vectors`); None for a whole archive."""
    per_article, sentence_counts, joined = _passage_layout(archive)
    meta = {
        "format": STORE_FORMAT_VERSION,
        "code": code,
        "semantic": archive.index.embedder.name if isinstance(archive.index, FusedScorer) else None,
        "vectors_pending": None if isinstance(archive.index, FusedScorer) else vectors_pending,
        "built": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "corpus": corpus,
        "errors": [[name_in(e.path, corpus_dir), e.problem] for e in archive.errors],
        "articles": [
            [
                a.id,
                a.title,
                a.source,
                a.published.isoformat() if a.published else None,
                a.author,
                a.url,
                name_in(a.path, corpus_dir) if a.path is not None else None,
            ]
            for a in archive.articles
        ],
    }
    bodies = [a.body.encode("utf-8") for a in archive.articles]
    sentence_bytes = np.array([len(s.encode("utf-8")) + 1 for s in joined.split("\n")] if sentence_counts else [], dtype=np.int64)
    tables = archive.tables
    if tables.sentence_chars.size != sentence_bytes.size or tables.sentence_headings.size != sentence_bytes.size:
        raise ValueError("the sentence tables do not cover the saved sentences")
    arrays = {f"index_{name}": array for name, array in archive.index.arrays().items()}
    if archive.sentence_terms.vocabulary is not getattr(archive.index, "vocabulary", None):
        raise ValueError("sentence terms are not numbered by the index's vocabulary")
    arrays.update({f"sentence_terms_{name}": a for name, a in archive.sentence_terms.arrays().items()})
    spelling = archive.spelling_words()
    arrays.update(
        spelling_words=text_array("\n".join(spelling)),
        spelling_counts=np.fromiter(spelling.values(), dtype=np.int64, count=len(spelling)),
        store_meta=text_array(json.dumps(meta)),
        bodies=np.frombuffer(b"".join(bodies), dtype=np.uint8),
        body_ends=np.cumsum([len(b) for b in bodies], dtype=np.int64),
        passages_per_article=np.array(per_article, dtype=np.int32),
        sentences_per_passage=np.array(sentence_counts, dtype=np.int32),
        sentences=text_array(joined),
        sentence_ends=np.cumsum(sentence_bytes) - 1,
        sentence_chars=tables.sentence_chars,
        sentence_headings=tables.sentence_headings,
    )
    return arrays


def _passage_layout(archive: Archive) -> tuple[list[int], list[int], str]:
    """Passages per article, sentences per passage, and all sentences joined by line breaks.

    Raises ValueError when the passages are not as loading will recompute them.
    """
    articles, passages = archive.articles, archive.passages
    per_article: list[int] = []
    sentence_counts: list[int] = []
    sentences: list[str] = []
    at = 0
    for article in articles:
        first = 0
        number = 0
        while at < len(passages) and passages[at].article is article:
            passage = passages[at]
            number += 1
            # Passage ids, numbers and first sentences are recomputed when loading.
            numbered = passage.id == f"{article.id}#{number}" and passage.number == number
            if not numbered or passage.first_sentence != first:
                raise ValueError(f"passage {passage.id} is not numbered as the store expects")
            sentence_counts.append(len(passage.sentences))
            sentences.extend(passage.sentences)
            first += len(passage.sentences)
            at += 1
        per_article.append(number)
    if at != len(passages):
        raise ValueError("passages are not grouped by article in article order")
    joined = "\n".join(sentences)
    if joined.count("\n") != max(len(sentences) - 1, 0):
        raise ValueError("a sentence contains a line break")  # split_sentences never makes one
    return per_article, sentence_counts, joined


# -- unpacking ------------------------------------------------------------------------


def archive_from(meta: dict, data: dict[str, np.ndarray], index: Scorer, corpus_dir: Path) -> Archive:
    """The saved archive, its articles, passages and sentences made only when read (:mod:`retrieval.index.lazy`)."""
    _check_lengths(meta, data, index)
    entries = meta["articles"]
    per_article = data["passages_per_article"]
    sentence_counts = data["sentences_per_passage"]
    articles = lazy_articles(entries, data["bodies"], data["body_ends"], lambda name: path_in(name, corpus_dir))
    sentences = utf8_lines(data["sentences"], data["sentence_ends"])
    passages = lazy_passages(articles, per_article, sentence_counts, sentences, data["sentence_headings"])
    errors = [CorpusError(path_in(name, corpus_dir), problem) for name, problem in meta["errors"]]
    terms = SentenceTerms(index.vocabulary, data["sentence_terms_indptr"], data["sentence_terms_ids"])
    return Archive(
        articles,
        passages,
        index,
        analyzer=index.analyzer,
        errors=errors,
        sentence_terms=terms,
        spelling_words=lambda: _spelling_from(data),
        tables=saved_tables(entries, per_article, sentence_counts, sentences, (data["sentence_chars"], data["sentence_headings"])),
    )


def _check_lengths(meta: dict, data: dict[str, np.ndarray], index: Scorer) -> None:
    """Raise ValueError unless the saved tables agree in length (a damaged or foreign file)."""
    body_ends = data["body_ends"]
    per_article = data["passages_per_article"]
    sentence_counts = data["sentences_per_passage"]
    sentence_ends = data["sentence_ends"]
    if not (len(meta["articles"]) == body_ends.size == per_article.size):
        raise ValueError("article tables disagree in length")
    if int(per_article.sum()) != sentence_counts.size or sentence_counts.size != len(index):
        raise ValueError("passage tables disagree in length")
    if int(sentence_counts.sum()) != sentence_ends.size or (body_ends.size and int(body_ends[-1]) != data["bodies"].size):
        raise ValueError("text tables disagree in length")
    if sentence_ends.size and int(sentence_ends[-1]) != data["sentences"].size:
        raise ValueError("text tables disagree in length")
    if not data["sentence_chars"].size == data["sentence_headings"].size == sentence_ends.size:
        raise ValueError("sentence tables disagree in length")
    if data["spelling_counts"].size != (array_text(data["spelling_words"]).count("\n") + 1 if data["spelling_words"].size else 0):
        raise ValueError("spelling tables disagree in length")


def _spelling_from(data: dict[str, np.ndarray]) -> dict[str, int]:
    raw_words = array_text(data["spelling_words"])
    words = raw_words.split("\n") if raw_words else []
    return dict(zip(words, data["spelling_counts"].tolist()))
