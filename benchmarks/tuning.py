"""Every question set split into a tune half and a test half, asked of its corpus.

Usage (from the repository root)::

    .venv/bin/python benchmarks/tuning.py                    # both halves, all systems
    .venv/bin/python benchmarks/tuning.py --half tune --systems newsdesk
    .venv/bin/python benchmarks/tuning.py --half test --json  # what RESULTS reports

The split is fixed: a question belongs to the tune half when the first byte of
``sha256("<set>:<question id>")`` is even (:func:`half_of`). Weights, depths and
thresholds are chosen on tune halves only; test halves are what is reported.

Sets (``SETS``): the typed sets written for newsdesk (``benchmarks/data/*_typed.jsonl``,
written without seeing newsdesk's answers) and the shared development sets when
``../shared/eval`` is beside the checkout. Corpora: the bundled ``corpus/``; the
extraction-dev pages (``benchmarks/data/xdev_pages.txt``) ingested through newsdesk's
own path; the SQuAD articles' paragraphs. The generic off-topic questions
(``benchmarks/data/offtopic_typed.txt``) are asked of every corpus, split likewise.
Corpora are built once into ``--work`` (default ``/tmp/newsdesk-tuning``).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import logging
import math
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.harness.evaluate import (  # noqa: E402
    SYSTEMS,
    Outcome,
    Question,
    Summary,
    Trial,
    _write_corpus,
    parse_jsonl,
    read_question_file,
    run_trial,
    squad_articles,
)
from retrieval.ingest.pages import Overrides, RawPage, ingest_pages  # noqa: E402

log = logging.getLogger(__name__)

DATA = ROOT / "benchmarks" / "data"
SHARED = ROOT.parent / "shared" / "eval"
SQUAD_FILE = SHARED / "squad2-dev-two-articles.json"
PAGES_DIR = SHARED / "extraction-dev" / "html"


@dataclass(frozen=True)
class QuestionSet:
    name: str
    path: Path
    corpus: str  # "seed", "xdev", "squad" or "own" (a SQuAD file's own articles)


SETS = (
    QuestionSet("seed_typed", DATA / "seed_typed.jsonl", "seed"),
    QuestionSet("xdev_typed", DATA / "xdev_typed.jsonl", "xdev"),
    QuestionSet("squad_typed", DATA / "squad_typed.jsonl", "squad"),
    QuestionSet("news_written", DATA / "news_written.jsonl", "xdev"),
    QuestionSet("squad_written", DATA / "squad_written.json", "own"),
    QuestionSet("dev", SHARED / "dev_questions.jsonl", "seed"),
    QuestionSet("dev_typed", SHARED / "dev_questions_typed.jsonl", "seed"),
    QuestionSet("squad_dev", SQUAD_FILE, "own"),
)


def half_of(set_name: str, question_id: str) -> str:
    """``"tune"`` or ``"test"``: fixed by a hash of the set and the question id."""
    return "tune" if hashlib.sha256(f"{set_name}:{question_id}".encode()).digest()[0] % 2 == 0 else "test"


def offtopic(corpus: str) -> list[Question]:
    lines = (DATA / "offtopic_typed.txt").read_text(encoding="utf-8").splitlines()
    texts = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return [Question(text, False, id=f"off-{corpus}-{n}") for n, text in enumerate(texts)]


def build_xdev(target: Path) -> Path:
    if target.exists() and any(target.iterdir()):
        return target
    names = (DATA / "xdev_pages.txt").read_text(encoding="utf-8").split()

    def reader(page: Path):
        return lambda: RawPage(page.name.removesuffix(".gz"), gzip.decompress(page.read_bytes()))

    pages = [reader(PAGES_DIR / f"{name}.html.gz") for name in names]
    failed = [o for o in ingest_pages(pages, target, Overrides()) if not o.ok]
    if failed:
        raise SystemExit(f"{failed[0].raw_path} did not ingest: {failed[0].error}")
    return target


def build_squad(target: Path) -> Path:
    if target.exists() and any(target.iterdir()):
        return target
    articles, _, _ = squad_articles(json.loads(SQUAD_FILE.read_text(encoding="utf-8")), SQUAD_FILE)
    return _write_corpus(target, articles)


def corpora(work: Path) -> dict[str, Path]:
    found = {"seed": ROOT / "corpus"}
    if PAGES_DIR.is_dir():
        found["xdev"] = build_xdev(work / "xdev")
    if SQUAD_FILE.is_file():
        found["squad"] = build_squad(work / "squad")
    return found


def trials_of(qset: QuestionSet, folders: dict[str, Path], work: Path, half: str | None) -> list[Trial]:
    """The set's questions of ``half`` (None: all) as trials on their corpus."""
    keep = (lambda q: half_of(qset.name, q.id or q.text) == half) if half else (lambda q: True)
    data = read_question_file(qset.path)
    if qset.corpus != "own":
        questions = tuple(q for q in data if keep(q))
        return [Trial(folders[qset.corpus], questions, work / f"index-{qset.corpus}")]
    # A SQuAD file: all its articles with every answerable question (off-topic refusal is
    # measured by the generic off-topic questions, not by leaving articles out).
    articles, questions, _ = squad_articles(data, qset.path)
    folder = work / f"own-{qset.name}"
    if not folder.exists():
        _write_corpus(folder, articles)
    return [Trial(folder, tuple(q for qs in questions for q in qs if keep(q)), work / f"index-own-{qset.name}")]


