"""Live archive benchmark: how long until one new article is searchable, at archive scale.

Usage (from the repository root)::

    .venv/bin/python benchmarks/live_archive.py                    # 100,000 passages
    .venv/bin/python benchmarks/live_archive.py --passages 10000 --record

On a synthetic corpus folder of N passages (``benchmarks/synthetic.py``), already built and
saved, it times, beside issue 10's targets:

1. ``newsdesk ingest page.html`` of one article, in a subprocess (wall time, start-up
   included): it writes the corpus file and updates the saved index;
2. the running bot's update after that (``bot.live.LiveArchive.check``: the changed file is
   applied to the archive in memory as a delta segment);
3. the same update when a file is copied into the corpus by hand;
4. the first question after those updates (it pays for what the answering rules compute
   once per archive);
5. loading the saved archive (``retrieval.store.saved.load_or_build``: the saved base plus the two
   changed files applied as a delta), best of 3.

The machine's load average is printed with the figures: on a shared machine they vary.

Semantic re-ranking is off (``NEWSDESK_SEMANTIC=0``) unless ``--semantic``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
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

from bot.desk import Desk, load_archive  # noqa: E402
from bot.live import LiveArchive  # noqa: E402
from bot.settings import Settings  # noqa: E402
from retrieval.answer.answerer import ask  # noqa: E402

PAGE = ROOT / "tests" / "fixtures" / "html" / "article.html"
TARGETS = {
    "ingest_wall_s": 1.5,
    "reload_after_ingest_s": 0.5,
    "reload_after_copy_s": 10.0,
    "first_question_s": None,
    "load_s": 0.25,
    "merge_s": None,
    "merged_load_s": 0.25,
}


def _timed(function):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def measure(n_passages: int, semantic: bool, folder: Path) -> dict[str, float]:
    corpus = folder / "corpus"
    files = write_corpus(corpus, n_passages)
    build_s, archive = _timed(lambda: load_archive(corpus, semantic=semantic))
    settings = Settings(corpus_dir=corpus, semantic=semantic, db_path=folder / "log.db")
    live = LiveArchive(Desk(archive, None), settings)
    asyncio.run(live.start_watching())

    env = {**os.environ, "NEWSDESK_CORPUS": str(corpus), "NEWSDESK_DB": str(folder / "log.db"),
           "NEWSDESK_SEMANTIC": "1" if semantic else "0"}
    command = [str(Path(sys.executable).with_name("newsdesk")), "ingest", str(PAGE)]
    ingest_s, done = _timed(lambda: subprocess.run(command, env=env, capture_output=True, text=True, cwd=folder))
    if done.returncode != 0:
        raise SystemExit(f"ingest failed: {done.stdout}{done.stderr}")
    reload_ingest_s, _ = _timed(lambda: asyncio.run(live.check()))

    source = next(iter(sorted(corpus.glob("*.md"))))
    copied = corpus / f"zz-copied-{source.name}"
    text = source.read_text(encoding="utf-8").replace("id: ", "id: zz-copied-", 1)
    copied.write_text(text.replace("---\n", "---\n", 1) + "\nA paragraph only the copy has.\n", encoding="utf-8")
    reload_copy_s, _ = _timed(lambda: asyncio.run(live.check()))
    first_question_s, _ = _timed(lambda: ask(live.desk.archive, "Why was the Harbour Town pier closed?"))
    load_s = min(_timed(lambda: load_archive(corpus, semantic=semantic))[0] for _ in range(3))
    # The merge (a rebuild saved as the new base), then a load with nothing pending: what a
    # restart costs once the background merge has run.
    merge_s, _ = _timed(lambda: load_archive(corpus, semantic=semantic, merge=True))
    merged_load_s = min(_timed(lambda: load_archive(corpus, semantic=semantic))[0] for _ in range(3))
    return {"merge_s": merge_s, "merged_load_s": merged_load_s, "passages": len(archive.passages), "files": files, "build_s": build_s, "ingest_wall_s": ingest_s,
            "reload_after_ingest_s": reload_ingest_s, "reload_after_copy_s": reload_copy_s,
            "first_question_s": first_question_s, "load_s": load_s, "load_average": os.getloadavg()[0]}


def report(figures: dict[str, float], semantic: bool) -> str:
    lines = [
        f"{figures['passages']:,} passages in {figures['files']:,} corpus files, semantic re-ranking "
        f"{'on' if semantic else 'off'}; first build and save {figures['build_s']:.1f} s; "
        f"load average {figures['load_average']:.1f} on {os.cpu_count()} cores when done.",
        "",
        "| step | seconds | issue 10 target |",
        "|---|---|---|",
    ]
    names = {
        "ingest_wall_s": "`newsdesk ingest page.html` (wall, subprocess)",
        "reload_after_ingest_s": "bot update after that ingest (in memory, delta segment)",
        "reload_after_copy_s": "bot update after a file copied in by hand (in memory, delta segment)",
        "first_question_s": "first question after those updates",
        "load_s": "load of the saved archive + the 2 changed files as a delta (best of 3)",
        "merge_s": "merge: rebuild and save a new base with the changes",
        "merged_load_s": "load of the saved archive after the merge, nothing pending (best of 3)",
    }
    for key, name in names.items():
        target = TARGETS[key]
        lines.append(f"| {name} | {figures[key]:.2f} | {'-' if target is None else f'{target:g}'} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--semantic", action="store_true", help="with meaning-aware re-ranking (slower builds)")
    parser.add_argument("--record", action="store_true", help="update the section in benchmarks/RESULTS.md")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="newsdesk-live-"))
    try:
        text = report(measure(args.passages, args.semantic, folder), args.semantic)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(text)
    if args.record:
        command = " ".join(["python benchmarks/live_archive.py", *sys.argv[1:]])
        replace_section(HERE / "RESULTS.md", f"# Live archive\n\nCommand: `{command}`\n\n{text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
