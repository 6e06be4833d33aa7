"""Answer quality, measured: question files in, right-first / top-3 / refusal / latency out.

Two kinds of question file (told apart by content, not by name):

- **JSONL**, one question a line: ``{"question": ..., "published": "YYYY-MM-DD", "phrase": ...}``
  for an answerable question, ``{"question": ..., "answered": false}`` for one the archive
  must refuse. They are asked of a given corpus folder. A result is right when its article
  was published on ``published`` and its excerpt contains ``phrase``.
- **SQuAD 2.0 JSON** (``{"version": ..., "data": [{"title": ..., "paragraphs": [...]}]}``):
  each article becomes a corpus file in a temporary folder. Answerable questions
  (``is_impossible`` false) are asked of the corpus of all the articles; a result is right
  when one of the question's answer texts is inside the excerpt. Off-topic refusal is
  measured leave-one-article-out: for each article, the same questions are asked of the
  corpus without it and must be refused. ``is_impossible`` questions are skipped (counted).

Text is compared case-insensitively with whitespace runs made single spaces.

Each question is put to each system through the same call its users make: newsdesk through
``retrieval.answer.answerer.ask(load_or_build(corpus), question, 3)`` (the bot's path; loading the
archive is not timed, nor is a first untimed question that loads what loads on first use),
the baseline through :class:`benchmarks.harness.baseline.Baseline`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from retrieval.answer import answerer
from retrieval.answer.answerer import QuestionError
from retrieval.archive import Archive
from retrieval.store.atomic import write_text_atomically
from benchmarks.harness.baseline import Baseline, DenseBaseline
from retrieval.corpus import CORPUS_SUFFIX, Article, format_article, load_corpus
from retrieval.store.places import Places
from retrieval.store.saved import load_or_build

log = logging.getLogger(__name__)

TOP = 3
SQUAD_SOURCE = "Wikipedia"
# SQuAD articles have no date; one fixed date keeps the corpus format's required field.
SQUAD_PUBLISHED = dt.date(2000, 1, 1)


class EvalError(ValueError):
    """A question file that cannot be evaluated; the message names the file and the fix."""


@dataclass(frozen=True)
class Question:
    text: str
    answerable: bool
    # Any of these inside an excerpt makes it right (JSONL: the phrase; SQuAD: answer texts).
    phrases: tuple[str, ...] = ()
    # JSONL only: the right article's publication date (None: any article).
    published: dt.date | None = None
    id: str = ""


@dataclass(frozen=True)
class Result:
    published: dt.date | None
    excerpt: str


@dataclass(frozen=True)
class Reply:
    answered: bool
    results: tuple[Result, ...] = ()


@dataclass(frozen=True)
class Trial:
    """Questions put to one corpus folder."""

    corpus_dir: Path
    questions: tuple[Question, ...]
    index_path: Path | None = None


@dataclass(frozen=True)
class Outcome:
    question: Question
    answered: bool
    rank: int | None  # 1-based rank of the first right result, None if none is right
    ms: float
    cpu_ms: float = 0.0  # the thread's CPU time for the same call (waits on a shared machine left out)


# A system: given a trial's corpus, returns how it answers (question, limit) -> Reply.
System = Callable[[Trial], Callable[[str, int], Reply]]


def normalise(text: str) -> str:
    return " ".join(text.casefold().split())


def first_right(question: Question, results: Iterable[Result]) -> int | None:
    """1-based rank of the first result that is right for ``question``, or None."""
    wanted = [normalise(p) for p in question.phrases]
    for rank, result in enumerate(results, start=1):
        if question.published is not None and result.published != question.published:
            continue
        excerpt = normalise(result.excerpt)
        if any(p and p in excerpt for p in wanted):
            return rank
    return None


# -- systems --------------------------------------------------------------------------


def newsdesk(trial: Trial) -> Callable[[str, int], Reply]:
    return _asking(load_or_build(trial.corpus_dir, trial.index_path))


def _asking(archive: Archive) -> Callable[[str, int], Reply]:
    def ask(question: str, limit: int) -> Reply:
        try:
            answer = answerer.ask(archive, question, limit)
        except QuestionError:
            return Reply(False)
        return Reply(answer.answered, tuple(Result(r.published, r.excerpt) for r in answer.results))

    return ask


def newsdesk_bm25(trial: Trial) -> Callable[[str, int], Reply]:
    """newsdesk without the semantic stage (``NEWSDESK_SEMANTIC=off``), its index saved beside the other."""
    index = Places(trial.corpus_dir, trial.index_path).index
    own = index.with_name(f"{index.stem}-bm25.npz") if index.suffix == ".npz" else index / "archive-bm25.npz"
    return _asking(load_or_build(trial.corpus_dir, own, semantic=False))


def baseline(trial: Trial) -> Callable[[str, int], Reply]:
    index = Baseline(load_corpus(trial.corpus_dir).articles)

    def ask(question: str, limit: int) -> Reply:
        found = tuple(Result(w.published, w.text) for w in index.search(question, limit))
        return Reply(bool(found), found)  # never refuses, but an empty archive has nothing to show

    return ask


def dense(trial: Trial) -> Callable[[str, int], Reply]:
    """Dense-only retrieval with the reader model (:class:`~benchmarks.harness.baseline.DenseBaseline`);
    window vectors are kept beside the trial's index, so a corpus is embedded once."""
    cache_file = (trial.index_path or default_index_path(trial.corpus_dir)).with_name("dense-windows.npz")
    cache: dict[str, np.ndarray] = {}
    if cache_file.is_file():
        with np.load(cache_file, allow_pickle=False) as saved:
            cache = dict(zip(saved["texts"].tolist(), saved["vectors"]))
    before = len(cache)
    index = DenseBaseline(load_corpus(trial.corpus_dir).articles, cache)
    if len(cache) != before:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache_file, texts=np.array(list(cache)), vectors=np.stack(list(cache.values())))

    def ask(question: str, limit: int) -> Reply:
        found = tuple(Result(w.published, w.text) for w in index.search(question, limit))
        return Reply(bool(found), found)

    return ask


