"""Late answers benchmark: what the late-answer check adds to a feed poll (issue 25).

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_late.py                 # 10,000 waiting questions, 50 new articles
    .venv/bin/python benchmarks/bench_late.py --record        # and write the section of RESULTS.md

On a synthetic archive (``benchmarks/synthetic.py``; ``--passages`` base passages, the reader on
unless ``--lexical``), 50 new articles (5 passages each) arrive as a feed poll brings them to the
running bot: the baseline is that poll's own work in the same process, the live archive's update
(``Library.with_changes``: the new files read and indexed as a delta). Then the hook runs
(``Desk.articles_arrived``, the late-answer check alone) against a query log holding:

1. 10,000 questions waiting for a late answer: random questions over the archive's words, and
   100 made of words of the new articles' sentences (so some are answered and the full answer
   decision runs); median of 3 runs, each on a fresh copy of the log;
2. no waiting question; median of 5 runs.

It also checks the prefilter (a question is asked in full only when one new passage holds at
least LATE_MIN_SHARE of its weight): of a sample of waiting questions, all asked with the answer
decision, how many are answered that the prefilter left out (should be 0).
The machine's load average is printed with the figures: on a shared machine they vary.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from results import replace_section  # noqa: E402
from synthetic import Generator, write_corpus  # noqa: E402

from bot.desk import Desk  # noqa: E402
from bot.desk.late import LATE_DECISIONS, LATE_MIN_SHARE  # noqa: E402
from bot.querylog import QueryLog  # noqa: E402
from retrieval.answer.new_passages import NewPassages  # noqa: E402
from retrieval.answer.within import ask_within  # noqa: E402
from retrieval.library import Library  # noqa: E402

NEW_ARTICLES = 50
TARGET_S = 2.0
OPENERS = ["What did", "Why did", "How many", "When did", "Who said", "Where is", "What about"]


def _new_articles(corpus: Path, count: int) -> list[str]:
    """``count`` articles of 5 paragraphs from another stream of the same words; their ids."""
    scratch = corpus.parent / "new"
    write_corpus(scratch, count * 5, Generator(seed=11))
    ids = []
    for number, path in enumerate(sorted(scratch.glob("*.md"))):
        article_id = f"arrived-{number:04d}"
        text = path.read_text(encoding="utf-8").replace(path.stem, article_id, 1)
        (corpus / f"{article_id}.md").write_text(text, encoding="utf-8")
        ids.append(article_id)
    return ids


def _questions(archive, new_ids: list[str], total: int, from_new: int) -> list[str]:  # type: ignore[no-untyped-def]
    rng = random.Random(5)
    generator = Generator(seed=23)
    words = generator.words[:20_000]
    questions = []
    new = NewPassages(archive, new_ids)
    for position in rng.sample(new.positions.tolist(), from_new):
        sentence = archive.passages[position].text.split(".")[0].split()
        picked = rng.sample(sentence, min(5, len(sentence)))
        questions.append(f"{rng.choice(OPENERS)} {' '.join(picked)}?")
    while len(questions) < total:
        count = rng.randint(3, 6)
        picked = [words[min(int(rng.paretovariate(0.6)), len(words) - 1)] for _ in range(count)]
        questions.append(f"{rng.choice(OPENERS)} {' '.join(picked)}?")
    rng.shuffle(questions)
    return questions


def _waiting_log(path: Path, archive, questions: list[str]) -> None:  # type: ignore[no-untyped-def]
    """A query log where ``questions`` were asked in Discord, refused, and wait (as /ask leaves them)."""
    QueryLog.open(path)  # migrated
    conn = sqlite3.connect(path)
    with conn:
        for number, question in enumerate(questions, 1):
            conn.execute(
                "INSERT INTO queries (id, asked_at, interface, guild_id, channel_id, question, answered, reason) "
                "VALUES (?, datetime('now'), 'discord', '1', '2', ?, 0, 'not_covered')", (number, question))
            conn.execute(
                "INSERT INTO late_wait (query_id, terms, until) VALUES (?, ?, datetime('now', '+30 days'))",
                (number, " ".join(archive.analyzer(question))))
    conn.close()


def _check(archive, log_path: Path, new_ids: list[str]) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    desk = Desk(archive, QueryLog.open(log_path))
    started = time.perf_counter()
    found = desk.articles_arrived(new_ids)
    return time.perf_counter() - started, len(found.get("late", []))


def _prefilter_misses(archive, new_ids: list[str], questions: list[str], sample: int) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """(asked, answered, answered but left out by the prefilter) over ``sample`` questions and
    every question of the new articles' words."""
    new = NewPassages(archive, new_ids)
    rng = random.Random(9)
    chosen = rng.sample(questions, min(sample, len(questions)))
    answered = missed = 0
    for question in chosen:
        if ask_within(archive, question, new_ids).answered:
            answered += 1
            missed += new.best_share(archive.analyzer(question)) < LATE_MIN_SHARE
    return len(chosen), answered, missed


