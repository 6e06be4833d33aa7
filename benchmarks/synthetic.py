"""Deterministic synthetic news-like corpora and questions for the retrieval benchmark.

Words are ranked by how often they occur in real text shipped with the project and Python
(the bundled corpus, the raw seed pages in ``tests/fixtures/seeds``, and the standard library's
``pydoc_data`` topics, news words count 10x), then extended with pronounceable
pseudo-words for the long tail a large archive has. Passages draw their words from a
Zipf-Mandelbrot distribution over these ranks, so a few terms are in a large share of the
passages and most are rare, as in real news.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
# The raw pages the bundled corpus came from, shipped in the repository (a copy of
# ../shared/seeds), so a bare clone draws the same vocabulary.
SEEDS_DIR = ROOT / "tests" / "fixtures" / "seeds"
DEV_QUESTIONS = ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"

_WORD = re.compile(r"[A-Za-z][a-z]+(?:'[a-z]+)?|\b[ai]\b|\b[A-Z]{2,4}\b")
_ONSETS = "b c d f g h j k l m n p r s t v w z br ch cr dr fr gr kh pl pr sh st th tr".split()
_VOWELS = "a e i o u ai ea ou ia".split()
_CODAS = "n r s l m t d k nd st rk sh".split() + [""] * 6


def real_words() -> list[str]:
    """Words of real text shipped here, most frequent first (news text counts 10x)."""
    counts: Counter[str] = Counter()
    news: list[str] = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus").glob("*.md"))]
    if SEEDS_DIR.is_dir():
        news += [p.read_text(encoding="utf-8") for p in sorted(SEEDS_DIR.glob("*.txt"))]
    for text in news:
        for word in _WORD.findall(text):
            counts[word if word.isupper() and len(word) > 1 else word.lower()] += 10
    try:
        from pydoc_data.topics import topics
    except ImportError:  # some distributions strip pydoc_data; news words alone still work
        topics = {}
    for text in topics.values():
        for word in _WORD.findall(text):
            counts[word.lower()] += 1
    return [w for w, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def vocabulary(size: int = 250_000, seed: int = 7) -> list[str]:
    """``size`` distinct words: the real ones first, then pseudo-words."""
    words = real_words()[:size]
    seen = set(words)
    rng = np.random.default_rng(seed)
    parts = [np.array(p, dtype=object) for p in (_ONSETS, _VOWELS, _CODAS)]
    while len(words) < size:
        batch = 4 * (size - len(words)) + 1000
        # Two or three syllables: onset + vowel + optional coda each.
        word = parts[0][rng.integers(len(_ONSETS), size=batch)] + parts[1][rng.integers(len(_VOWELS), size=batch)]
        for syllables in range(1, 3):
            more = rng.random(batch) < (1.0 if syllables == 1 else 0.4)
            extra = (
                parts[2][rng.integers(len(_CODAS), size=batch)]
                + parts[0][rng.integers(len(_ONSETS), size=batch)]
                + parts[1][rng.integers(len(_VOWELS), size=batch)]
            )
            word = np.where(more, word + extra, word)
        word = word + parts[2][rng.integers(len(_CODAS), size=batch)]
        for w in word.tolist():
            if w not in seen and len(words) < size:
                seen.add(w)
                words.append(w)
    return words


def zipf_probabilities(n: int, exponent: float = 1.2, shift: float = 2.7) -> np.ndarray:
    weights = 1.0 / np.power(np.arange(1, n + 1) + shift, exponent)
    return weights / weights.sum()


class Generator:
    def __init__(self, vocab_size: int = 250_000, seed: int = 7) -> None:
        self.words = vocabulary(vocab_size, seed)
        self.cdf = np.cumsum(zipf_probabilities(len(self.words)))
        self.cdf[-1] = 1.0
        self.seed = seed

    def _ranks(self, rng: np.random.Generator, count: int) -> np.ndarray:
        return np.searchsorted(self.cdf, rng.random(count), side="right")

    def passages(self, n: int, min_words: int = 70, max_words: int = 150) -> list[str]:
        """``n`` passages of sentences of 8-25 words (roughly 60-120 index terms each)."""
        rng = np.random.default_rng(self.seed * 1_000_003 + n)
        lengths = rng.integers(min_words, max_words + 1, size=n)
        ranks = self._ranks(rng, int(lengths.sum()))
        words = np.array(self.words, dtype=object)[ranks].tolist()
        out: list[str] = []
        start = 0
        for length in lengths.tolist():
            chunk = words[start : start + length]
            start += length
            sentences: list[str] = []
            i = 0
            while i < len(chunk):
                size = int(rng.integers(8, 26))
                sentence = chunk[i : i + size]
                i += size
                sentences.append(sentence[0].capitalize() + " " + " ".join(sentence[1:]) + ".")
            out.append(" ".join(sentences))
        return out

    def questions(self, n: int) -> list[str]:
        """``n`` questions: dev questions first, then a mix of frequent and rare words."""
        rng = np.random.default_rng(self.seed + 99)
        questions = dev_questions()[:n]
        openers = ["What did", "Why did", "How many", "When did", "Who said", "Where is", "What about"]
        while len(questions) < n:
            count = int(rng.integers(2, 6))
            # Most words as the text has them (frequent), some from the whole vocabulary (rare).
            frequent = self._ranks(rng, count).tolist()
            rare = rng.integers(0, len(self.words), size=int(rng.integers(0, 3))).tolist()
            words = [self.words[r] for r in frequent + rare]
            rng.shuffle(words)
            questions.append(f"{openers[int(rng.integers(len(openers)))]} {' '.join(words)}?")
        return questions


def dev_questions() -> list[str]:
    if not DEV_QUESTIONS.exists():
        return []
    return [json.loads(line)["question"] for line in DEV_QUESTIONS.read_text().splitlines() if line.strip()]


def write_corpus(directory: Path, n_passages: int, generator: Generator | None = None, per_article: int = 5) -> int:
    """Write about ``n_passages`` passages as corpus files of ``per_article`` paragraphs.

    Paragraphs are 45-75 words, short enough to stay one passage each. Returns the number
    of files written.
    """
    generator = generator or Generator()
    paragraphs = generator.passages(n_passages, min_words=45, max_words=75)
    directory.mkdir(parents=True, exist_ok=True)
    outlets = ["DW", "Reuters", "Al Jazeera", "The Independent", "TRT World", "Middle East Eye"]
    files = 0
    for start in range(0, len(paragraphs), per_article):
        number = start // per_article
        body = "\n\n".join(paragraphs[start : start + per_article])
        title = " ".join(body.split()[:8]).rstrip(".")
        published = f"{2010 + number % 10}-{1 + number % 12:02d}-{1 + number % 28:02d}"
        text = (
            f"---\nid: synthetic-{number:07d}\ntitle: {title}\nsource: {outlets[number % len(outlets)]}\n"
            f"published: {published}\nauthor:\nurl:\n---\n{body}\n"
        )
        (directory / f"synthetic-{number:07d}.md").write_text(text, encoding="utf-8")
        files += 1
    return files
