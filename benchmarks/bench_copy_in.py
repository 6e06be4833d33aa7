"""Copy-in benchmark: how long after article files are copied into a running bot's corpus a
question finds one of them, with the reader on, before and after issue 22's words-first update.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_copy_in.py                  # the 30 extraction-dev pages
    .venv/bin/python benchmarks/bench_copy_in.py --pages DIR --base-passages 2000 --record

The pages (default the 30 of ``../shared/eval/extraction-dev``; without them, 30 synthetic
articles) are first made corpus files in a folder of their own (not timed). A base archive (the
bundled corpus plus ``--base-passages`` synthetic passages) is built with the reader and saved.
Then, each in a fresh copy of that base, the files are copied in at once and timed until a
question (the title of one copied article, as ``benchmarks/ingest_folder.py`` asks it) has that
article among its excerpts:

- before: the running bot's update as it was, the changed files applied with the reader's
  vectors of their passages (``Library.with_changes(words_first=False)``), then the question;
- after: ``bot.live.LiveArchive.check`` (the files applied by their words; the vectors made in
  the background), then the question; and when the archive with the vectors is swapped in,
  and the same question then.

Both run in this process, one after the other, on the same machine; its load average is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gzip
import os
import shutil
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

from bot.desk import Desk  # noqa: E402
from bot.live import LiveArchive  # noqa: E402
from bot.settings import Settings  # noqa: E402
from retrieval.corpus import Article, load_corpus  # noqa: E402
from retrieval.index.reader import _remembered as remembered  # noqa: E402
from retrieval.index.scoring import MeaningAware  # noqa: E402
from retrieval.library import Library  # noqa: E402

DEFAULT_PAGES = ROOT.parent / "shared" / "eval" / "extraction-dev" / "html"


def staged_files(pages: Path | None, folder: Path) -> list[Path]:
    """The corpus files of the pages (ingested into ``folder``), or of 30 synthetic articles."""
    if pages is not None and pages.is_dir():
        plain = folder.with_name("pages")  # the pages as a user has them (some are stored gzipped)
        plain.mkdir()
        for page in sorted(pages.iterdir()):
            data = page.read_bytes()
            (plain / page.name.removesuffix(".gz")).write_bytes(gzip.decompress(data) if page.name.endswith(".gz") else data)
        library = Library(folder, semantic=False)
        folder.mkdir(parents=True, exist_ok=True)
        library.add(library.pages([str(plain)]))
    else:
        write_corpus(folder, 30 * 6, per_article=6)
        for path in sorted(folder.glob("*.md")):  # ids of their own, apart from the base's synthetic ones
            text = path.read_text(encoding="utf-8").replace("id: ", "id: copied-", 1)
            path.with_name("copied-" + path.name).write_text(text, encoding="utf-8")
            path.unlink()
    return sorted(folder.glob("*.md"))


def finds(desk: Desk, article: Article) -> bool:
    answer = desk.ask(f"What happened: {article.title}?").answer
    return any(result.article_id == article.id for result in answer.results)


def copy_in(files: list[Path], corpus: Path) -> float:
    """Copy ``files`` into ``corpus``; the time they were all there."""
    for path in files:
        shutil.copy2(path, corpus / path.name)
    return time.perf_counter()


def before(base: Path, files: list[Path], target: Article, settings: Settings) -> dict[str, float]:
    library = Library(base, semantic=True, analyzer=settings.analyzer())
    desk = Desk(library.load(), None, library=library)
    seen = library.snapshot()
    copied = copy_in(files, base)
    changed = library.with_changes(desk.archive, seen, library.snapshot())
    assert changed is not None
    desk.use_archive(changed)
    found = finds(desk, target)
    return {"found_s": time.perf_counter() - copied, "found": found, "meaning": isinstance(changed.index, MeaningAware)}


async def after(base: Path, files: list[Path], target: Article, settings: Settings) -> dict[str, float]:
    library = Library(base, semantic=True, analyzer=settings.analyzer())
    desk = Desk(library.load(), None, library=library)
    live = LiveArchive(desk, settings, library=library)
    await live.start_watching()
    copied = copy_in(files, base)
    await live.check()
    found = finds(desk, target)
    found_s = time.perf_counter() - copied
    by_words = not isinstance(desk.archive.index, MeaningAware)
    if live.reading_new is not None:
        await live.reading_new
    vectors_s = time.perf_counter() - copied
    found_read = finds(desk, target)
    live.stop()
    return {"found_s": found_s, "found": found, "by_words": by_words, "vectors_s": vectors_s,
            "found_read": found_read, "meaning": isinstance(desk.archive.index, MeaningAware)}


def measure(pages: Path | None, base_passages: int, folder: Path) -> dict:
    files = staged_files(pages, folder / "staged")
    target = sorted(load_corpus(folder / "staged").articles, key=lambda a: a.id)[0]
    base = folder / "base"
    shutil.copytree(ROOT / "corpus", base, ignore=shutil.ignore_patterns(".index"))
    write_corpus(base, base_passages)
    settings = Settings(corpus_dir=base, semantic=True, db_path=folder / "log.db")
    started = time.perf_counter()
    built = Library(base, semantic=True, analyzer=settings.analyzer()).load()
    build_s = time.perf_counter() - started
    copies = {name: folder / name for name in ("before", "after")}
    for copy in copies.values():
        shutil.copytree(base, copy)  # with its saved index: each loads it as a starting bot does
    remembered.clear()  # the reader remembers texts it read lately: each run reads them anew
    was = before(copies["before"], files, target, dataclasses.replace(settings, corpus_dir=copies["before"]))
    remembered.clear()
    now = asyncio.run(after(copies["after"], files, target, dataclasses.replace(settings, corpus_dir=copies["after"])))
    return {"before": was, "after": now, "files": len(files), "base_passages": len(built.passages),
            "build_s": build_s, "load_average": os.getloadavg()[0]}


def report(figures: dict) -> str:
    was, now = figures["before"], figures["after"]
    lines = [
        f"{figures['files']} article files copied at once into the corpus of a running bot with the reader on "
        f"(an archive of {figures['base_passages']:,} passages, built and saved in {figures['build_s']:.1f} s); "
        f"load average {figures['load_average']:.1f} on {os.cpu_count()} cores when done.",
        "",
        "| the bot's update | a question finds a copied article after (s) | found | by | vectors in after (s) |",
        "|---|---|---|---|---|",
        f"| before: applied with the reader's vectors | {was['found_s']:.2f} | {was['found']} | "
        f"{'words and meaning' if was['meaning'] else 'words'} | {was['found_s']:.2f} |",
        f"| after: applied by words first, vectors in the background | {now['found_s']:.2f} | {now['found']} | "
        f"{'words' if now['by_words'] else 'words and meaning'} | {now['vectors_s']:.2f} "
        f"(then found: {now['found_read']}) |",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=Path, default=DEFAULT_PAGES, help="a folder of article pages to copy in")
    parser.add_argument("--base-passages", type=int, default=2000, help="synthetic passages in the archive before")
    parser.add_argument("--record", action="store_true", help="update the section in benchmarks/RESULTS.md")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="newsdesk-copy-in-"))
    try:
        text = report(measure(args.pages, args.base_passages, folder))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(text)
    if args.record:
        command = " ".join(["python benchmarks/bench_copy_in.py", *sys.argv[1:]])
        replace_section(HERE / "RESULTS.md", f"# Copy-in while the bot runs\n\nCommand: `{command}`\n\n{text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
