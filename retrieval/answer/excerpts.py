"""The excerpt of a passage: whole sentences around the best match, readable on their own.

Rules, in the order they apply:

1. The excerpt starts from the passage's sentence that holds the most question weight
   (a body sentence before a heading when they tie).
2. A quote, or a sentence attributed only to a pronoun ("..., he said."), brings the
   nearest earlier sentence of the article that names a speaker, so the reader knows who.
3. It widens with neighbouring sentences of the same article while the text fits
   :data:`EXCERPT_MAX_CHARS`: new question words first, then staying in the passage, then
   what follows.
4. Headings, standfirsts and captions (units without final punctuation, and short
   paragraphs that ask or exclaim, such as "A new alliance?") are their own units: never
   joined to other sentences (a window stops at them; one is quoted alone only when it is
   the best match). Which sentences are headings is the archive's (its tables' flags,
   decided from the paragraphs when the articles were cut), not guessed from the text.
5. A single sentence longer than the limit is cut around its matched words, at word
   bounds, with an ellipsis; so is an excerpt that starts or ends inside a sentence the
   archive cut into pieces (one longer than a passage).
6. Quotation marks are balanced: a quote opened or closed outside the excerpt is marked
   with an ellipsis inside added quotation marks ("…we will win."). A quote over several
   paragraphs (each reopened, closed once at the end) is one quote.

Only the sentences the window may include are read (their terms were computed when the
archive was built), so the cost does not grow with the article.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Sequence

from retrieval.text.analyzer import Analyzer
from retrieval.text.sentences import SentenceTerms

log = logging.getLogger(__name__)

EXCERPT_MAX_CHARS = 400
ELLIPSIS = "…"
# Characters kept free in a window for the quotation marks and ellipses balancing may add.
QUOTE_ROOM = 4
# How much of an over-long sentence is searched for the best stretch to show.
TRIM_SCAN_CHARS = 20_000
# How far back (in sentences) a quote's speaker is looked for.
SPEAKER_LOOKBACK = 3
# Sentences either side of a passage read with it (a window widens into them often).
PREFETCH = 2

_SPEECH = (
    r"(?:said|says|told|tells|added|stated|warned|explained|noted|insisted|argued|continued|wrote|replied"
    r"|asked|spoke|announced|declared|confirmed|claimed|urged|promised|pledged)"
)
_PRONOUN = r"(?:he|she|they|it|we|i)"
# "he said", "said she", "she told reporters": attribution without a name.
_PRONOUN_ATTRIBUTION_RE = re.compile(rf"\b{_PRONOUN}\s+{_SPEECH}\b|\b{_SPEECH}\s+{_PRONOUN}\b", re.IGNORECASE)
_SPEECH_RE = re.compile(rf"\b{_SPEECH}\b|\baccording to\b", re.IGNORECASE)
# The same patterns, case-sensitive, for ASCII text in lowercase: such a search is about
# four times faster, and on ASCII text it finds exactly what the case-blind one finds.
_LOWERCASE_TWINS = {pattern: re.compile(pattern.pattern) for pattern in (_PRONOUN_ATTRIBUTION_RE, _SPEECH_RE)}
_OPENING_QUOTES = "“\"«"
_QUOTE_RE = re.compile("[“”\"«»]")
# A capitalised word that is not capitalised only for starting a sentence or a quote.
_CAPITALISED_RE = re.compile(r"(?<!^)(?<![.!?]\s)(?<![“\"«(])\b[A-Z][a-z]+")
_PRONOUNS = frozenset("he she they it we i his her their its".split())


def needs_speaker(sentence: str) -> bool:
    """Whether a reader needs another sentence to know who speaks: a quote, or "he said"."""
    stripped = sentence.lstrip()
    if _found(_PRONOUN_ATTRIBUTION_RE, stripped):
        return True
    return bool(stripped) and stripped[0] in _OPENING_QUOTES and not names_speaker(stripped)


def names_speaker(sentence: str) -> bool:
    """Whether a sentence attributes words to someone named (a capitalised name near "said")."""
    if not _found(_SPEECH_RE, sentence) or _found(_PRONOUN_ATTRIBUTION_RE, sentence):
        return False
    return any(m.group().lower() not in _PRONOUNS for m in _CAPITALISED_RE.finditer(sentence))


def _found(case_blind: re.Pattern[str], text: str) -> bool:
    """Whether ``case_blind`` (one of :data:`_LOWERCASE_TWINS`) matches somewhere in ``text``."""
    if text.isascii():
        return _LOWERCASE_TWINS[case_blind].search(text.lower()) is not None
    return case_blind.search(text) is not None


class Window:
    """Chooses the sentences of one excerpt.

    ``sentences`` are numbered archive-wide, ``terms(i)`` gives sentence ``i``'s term ids,
    ``headings[i]`` whether sentence ``i`` is a heading (the archive's flags), ``bounds`` is
    the article's sentence range (an excerpt never leaves its article) and ``weights`` the
    question's term ids with their weights.
    """

    def __init__(
        self,
        sentences: Sequence[str],
        terms: SentenceTerms | Callable[[int], frozenset[int]],
        headings: Sequence[bool],
        bounds: tuple[int, int],
        weights: dict[int, float],
        max_chars: int = EXCERPT_MAX_CHARS,
    ) -> None:
        self.sentences = sentences
        self._headings = headings
        self._lookup = terms.terms if isinstance(terms, SentenceTerms) else terms
        self.bounds = bounds
        self.weights = weights
        self.max_chars = max_chars
        self._terms: dict[int, frozenset[int]] = {}
        # Each sentence's own question weight, asked for again at every step of a choice.
        self._gains: dict[int, float] = {}
        # Each sentence is read many times while a window grows: a lazy archive's
        # sentences are decoded anew on each read, so keep what was read.
        self._texts: dict[int, str] = {}
        # Sentences the excerpt should be built around (the reader's closest part), if any.
        self.preferred: range = range(0)

    def _read(self, lo: int, hi: int) -> None:
        """Keep sentences ``lo`` to ``hi - 1`` and :data:`PREFETCH` either side (within the
        article): read as one slice, which a saved archive decodes at once."""
        start, end = max(self.bounds[0], lo - PREFETCH), min(self.bounds[1], hi + PREFETCH)
        if start < end:
            self._texts.update(zip(range(start, end), self.sentences[start:end]))

    def text(self, i: int) -> str:
        """Sentence ``i`` (kept once read)."""
        text = self._texts.get(i)
        if text is None:
            text = self._texts[i] = self.sentences[i]
        return text

    def _heading(self, i: int) -> bool:
        return bool(self._headings[i])

    def terms(self, i: int) -> frozenset[int]:
        """Sentence ``i``'s term ids (kept once read)."""
        found = self._terms.get(i)
        if found is None:
            found = self._terms[i] = self._lookup(i)
        return found

    def gain(self, i: int, covered: frozenset[int] | set[int] = frozenset()) -> float:
        """Weight of the question words sentence ``i`` adds to ``covered``."""
        if not covered:
            found = self._gains.get(i)
            if found is None:
                found = self._gains[i] = self._added(i, covered)
            return found
        return self._added(i, covered)

    def _added(self, i: int, covered: frozenset[int] | set[int]) -> float:
        terms = self.terms(i)
        # The question's few terms, not the sentence's many, are what is walked.
        return sum(w for t, w in self.weights.items() if t in terms and t not in covered)

    def best_unshown(self, lo: int, hi: int, shown: Sequence[range]) -> tuple[int, int] | None:
        """Like :meth:`best`, without any sentence of the ``shown`` ranges; None if all are shown.

        So a passage whose neighbour's excerpt borrowed some of its sentences still shows the rest.
        """
        free = [i for i in range(lo, hi) if not any(i in r for r in shown)]
        if not free:
            return None
        self._read(lo, hi)
        start, end = self.bounds
        pick = max(free, key=self._rank)
        for r in shown:
            if r.stop <= pick:
                start = max(start, r.stop)
            elif r.start > pick:
                end = min(end, r.start)
        return self.best(max(lo, start), min(hi, end), (start, end))

    def _rank(self, i: int) -> tuple[bool, float, bool, int]:
        # Inside the part the reader found closest first (when one is given), then most
        # question weight, then a body sentence before a heading, then the earlier one.
        return i in self.preferred, self.gain(i), not self._heading(i), -i

    def best(self, lo: int, hi: int, bounds: tuple[int, int] | None = None) -> tuple[int, int]:
        """The sentence range ``(first, end)`` of the excerpt for the passage ``sentences[lo:hi]``.

        ``bounds`` narrows the article's range the window may use.
        """
        if bounds is not None:
            self.bounds = bounds
        best = max(range(lo, hi), key=self._rank)
        if self._heading(best):
            return best, best + 1
        first = self._speaker(best)
        last = best
        length = sum(len(self.text(i)) + 1 for i in range(first, last + 1)) - 1
        covered = set().union(*(self.terms(i) for i in range(first, last + 1)))
        while True:
            options = []
            for j, side in ((last + 1, 1), (first - 1, 0)):
                if self._joinable(j) and length + 1 + len(self.text(j)) <= self.max_chars:
                    # Prefer the reader's part, then new question words, then staying inside
                    # the passage, then what follows.
                    options.append((j in self.preferred, self.gain(j, covered), lo <= j < hi, side, j))
            if not options:
                break
            j = max(options)[-1]
            length += 1 + len(self.text(j))
            covered |= self.terms(j)
            first, last = min(first, j), max(last, j)
        return first, last + 1

    def _joinable(self, j: int) -> bool:
        start, end = self.bounds
        return start <= j < end and not self._heading(j)

    def _speaker(self, best: int) -> int:
        """The first sentence to show for ``best``: where its quote opens and who speaks, when close."""
        first = self._back_to(best, lambda j: quote_state(self.text(j))[1] > 0, quote_state(self.text(best))[0] > 0)
        return self._back_to(first, lambda j: names_speaker(self.text(j)), needs_speaker(self.text(first)))

    def _back_to(self, start: int, found: Callable[[int], bool], wanted: bool) -> int:
        """The nearest earlier joinable sentence (within reach) that is ``found``, if ``wanted``; else ``start``."""
        if not wanted:
            return start
        length = len(self.text(start))
        for j in range(start - 1, max(self.bounds[0], start - SPEAKER_LOOKBACK) - 1, -1):
            length += 1 + len(self.text(j))
            if not self._joinable(j) or length > self.max_chars:
                break
            if found(j):
                return j
        return start


def excerpt_text(
    sentences: Sequence[str],
    weights: dict[str, float],
    analyzer: Analyzer,
    *,
    cut_before: bool = False,
    cut_after: bool = False,
) -> str:
    """The excerpt's text: the sentences joined, cut to the limit, quotes balanced.

    ``cut_before``/``cut_after``: the first sentence continues a piece of a sentence cut
    when the article was (:func:`retrieval.text.passages.runs_on`), or the last one is such
    a piece; the cut is marked with an ellipsis like any other.
    """
    text = " ".join(sentences)
    if len(text) > EXCERPT_MAX_CHARS:
        text = trim_around_matches(text, weights, analyzer, EXCERPT_MAX_CHARS)
    if cut_before and not text.startswith(ELLIPSIS):
        text = ELLIPSIS + text
    if cut_after and not text.endswith(ELLIPSIS):
        text += ELLIPSIS
    return balance_quotes(text)


def highlight_spans(
    text: str, sentences: Sequence[str], matching: Sequence[bool], weights: dict[str, float], analyzer: Analyzer
) -> tuple[tuple[int, int], ...]:
    """Where the question's terms are in ``text`` (made by :func:`excerpt_text` from ``sentences``).

    Only the sentences flagged ``matching`` are analysed; a cut text is analysed whole.
    """
    joined = " ".join(sentences)
    offset = text.find(joined)
    if offset < 0:  # cut around its matches: short, analyse it all
        return tuple((start, end) for start, end, _ in analyzer.term_matches(text, weights))
    spans: list[tuple[int, int]] = []
    for sentence, holds_term in zip(sentences, matching):
        if holds_term:
            spans.extend((offset + start, offset + end) for start, end, _ in analyzer.term_matches(sentence, weights))
        offset += len(sentence) + 1
    return tuple(spans)


def trim_around_matches(text: str, weights: dict[str, float], analyzer: Analyzer, max_chars: int) -> str:
    """Cut an over-long sentence to ``max_chars`` around its matched words, at word bounds.

    The cut keeps the stretch that holds the most question weight (each term counted once)
    and centres it, so context on both sides stays.
    """
    # Room for the ellipses, and for the quotation marks balancing may add.
    budget = max_chars - 4 * len(ELLIPSIS)
    whole = len(text)
    text = text[:TRIM_SCAN_CHARS]  # a sentence of megabytes (no punctuation) costs no more than this
    matches = analyzer.term_matches(text, weights)
    first, last = _densest(matches, weights, budget)
    centre = (first + last) // 2
    start = max(0, min(centre - budget // 2, len(text) - budget))
    end = min(len(text), start + budget)
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < end else start
    if end < whole:
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    snippet = (ELLIPSIS if start > 0 else "") + text[start:end].strip() + (ELLIPSIS if end < whole else "")
    # A quote opened before the cut: open it again, so balancing can close it.
    return "“" * quote_state(text[:start])[1] + snippet


def _densest(matches: list[tuple[int, int, str]], weights: dict[str, float], budget: int) -> tuple[int, int]:
    """Where the tightest stretch of at most ``budget`` characters with the most distinct
    question weight starts and ends.

    Tightest, so that centring it leaves context on both sides: the answer often stands
    just before or after the question's words ("fourteen regional hospitals", asked how many).
    """
    if not matches:
        return 0, 0
    top = 0.0
    inside: Counter[str] = Counter()
    end = 0
    for start, _, term in matches:  # two pointers: matches[i:end] fit in the budget from matches[i]
        while end < len(matches) and matches[end][1] - start <= budget:
            inside[matches[end][2]] += 1
            end += 1
        top = max(top, sum(weights[t] for t, count in inside.items() if count))
        inside[term] -= 1
    best = (matches[0][0], matches[0][1])
    shortest = None
    for i, (start, _, _) in enumerate(matches):
        seen: set[str] = set()
        weight = 0.0
        for _, stop, term in matches[i:]:
            if stop - start > budget or (shortest is not None and stop - start >= shortest):
                break
            if term not in seen:
                seen.add(term)
                weight += weights[term]
            # Sums in another order may differ in the last bits.
            if weight >= top * (1 - 1e-9):
                best, shortest = (start, stop), stop - start
                break
    return best

def _is_opening(text: str, i: int) -> bool:
    """Whether the quotation mark at ``text[i]`` opens a quote (straight ones by context)."""
    mark = text[i]
    if mark in "“«":
        return True
    if mark in "”»":
        return False
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return (before.isspace() or before in "([—–-:" + ELLIPSIS) and not after.isspace()


def quote_state(text: str) -> tuple[int, int]:
    """(quotes closed in ``text`` but opened before it, quotes opened in it and left open)."""
    if not _QUOTE_RE.search(text):
        return 0, 0
    depth = 0
    unopened = 0
    for i, char in enumerate(text):
        if char not in "“”\"«»":
            continue
        if _is_opening(text, i):
            # Double quotes do not nest (inner quotes are single): one opening inside an
            # open quote starts its next paragraph, which the quote's one closing ends.
            depth += 0 if depth and char in '"“' else 1
        elif depth:
            depth -= 1
        else:
            unopened += 1
    return unopened, depth


def balance_quotes(text: str) -> str:
    """``text`` with a quote left open or closed outside it marked: ``“…`` before, ``…”`` after."""
    unopened, depth = quote_state(text)
    if unopened:
        text = "“" * unopened + (text if text.startswith(ELLIPSIS) else ELLIPSIS + text)
    if depth:
        text = (text if text.endswith(ELLIPSIS) else text + ELLIPSIS) + "”" * depth
    return text