SYSTEMS: dict[str, System] = {
    "newsdesk": newsdesk,
    "newsdesk-bm25": newsdesk_bm25,
    "baseline": baseline,
    "dense": dense,
}


def run_trial(trial: Trial, system: System, limit: int = TOP) -> list[Outcome]:
    ask = system(trial)
    if trial.questions:
        # Untimed first call: what loads on first use (models, word lists) is loading, not answering.
        ask(trial.questions[0].text, limit)
    outcomes: list[Outcome] = []
    for question in trial.questions:
        started, started_cpu = time.perf_counter(), time.thread_time()
        reply = ask(question.text, limit)
        ms = (time.perf_counter() - started) * 1000
        cpu_ms = (time.thread_time() - started_cpu) * 1000
        rank = first_right(question, reply.results) if reply.answered and question.answerable else None
        outcomes.append(Outcome(question, reply.answered, rank, ms, cpu_ms))
    return outcomes


# -- figures --------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    answerable: int
    right_first: int
    right_top3: int
    answerable_refused: int
    off_topic: int
    off_topic_answered: int
    p50_ms: float
    p95_ms: float
    cpu_p50_ms: float = 0.0
    cpu_p95_ms: float = 0.0
    outcomes: tuple[Outcome, ...] = field(default=(), repr=False)

    @classmethod
    def of(cls, outcomes: list[Outcome]) -> Summary:
        answerable = [o for o in outcomes if o.question.answerable]
        off_topic = [o for o in outcomes if not o.question.answerable]
        p50, p95 = _percentiles([o.ms for o in outcomes])
        cpu_p50, cpu_p95 = _percentiles([o.cpu_ms for o in outcomes])
        return cls(
            answerable=len(answerable),
            right_first=sum(o.rank == 1 for o in answerable),
            right_top3=sum(o.rank is not None and o.rank <= TOP for o in answerable),
            answerable_refused=sum(not o.answered for o in answerable),
            off_topic=len(off_topic),
            off_topic_answered=sum(o.answered for o in off_topic),
            p50_ms=p50,
            p95_ms=p95,
            cpu_p50_ms=cpu_p50,
            cpu_p95_ms=cpu_p95,
            outcomes=tuple(outcomes),
        )

    def to_json(self, details: bool = False) -> dict[str, object]:
        data: dict[str, object] = {
            "answerable": self.answerable,
            "right_first": self.right_first,
            "right_top3": self.right_top3,
            "answerable_refused": self.answerable_refused,
            "off_topic": self.off_topic,
            "off_topic_answered": self.off_topic_answered,
            "s_at_1": _share(self.right_first, self.answerable),
            "s_at_3": _share(self.right_top3, self.answerable),
            "refused_rate": _share(self.answerable_refused, self.answerable),
            "off_topic_answered_rate": _share(self.off_topic_answered, self.off_topic),
            "p50_ms": round(self.p50_ms, 3),
            "p95_ms": round(self.p95_ms, 3),
            "cpu_p50_ms": round(self.cpu_p50_ms, 3),
            "cpu_p95_ms": round(self.cpu_p95_ms, 3),
        }
        if details:
            data["questions"] = [
                {"id": o.question.id, "question": o.question.text, "answerable": o.question.answerable,
                 "answered": o.answered, "rank": o.rank, "ms": round(o.ms, 3)}
                for o in self.outcomes
            ]
        return data


def _percentiles(ms: list[float]) -> tuple[float, float]:
    return (float(np.percentile(ms, 50)), float(np.percentile(ms, 95))) if ms else (0.0, 0.0)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class FileReport:
    path: Path
    kind: str  # "jsonl" or "squad"
    systems: dict[str, Summary]
    skipped: int = 0  # SQuAD is_impossible questions

    def to_json(self, details: bool = False) -> dict[str, object]:
        return {
            "file": str(self.path),
            "kind": self.kind,
            "skipped_impossible": self.skipped,
            "systems": {name: s.to_json(details) for name, s in self.systems.items()},
        }


