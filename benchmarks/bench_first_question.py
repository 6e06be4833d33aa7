"""First-question latency of a new process: cold, and after ``warm_up(archive)`` (retrieval.answer.warm_up).

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_first_question.py                 # 100k passages + the bundled corpus
    .venv/bin/python benchmarks/bench_first_question.py --quick         # 10k passages
    .venv/bin/python benchmarks/bench_first_question.py --results benchmarks/RESULTS.md

What a process pays once is only seen in a new process, so each measurement is a fresh
Python process (cold and warm runs alternate, ``--repeats`` of each; medians are shown). It
loads the archive from its saved file as the bot does (``load_or_build``), then, in the warm
runs, calls ``warm_up(archive)`` (what the bot does in the background at start-up), then
asks in order: an ordinary question, one with words the archive does not know (a typo and a
misspelt name: the speller is made), and a second ordinary question (nothing left to load).
Every run's answers must be the same, cold or warm (the script stops otherwise).
Archives: N synthetic passages (``benchmarks/synthetic.py``) and the bundled ``corpus/``,
each written to a temporary folder and built once before timing.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from results import replace_section  # noqa: E402
from synthetic import write_corpus  # noqa: E402

QUESTIONS = {
    "first question": "Did Iran send troops to Iraq?",
    "first with a typo": "Did Iran send trooops to Bagdad?",
    "a second question": "What did the minister say about Iraq?",
}
TIMINGS = ("load", "warm-up", *QUESTIONS)


def child(corpus: Path, warm: bool) -> dict:
    """One fresh process's timings in ms (run with ``--child``), and what it answered."""
    from retrieval.answer.answerer import ask
    from retrieval.answer.warm_up import warm_up
    from retrieval.store.saved import load_or_build

    out: dict = {"answers": []}
    started = time.perf_counter()
    archive = load_or_build(corpus)
    out["load"] = (time.perf_counter() - started) * 1000
    if warm:
        started = time.perf_counter()
        warm_up(archive)
        out["warm-up"] = (time.perf_counter() - started) * 1000
    for name, question in QUESTIONS.items():
        started = time.perf_counter()
        answer = ask(archive, question)
        out[name] = (time.perf_counter() - started) * 1000
        out["answers"].append([answer.answered, [(r.passage_id, r.excerpt, r.score) for r in answer.results]])
    return out


def run_child(corpus: Path, warm: bool) -> dict:
    command = [sys.executable, __file__, "--child", str(corpus), *(["--warm"] if warm else [])]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(corpus: Path, repeats: int) -> dict:
    """Median ms of each timing, cold and warm."""
    from retrieval.store.saved import load_or_build

    passages = load_or_build(corpus).passage_count  # built and saved here, before any timing
    runs: dict[str, list[dict[str, float]]] = {"cold": [], "warm": []}
    for _ in range(repeats):
        for mode in runs:
            runs[mode].append(run_child(corpus, mode == "warm"))
    answers = {json.dumps(r.pop("answers")) for rs in runs.values() for r in rs}
    if len(answers) != 1:
        raise SystemExit(f"{corpus}: the answers differ between runs (cold and warm): {sorted(answers)}")
    medians = {mode: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for mode, rs in runs.items()}
    return {"passages": passages, **medians}


def report(rows: list[tuple[str, dict]], command: str, repeats: int) -> str:
    lines = [
        "# First-question latency: cold vs after warm-up",
        "",
        f"Command: `{command}`  ",
        f"Machine: Python {platform.python_version()}, {platform.machine()}; shared with other work, so "
        f"timings are indicative. Medians of {repeats} fresh processes each.",
        "",
        "| archive | passages | load ms | warm-up ms | first question ms (cold / warm) | "
        "first with a typo ms (cold / warm) | a second question ms (cold / warm) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in rows:
        cold, warm = r["cold"], r["warm"]
        cells = " | ".join(f"{cold[q]:.1f} / {warm[q]:.1f}" for q in QUESTIONS)
        lines.append(f"| {name} | {r['passages']:,} | {cold['load']:.0f} | {warm['warm-up']:.0f} | {cells} |")
    lines += [
        "",
        f"- Questions, in this order: {'; '.join(f'{k}: *{v}*' for k, v in QUESTIONS.items())}. The typo "
        "question comes after a first one, so its cold figure is what the speller costs (the archive's "
        "words gathered and indexed); the first question's is mostly the English word list and first-use imports.",
        "- Warm: `warm_up(archive)` ran first (the bot runs it in a worker thread at start-up and after each "
        "reload, so no member waits for it; `newsdesk ask` does not). The answers (excerpts and scores) "
        "of every run, cold and warm, are checked to be the same.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=100_000, help="passages of the synthetic archive (0: skip)")
    parser.add_argument("--repeats", type=int, default=5, help="fresh processes per mode and archive")
    parser.add_argument("--quick", action="store_true", help="10k passages, 3 repeats")
    parser.add_argument("--results", type=Path, help="write the table as a section of this file")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--warm", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.warm)))
        return
    if args.quick:
        args.passages, args.repeats = 10_000, 3
    rows: list[tuple[str, dict]] = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.passages:
            corpus = Path(tmp) / "synthetic"
            write_corpus(corpus, args.passages)
            print(f"{args.passages:,} synthetic passages ...", file=sys.stderr, flush=True)
            rows.append((f"{args.passages:,} synthetic passages", measure(corpus, args.repeats)))
        corpus = Path(tmp) / "bundled"
        shutil.copytree(ROOT / "corpus", corpus, ignore=shutil.ignore_patterns(".index"))
        rows.append(("bundled corpus/", measure(corpus, args.repeats)))
    command = "python benchmarks/bench_first_question.py " + " ".join(sys.argv[1:])
    text = report(rows, command.strip(), args.repeats)
    print(text)
    if args.results:
        replace_section(args.results, text)


if __name__ == "__main__":
    main()