def available(qset: QuestionSet, folders: dict[str, Path]) -> bool:
    return qset.path.is_file() and (qset.corpus == "own" or qset.corpus in folders)


def sign_test(wins: int, losses: int) -> float:
    """Two-sided exact sign test: the chance of a split at least this uneven if neither is better."""
    n = wins + losses
    if n == 0:
        return 1.0
    k = min(wins, losses)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    return min(1.0, 2 * tail)


def run(systems: list[str], halves: list[str], work: Path, extra: list[QuestionSet] = ()) -> dict:
    folders = corpora(work)
    report: dict = {}
    if extra:  # sets held back from all tuning: every question, no split, figures only
        report["held back"] = {}
        for qset in extra:
            trials = trials_of(qset, folders, work, None)
            report["held back"][qset.name] = {
                name: Summary.of([o for t in trials for o in run_trial(t, SYSTEMS[name])]) for name in systems
            }
    for half in halves:
        for qset in SETS:
            if not available(qset, folders):
                continue
            trials = trials_of(qset, folders, work, half)
            report.setdefault(half, {})[qset.name] = {
                name: Summary.of([o for t in trials for o in run_trial(t, SYSTEMS[name])]) for name in systems
            }
        for corpus, folder in folders.items():
            questions = tuple(q for q in offtopic(corpus) if half_of("offtopic", q.text) == half)
            trial = Trial(folder, questions, work / f"index-{corpus}")
            report[half][f"offtopic@{corpus}"] = {
                name: Summary.of(run_trial(trial, SYSTEMS[name])) for name in systems
            }
    return report


def pooled(report: dict, half: str, system: str) -> list[Outcome]:
    return [o for summaries in report[half].values() for o in summaries[system].outcomes]


def table(report: dict, systems: list[str]) -> str:
    lines = []
    for half, sets in report.items():
        lines.append(f"\n{half} half")
        lines.append(f"{'set':<20}" + "".join(f"{s:>30}" for s in systems))
        for name, summaries in sets.items():
            cells = []
            for s in systems:
                m = summaries[s]
                if m.answerable:
                    cells.append(f"{m.right_first:>3}/{m.answerable:<3} top3 {m.right_top3:>3} ref {m.answerable_refused:>2}")
                else:
                    cells.append(f"off-topic answered {m.off_topic_answered}/{m.off_topic}")
            lines.append(f"{name:<20}" + "".join(f"{c:>30}" for c in cells))
        for s in systems:
            outs = pooled(report, half, s)
            ans = [o for o in outs if o.question.answerable]
            off = [o for o in outs if not o.question.answerable]
            ms = sorted(o.ms for o in outs)
            p50 = ms[len(ms) // 2] if ms else 0.0
            lines.append(
                f"pooled {s}: first {sum(o.rank == 1 for o in ans)}/{len(ans)}, top3 "
                f"{sum(o.rank is not None and o.rank <= 3 for o in ans)}, refused {sum(not o.answered for o in ans)}, "
                f"off-topic answered {sum(o.answered for o in off)}/{len(off)}, p50 {p50:.2f} ms"
            )
        if len(systems) >= 2:
            a, b = systems[0], systems[1]
            first = {id(o.question): o for o in pooled(report, half, b)}
            outs_a, outs_b = pooled(report, half, a), pooled(report, half, b)
            wins = sum(x.rank == 1 and y.rank != 1 for x, y in zip(outs_a, outs_b) if x.question.answerable)
            losses = sum(x.rank != 1 and y.rank == 1 for x, y in zip(outs_a, outs_b) if x.question.answerable)
            lines.append(f"sign test {a} vs {b} (right first): {wins} wins, {losses} losses, p = {sign_test(wins, losses):.4f}")
            del first
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=("tune", "test", "both", "none"), default="both")
    parser.add_argument("--systems", default="newsdesk,baseline", help=f"comma-separated, of {', '.join(SYSTEMS)}")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "newsdesk-tuning")
    parser.add_argument("--json", action="store_true", help="figures as JSON")
    parser.add_argument(
        "--held-back", action="append", default=[], metavar="NAME:CORPUS:FILE",
        help="also ask a held-back JSONL file of corpus seed, xdev or squad (all of it; figures only)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    systems = args.systems.split(",")
    halves = {"both": ["tune", "test"], "none": []}.get(args.half, [args.half])
    extra = [QuestionSet(name, Path(path), corpus) for name, corpus, path in (s.split(":", 2) for s in args.held_back)]
    args.work.mkdir(parents=True, exist_ok=True)
    report = run(systems, halves, args.work, extra)
    if args.json:
        print(json.dumps({h: {n: {s: m.to_json() for s, m in ss.items()} for n, ss in sets.items()}
                          for h, sets in report.items()}, indent=1))
    else:
        print(table(report, systems))
    return 0


if __name__ == "__main__":
    sys.exit(main())
