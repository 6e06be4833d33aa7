"""The reader stage's cost: the answer path at N passages with the reader on and off, in one
process; the memory it adds and a cold first ``newsdesk ask`` on the bundled corpus.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_reader.py                  # 100k passages
    .venv/bin/python benchmarks/bench_reader.py --quick          # 10k passages
    .venv/bin/python benchmarks/bench_reader.py --results benchmarks/RESULTS.md

- **answer path**: N synthetic passages (``benchmarks/synthetic.py``) built and saved without
  the reader, loaded back as the bot does, then asked through ``ask(archive, question, 3)``.
  The reader's archive is the same archive with unit vectors over the same passages (the
  units cut as the reader cuts them). Embedding 100k passages takes hours on two cores, so
  the vectors are random unit vectors: what a question costs (embedding the question, the
  product with every unit, the per-passage maximum, the fusion and excerpts) does not depend
  on their values. Both are timed on the same questions, alternating, so load on the machine
  falls on both alike. CPU time (the thread's) is shown beside wall time.
- **memory**: the resident memory a fresh process adds by loading the bundled corpus's saved
  archive and answering one question, with the reader on and off.
- **cold first ask**: ``newsdesk ask QUESTION`` in a fresh process on the bundled corpus with its
  index saved (the model loaded and checked, the archive loaded, the question answered).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from results import replace_section  # noqa: E402
from synthetic import Generator, write_corpus  # noqa: E402

from retrieval.answer.answerer import ask  # noqa: E402
from retrieval.archive import Archive  # noqa: E402
from retrieval.index.meaning import FusedScorer, reading_units  # noqa: E402
from retrieval.index.reader import DIM, Reader  # noqa: E402
from retrieval.store.saved import load_or_build  # noqa: E402

QUESTIONS = (
    "did iran send troops to iraq",
    "what did the minister say about the border",
    "how many people fled the city",
    "who won the election in the north",
    "why did the talks fail",
)


def with_reader(archive: Archive, seed: int = 7) -> Archive:
    """``archive`` with random unit vectors for the reader's units of its passages."""
    units, _ = reading_units([p.text for p in archive.passages])
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((len(units), DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = FusedScorer(archive.index, vectors.astype(np.float16), Reader(), units)
    return Archive(
        archive.articles, archive.passages, index, analyzer=archive.analyzer,
        sentence_terms=archive.sentence_terms, tables=archive.tables,
    )


def timed(archive: Archive, question: str) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.thread_time()
    ask(archive, question, 3)
    return (time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000


def answer_path(passages: int, rounds: int, generator: Generator) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-reader-") as tmp:
        corpus = Path(tmp) / "corpus"
        write_corpus(corpus, passages, generator)
        questions = list(QUESTIONS) + generator.questions(40)
        load_or_build(corpus, Path(tmp) / "index", semantic=False)
        lexical = load_or_build(corpus, Path(tmp) / "index", semantic=False)
        started = time.perf_counter()
        reading = with_reader(lexical)
        setup_s = time.perf_counter() - started
        for q in questions[:5]:  # first calls load what they load; not timed
            ask(reading, q, 3), ask(lexical, q, 3)
        times: dict[str, list[tuple[float, float]]] = {"reader on": [], "reader off": []}
        for _ in range(rounds):
            for q in questions:
                times["reader on"].append(timed(reading, q))
                times["reader off"].append(timed(lexical, q))
        embed = []
        for q in questions:
            wall = time.perf_counter()
            Reader().embed_one(q)
            embed.append((time.perf_counter() - wall) * 1000)
        found = {name: _summary(rows) for name, rows in times.items()}
        found["question embedding alone"] = {"p50": float(np.percentile(embed, 50)), "p95": float(np.percentile(embed, 95))}
        found["units"] = {"count": float(len(reading.index.units)), "setup_s": setup_s}
        return found


def _summary(rows: list[tuple[float, float]]) -> dict[str, float]:
    wall = np.array([w for w, _ in rows])
    cpu = np.array([c for _, c in rows])
    return {"p50": float(np.percentile(wall, 50)), "p95": float(np.percentile(wall, 95)),
            "cpu_p50": float(np.percentile(cpu, 50)), "cpu_p95": float(np.percentile(cpu, 95))}


MEMORY_CHILD = """
import json, sys
sys.path.insert(0, {root!r})
def rss():  # resident memory now, MB (Linux)
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
from retrieval.store.saved import load_or_build
from retrieval.answer.answerer import ask
before = rss()
archive = load_or_build({corpus!r}, {index!r}, semantic={semantic})
ask(archive, "did iran send troops to iraq", 3)
print(json.dumps(rss() - before))
"""

def memory_and_cold_start() -> dict[str, float]:
    found: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-reader-") as tmp:
        for semantic in (True, False):
            index = str(Path(tmp) / f"index-{semantic}")
            code = MEMORY_CHILD.format(root=str(ROOT), corpus=str(ROOT / "corpus"), index=index, semantic=semantic)
            subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)  # build and save
            out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
            found[f"memory MB, reader {'on' if semantic else 'off'}"] = float(out.stdout.strip())
        for semantic in (True, False):
            env = {**os.environ, "NEWSDESK_CORPUS": str(ROOT / "corpus"), "NEWSDESK_INDEX": str(Path(tmp) / f"index-{semantic}"),
                   "NEWSDESK_DB": str(Path(tmp) / "log.db"), "NEWSDESK_READER": "on" if semantic else "off"}
            newsdesk = [str(Path(sys.executable).with_name("newsdesk")), "ask", "did iran send troops to iraq"]
            cold = []
            for _ in range(5):
                started = time.perf_counter()
                subprocess.run(newsdesk, check=True, capture_output=True, env=env, cwd=tmp)
                cold.append(time.perf_counter() - started)
            found[f"cold first ask s (median of 5), reader {'on' if semantic else 'off'}"] = float(np.median(cold))
    return found


def report(path: dict, extra: dict, passages: int, command: str) -> str:
    lines = [
        "# Reader stage: cost",
        "",
        f"Command: `{command}` on {platform.platform()}, {os.cpu_count()} cores, "
        f"{time.strftime('%Y-%m-%d')}. {passages:,} synthetic passages "
        f"({int(path['units']['count']):,} reading units); reader on and off asked the same "
        "questions alternately in one process (random unit vectors: see the script's docstring).",
        "",
        "| answer path | p50 ms | p95 ms | CPU p50 ms | CPU p95 ms |",
        "|---|---|---|---|---|",
    ]
    for name in ("reader on", "reader off"):
        s = path[name]
        lines.append(f"| {name} | {s['p50']:.2f} | {s['p95']:.2f} | {s['cpu_p50']:.2f} | {s['cpu_p95']:.2f} |")
    e = path["question embedding alone"]
    lines.append(f"| question embedding alone | {e['p50']:.2f} | {e['p95']:.2f} | | |")
    lines += ["", "| bundled corpus | value |", "|---|---|"]
    lines += [f"| {k} | {v:.2f} |" for k, v in extra.items()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k passages")
    parser.add_argument("--passages", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--results", type=Path, help="write the table as a section of this file")
    args = parser.parse_args()
    passages = args.passages or (10_000 if args.quick else 100_000)
    path = answer_path(passages, args.rounds, Generator())
    print(json.dumps(path, indent=1), file=sys.stderr, flush=True)
    extra = memory_and_cold_start()
    text = report(path, extra, passages, "python benchmarks/bench_reader.py " + " ".join(sys.argv[1:]))
    print(text)
    print(json.dumps({"path": path, "extra": extra}, indent=1), file=sys.stderr)
    if args.results:
        replace_section(args.results, text)


if __name__ == "__main__":
    main()
