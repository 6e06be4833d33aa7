"""Whether the archive can answer a question: a calibrated decision, and a language check.

The decision is a small logistic regression over five features of a question and its best
passage (see :class:`Evidence`). Its coefficients are data, in ``answerability.json`` next
to this module, fitted offline by ``benchmarks/calibrate.py`` on the tune halves of the
question sets (``benchmarks/tuning.py``), the project's own off-topic questions
(``benchmarks/data/offtopic_typed.txt``) and SQuAD questions asked of an archive that leaves
their article out. Two models are stored: one with the reader's similarity, used when the
archive has the reader's vectors, and one without it.

Guarantees: the decision is a pure function of the evidence and the stored coefficients
(no randomness, no state); a missing or malformed coefficients file raises
:class:`CalibrationError` naming the file and how to regenerate it.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from retrieval.text.once import once
from retrieval.text.spelling import english_frequencies
from retrieval.errors import NewsdeskError

log = logging.getLogger(__name__)

COEFFICIENTS_FILE = Path(__file__).with_name("answerability.json")
FEATURES = ("coverage", "unknown", "similarity", "margin", "focus")


class CalibrationError(NewsdeskError, ValueError):
    """The answerability coefficients cannot be read; the message says how to fix it."""


@dataclass(frozen=True)
class Evidence:
    """What the decision looks at, each in [0, 1] (similarity in [-1, 1]).

    - ``coverage``: share of the question's weight (idf) matched by the best passage;
    - ``unknown``: share of the question's weight in words the archive does not know;
    - ``similarity``: cosine between the question and the best passage (0 without vectors);
    - ``margin``: how far the best BM25 score stands above the next, relative to it;
    - ``focus``: how informative in English (:func:`informativeness`) the most informative
      question word the best passage matched is: a name says the passage is on the topic,
      "year" or "last" alone do not (on a small archive of mixed stories, an off-topic
      question often shares only such words with one of them).

    ``read`` is False when the best passage was not read for meaning (past its article's
    first passages the reader reads): ``similarity`` is then 0, and the decision without the
    similarity judges it (:func:`decision_for`).
    """

    coverage: float
    unknown: float
    similarity: float
    margin: float
    focus: float = 0.0
    read: bool = True

    def as_dict(self) -> dict[str, float]:
        return {name: float(getattr(self, name)) for name in FEATURES}


# English frequencies span about 23 billion ("the") down to about 12,700 (the list's
# rarest words): a word's informativeness is where its count sits on that log scale.
_NUMBER_INFORMATIVENESS = 0.5


def informativeness(word: str) -> float:
    """How much an unknown ``word`` says about a question's topic, in [0, 1].

    A word common in English ("speak", "react", "jan") tells little: 0 for the commonest,
    about 0.3-0.6 for everyday words. One English does not list (a name such as "Pico", a
    misspelling) tells most: 1. A number (a year, an amount) is taken as an everyday word.
    Without symspellpy's English list every word counts 1 (as before this weighting).
    """
    key = word.casefold()
    if key.isdigit():
        return _NUMBER_INFORMATIVENESS
    counts = english_frequencies()
    count = counts.get(key)
    if not count:
        return 1.0
    top, bottom = _frequency_range()
    return min(1.0, max(0.0, math.log(top / count) / math.log(top / bottom)))


@once
def _frequency_range() -> tuple[int, int]:
    counts = english_frequencies().values()
    return max(counts), min(counts)


def gather_evidence(
    weights: Mapping[str, float],
    known: Mapping[str, bool] | set[str] | frozenset[str],
    matched: set[str] | frozenset[str],
    similarity: float,
    scores: Sequence[float],
    informative: Mapping[str, float] | None = None,
) -> Evidence:
    """Evidence from the question's term ``weights``, which of them the archive ``known``s,
    the terms the best passage ``matched``, its ``similarity`` (NaN: not read for meaning),
    BM25's candidate ``scores`` and each term's ``informative`` value (English
    informativeness of its word)."""
    read = not math.isnan(similarity)
    total = sum(weights.values())
    if total <= 0:
        return Evidence(0.0, 1.0, 0.0, 0.0, read=read)
    unknown = sum(w for t, w in weights.items() if t not in known) / total
    # In question order (not the set's, which varies with string hashing): the same bits every run.
    coverage = sum(w for t, w in weights.items() if t in matched) / total
    ordered = sorted(scores, reverse=True)
    if not ordered or ordered[0] <= 0:
        margin = 0.0
    elif len(ordered) == 1:
        margin = 1.0
    else:
        margin = max(0.0, (ordered[0] - ordered[1]) / ordered[0])
    focus = max((informative.get(t, 0.0) for t in matched if t in weights), default=0.0) if informative else 0.0
    return Evidence(coverage, unknown, float(similarity) if read else 0.0, margin, focus, read)


@dataclass(frozen=True)
class Model:
    """A logistic model: P(answerable) = sigmoid(intercept + sum(coef * feature))."""

    intercept: float
    coefficients: Mapping[str, float]
    threshold: float = 0.5

    def probability(self, evidence: Evidence) -> float:
        values = evidence.as_dict()
        z = self.intercept + sum(c * values[name] for name, c in self.coefficients.items())
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def answers(self, evidence: Evidence) -> bool:
        return self.probability(evidence) >= self.threshold


@functools.lru_cache(maxsize=4)
def load_models(path: Path = COEFFICIENTS_FILE) -> dict[str, Model]:
    """The stored models by name ("semantic", "lexical")."""
    fix = f"regenerate it with `python benchmarks/calibrate.py --write` ({path})"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        models = {
            name: Model(
                float(entry["intercept"]),
                {k: float(v) for k, v in entry["coefficients"].items()},
                float(entry.get("threshold", 0.5)),
            )
            for name, entry in data["models"].items()
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CalibrationError(f"cannot read the answerability coefficients: {exc}; {fix}") from exc
    for name, model in models.items():
        unknown = set(model.coefficients) - set(FEATURES)
        if unknown:
            raise CalibrationError(f"model {name!r} uses unknown features {sorted(unknown)}; {fix}")
    return models


def model_for(semantic: bool) -> Model:
    return load_models()["semantic" if semantic else "lexical"]


def decision_for(evidence: Evidence, semantic: bool) -> Model:
    """The model that judges ``evidence`` in an archive with the reader's vectors
    (``semantic``) or without: the one without the similarity for a passage not read."""
    return model_for(semantic and evidence.read)


# -- language -------------------------------------------------------------------------

_LETTERS_RE = re.compile(r"[^\W\d_]", re.UNICODE)
_WORDS_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)
# Frequent function words of other languages that are not English words themselves.
_FOREIGN_WORDS = frozenset(
    """
    le la les de des du au aux une est sont ont avec pour par dans sur qui quoi quel quelle quand pourquoi
    comment ou où et il elle nous vous ils elles leur cette ces été qu'il c'est
    der das und ist nicht mit für auf dem den ein eine einen einem wie wer wann warum wurde
    sind hat haben ich sie es im vom zum zur auch oder über zwischen gegen durch nach sich
    el los las del por para con qué quién cuándo cómo dónde es está una uno y
    lo se su sus ha fue pero muy
    il della dei che chi è sono gli perché dove quando cosa nel alla
    os da dos em não uma é são quem onde porque que ao aos foi pelo pela
    het een zijn niet wat wie waar wanneer hoe ook heeft aan welke waarom
    """.split()
)
_FOREIGN_LETTERS = re.compile(r"[à-öø-ÿß]")
_INVERTED_MARKS = re.compile("[¿¡]")
_ENGLISH_WORDS = frozenset(
    """
    the a an of to in on and is are was were what who when where why how which did does do
    has have had with for from by about at it this that there their they he she we you i
    """.split()
)


def looks_non_english(text: str) -> bool:
    """Whether ``text`` is clearly not English: mostly non-Latin letters, or more foreign
    function words than English ones. Names and short questions count as English."""
    letters = _LETTERS_RE.findall(text)
    if not letters:
        return False
    # Every ASCII letter is a Latin one, and none is foreign: most questions need no look-up.
    plain = text.isascii()
    latin = len(letters) if plain else sum(1 for ch in letters if "LATIN" in unicodedata.name(ch, ""))
    if latin < 0.5 * len(letters):
        return True
    raw = _WORDS_RE.findall(text)
    words = [w.casefold().replace("’", "'") for w in raw]
    # A word with letters English does not use (é, ñ, ü, ß...) counts as foreign too, unless
    # a capital shows it is a name ("Zürich"; in a text all in capitals capitals show nothing).
    shouting = text.isupper()
    foreign = sum(
        1
        for w, typed in zip(words, raw)
        if w in _FOREIGN_WORDS
        or not plain and _FOREIGN_LETTERS.search(w) and (shouting or not typed[:1].isupper())
    )
    # An opening ¿ or ¡ is written only in Spanish (and its neighbours): one more foreign sign.
    foreign += 0 if plain else int(bool(_INVERTED_MARKS.search(text)))
    english = sum(1 for w in words if w in _ENGLISH_WORDS)
    return foreign >= 2 and foreign > english