def evaluate_file(
    path: Path | str,
    corpus_dir: Path | str,
    index_path: Path | str | None = None,
    systems: Iterable[str] = ("newsdesk", "baseline"),
) -> FileReport:
    """Measure every system on one question file (``corpus_dir`` is used for JSONL files)."""
    path = Path(path)
    data = read_question_file(path)
    names = list(systems)
    if isinstance(data, list):
        trials = [Trial(Path(corpus_dir), tuple(data), Path(index_path) if index_path else None)]
        return FileReport(path, "jsonl", _run_all(trials, names))
    articles, questions, skipped = squad_articles(data, path)
    with tempfile.TemporaryDirectory(prefix="newsdesk-squad-") as workdir:
        trials = squad_trials(articles, questions, Path(workdir))
        return FileReport(path, "squad", _run_all(trials, names), skipped)


def _run_all(trials: list[Trial], names: list[str]) -> dict[str, Summary]:
    unknown = [n for n in names if n not in SYSTEMS]
    if unknown:
        raise EvalError(f"unknown system {unknown[0]!r}; choose from {', '.join(SYSTEMS)}")
    return {name: Summary.of([o for t in trials for o in run_trial(t, SYSTEMS[name])]) for name in names}


# -- reading question files -----------------------------------------------------------


def read_question_file(path: Path) -> list[Question] | dict:
    """JSONL questions as a list, or the parsed SQuAD document."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalError(f"{path}: cannot be read ({exc}); give a JSONL or SQuAD 2.0 JSON file") from None
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        whole = None
    # A JSONL file of one question is a JSON object too: its "question" key tells it apart.
    if isinstance(whole, dict) and "question" not in whole:
        if not isinstance(whole.get("data"), list):
            raise EvalError(f"{path}: a JSON object without a 'data' list is not SQuAD 2.0 JSON")
        return whole
    return parse_jsonl(text, path)


def parse_jsonl(text: str, path: Path | str = "<text>") -> list[Question]:
    questions: list[Question] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            questions.append(_jsonl_question(row, number))
        except (json.JSONDecodeError, TypeError, KeyError, ValueError) as exc:
            raise EvalError(
                f"{path}:{number}: {exc}; each line must be {{\"question\", \"published\", \"phrase\"}} "
                "or {\"question\", \"answered\": false}"
            ) from None
    if not questions:
        raise EvalError(f"{path}: no questions in it")
    return questions


def _jsonl_question(row: dict, number: int) -> Question:
    text = row["question"]
    if not isinstance(text, str):
        raise ValueError("'question' is not text")
    qid = str(row.get("id", number))
    if row.get("answered") is False:
        return Question(text, False, id=qid)
    return Question(text, True, (str(row["phrase"]),), dt.date.fromisoformat(row["published"]), qid)


def squad_articles(data: dict, path: Path | str = "<squad>") -> tuple[list[Article], list[list[Question]], int]:
    """The articles of a SQuAD 2.0 document, each one's answerable questions, and the skipped count."""
    articles: list[Article] = []
    questions: list[list[Question]] = []
    skipped = 0
    used: set[str] = set()
    try:
        for entry in data["data"]:
            title = " ".join(str(entry["title"]).replace("_", " ").split())
            slug = _unique(re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "article", used)
            paragraphs = [" ".join(p["context"].split()) for p in entry["paragraphs"]]
            body = "\n\n".join(p for p in paragraphs if p)
            articles.append(Article(slug, title, SQUAD_SOURCE, SQUAD_PUBLISHED, body))
            mine: list[Question] = []
            for paragraph in entry["paragraphs"]:
                for qa in paragraph["qas"]:
                    if qa.get("is_impossible"):
                        skipped += 1
                        continue
                    texts = tuple(dict.fromkeys(a["text"] for a in qa["answers"] if a["text"].strip()))
                    if texts:
                        mine.append(Question(qa["question"], True, texts, id=str(qa.get("id", ""))))
            questions.append(mine)
    except (KeyError, TypeError, AttributeError) as exc:
        raise EvalError(f"{path}: not SQuAD 2.0 JSON (missing or wrong {exc}); see the SQuAD 2.0 format") from None
    return articles, questions, skipped


def _unique(slug: str, used: set[str]) -> str:
    candidate, n = slug, 1
    while candidate in used:
        n += 1
        candidate = f"{slug}-{n}"
    used.add(candidate)
    return candidate


def squad_trials(articles: list[Article], questions: list[list[Question]], workdir: Path) -> list[Trial]:
    """All articles with every answerable question; then each article left out, its questions off-topic."""
    trials = [Trial(_write_corpus(workdir / "all", articles), tuple(q for qs in questions for q in qs))]
    for left_out, (article, asked) in enumerate(zip(articles, questions)):
        others = [a for n, a in enumerate(articles) if n != left_out]
        folder = _write_corpus(workdir / f"without-{article.id}", others)
        trials.append(Trial(folder, tuple(Question(q.text, False, id=q.id) for q in asked)))
    return trials


def _write_corpus(folder: Path, articles: list[Article]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for article in articles:
        write_text_atomically(folder / f"{article.id}{CORPUS_SUFFIX}", format_article(article))
    return folder