def measure(folder: Path, passages: int, questions_count: int, semantic: bool, sample: int) -> dict[str, object]:
    corpus = folder / "corpus"
    write_corpus(corpus, passages)
    library = Library(corpus, folder / "index", semantic=semantic)
    archive = library.load()
    before = library.snapshot()
    new_ids = _new_articles(corpus, NEW_ARTICLES)
    started = time.perf_counter()
    grown = library.with_changes(archive, before, library.snapshot())
    poll_s = time.perf_counter() - started
    assert grown is not None
    questions = _questions(grown, new_ids, questions_count, 100)
    full = folder / "waiting.db"
    _waiting_log(full, grown, questions)
    runs = []
    for run in range(3):
        copy = folder / f"run{run}.db"
        with sqlite3.connect(full) as source, sqlite3.connect(copy) as target:
            source.backup(target)  # the log is in WAL mode: a file copy could miss its newest pages
        runs.append(_check(grown, copy, new_ids))
    empty = folder / "empty.db"
    QueryLog.open(empty)
    empty_runs = [_check(grown, empty, new_ids)[0] for _ in range(5)]
    asked, answered, missed = _prefilter_misses(grown, new_ids, questions, sample)
    return {
        "passages": grown.passage_count, "new_passages": len(NewPassages(grown, new_ids)),
        "semantic": semantic, "questions": questions_count, "poll_s": poll_s,
        "check_s": statistics.median(r[0] for r in runs), "answered_late": runs[0][1],
        "empty_s": statistics.median(empty_runs), "sample": asked, "sample_answered": answered,
        "sample_missed": missed,
    }


def table(r: dict[str, object]) -> str:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    ok = "yes" if float(r["check_s"]) <= TARGET_S else "NO"  # type: ignore[arg-type]
    return "\n".join([
        f"Archive: {r['passages']:,} passages ({r['new_passages']} of them new: {NEW_ARTICLES} articles), "
        f"reader {'on' if r['semantic'] else 'off'}; load average {load}.",
        "",
        "| what | time | note |",
        "|---|---|---|",
        f"| baseline: the poll's archive update (50 articles as a delta) | {float(r['poll_s']):.3f} s | the same process |",  # type: ignore[arg-type]
        f"| late-answer check, {int(r['questions']):,} waiting questions | {float(r['check_s']):.3f} s | target ≤ {TARGET_S:g} s: {ok}; "  # type: ignore[arg-type]
        f"{r['answered_late']} answered late (at most {LATE_DECISIONS} questions asked in full) |",
        f"| late-answer check, no waiting question | {float(r['empty_s']) * 1000:.2f} ms | "  # type: ignore[arg-type]
        f"{float(r['empty_s']) / float(r['poll_s']):.2%} of the baseline |",  # type: ignore[arg-type]
        "",
        f"Prefilter: of {r['sample']} waiting questions asked in full, {r['sample_answered']} are answered; "
        f"{r['sample_missed']} of those the prefilter (share ≥ {LATE_MIN_SHARE:g}) would have left out.",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=2000, help="base passages of the synthetic archive")
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=300, help="questions asked in full to check the prefilter")
    parser.add_argument("--lexical", action="store_true", help="without the reader (NEWSDESK_READER=off)")
    parser.add_argument("--record", action="store_true", help="write the section of benchmarks/RESULTS.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = measure(Path(tmp), args.passages, args.questions, not args.lexical, args.sample)
    text = table(result)
    print(text)
    if args.record:
        command = " ".join(["python", "benchmarks/bench_late.py", *sys.argv[1:]])
        replace_section(HERE / "RESULTS.md", f"# Late answers: the check a feed poll runs\n\nCommand: `{command}`\n\n{text}\n")


if __name__ == "__main__":
    main()
