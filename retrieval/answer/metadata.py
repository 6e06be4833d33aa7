"""When and by whom: a question's years, months and outlet names, matched by the articles'
publication dates and outlets as well as by their text.

People date their questions the way they remember the news ("who held mosul in 2015",
"what did iran say in june 2014"), and a news archive rarely writes the year in the text
of the article it was published in; they name the outlet they read it in ("what did the
independent say about isis"), which the article's text seldom does. So a year, a month next
to its year, or an outlet's whole name is matched by those passages too:
:func:`dated_terms` and :func:`published_in` for dates, :func:`outlet_terms` for outlets,
and :class:`MetadataTerms` for both over one archive's arrays.

Guarantees: nothing here reads files or changes what it is given; only a four-digit year from 1900 to 2099 counts, and a month
name counts only next to such a year (so the verb "may" or the name "June" alone stay
words); a passage of unknown date (ordinal 0) is never published in any period; an outlet
counts only when the question holds all of its name's words in order ("the independent",
not "independent"), so a name made of everyday words is not met by accident.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from retrieval.answer.wording import words

if TYPE_CHECKING:
    from retrieval.text.analyzer import Analyzer

log = logging.getLogger(__name__)

_YEAR_RE = re.compile(r"(?:19|20)\d\d")
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}


@dataclass(frozen=True)
class Period:
    """The days from ``first`` to ``last``, both included."""

    first: dt.date
    last: dt.date

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        return cls(dt.date(year, month, 1), following - dt.timedelta(days=1))


def dated_terms(term_words: Iterable[tuple[str, str]]) -> dict[str, Period]:
    """The question terms that name a period, with it: each year, and a month word next to
    its year (both the month's term and the year's then name the month). ``term_words``
    are a query's (term, word) pairs in question order."""
    pairs = list(term_words)
    found: dict[str, Period] = {}
    for i, (term, word) in enumerate(pairs):
        if not _YEAR_RE.fullmatch(word):
            continue
        year = int(word)
        month = _month_beside(pairs, i)
        if month is None:
            found.setdefault(term, Period.year(year))
            continue
        month_term, number = month
        found[term] = found[month_term] = Period.month(year, number)
    return found


def _month_beside(pairs: list[tuple[str, str]], i: int) -> tuple[str, int] | None:
    """The month word just before ("jan 2014") or after ("2014 jan") the year at ``i``."""
    for j in (i - 1, i + 1):
        if 0 <= j < len(pairs) and pairs[j][1] in MONTHS:
            return pairs[j][0], MONTHS[pairs[j][1]]
    return None


def published_in(published: np.ndarray, period: Period) -> np.ndarray:
    """Which passages (``published``: their articles' date ordinals, 0 if unknown) appeared
    in ``period``, as a boolean array."""
    return (published >= period.first.toordinal()) & (published <= period.last.toordinal())


def outlet_terms(
    question_words: Sequence[str], outlets: Sequence[Sequence[str]], outlet_terms: Sequence[Sequence[str]]
) -> dict[str, list[int]]:
    """The question terms that belong to an outlet named in the question, each with the
    outlets (their numbers) it names. ``question_words`` are the question's lowercase words
    in order; ``outlets[i]`` are outlet ``i``'s name's words, and ``outlet_terms[i]`` its
    name's analyzer terms."""
    found: dict[str, list[int]] = {}
    asked = tuple(question_words)
    for number, (name, terms) in enumerate(zip(outlets, outlet_terms)):
        if terms and _holds(asked, tuple(name)):
            for term in dict.fromkeys(terms):
                found.setdefault(term, []).append(number)
    return found


def _holds(words: tuple[str, ...], run: tuple[str, ...]) -> bool:
    """Whether ``run`` appears in ``words`` as consecutive words."""
    size = len(run)
    if not size or size > len(words):
        return False
    first = run[0]
    return any(words[i : i + size] == run for i, word in enumerate(words[: len(words) - size + 1]) if word == first)


class MetadataTerms:
    """Which passages each year, month or outlet a question names meets, in one archive:
    ``published`` (each passage's article's date ordinal, 0 if unknown), ``outlet_codes``
    (each passage's outlet number) and ``outlet_names`` (lowercase, by number)."""

    def __init__(
        self, published: np.ndarray, outlet_codes: np.ndarray, outlet_names: Sequence[str], analyzer: Analyzer
    ) -> None:
        self._published = published
        self._codes = outlet_codes
        # Each outlet's name as words and as terms, made once: the archive's outlets are fixed.
        self._names = [tuple(words(name)) for name in outlet_names]
        self._terms = [tuple(t.term for t in analyzer.tokens(name)) for name in outlet_names]

    def passages(self, term_words: Iterable[tuple[str, str]], question: str) -> dict[str, np.ndarray]:
        """Each term of the question (``term_words``: its (term, word) pairs in order) that
        names a period or an outlet some passage meets, with those passages (a boolean array)."""
        found: dict[str, np.ndarray] = {}
        for term, period in dated_terms(term_words).items():
            found[term] = published_in(self._published, period)
        for term, outlets in outlet_terms(words(question), self._names, self._terms).items():
            by = np.isin(self._codes, outlets)
            found[term] = found[term] | by if term in found else by
        return {term: where for term, where in found.items() if where.any()}
