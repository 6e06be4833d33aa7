"""A folder of real pages through ``newsdesk ingest <folder>``, end to end, as a user would run it.

Usage (from the repository root)::

    .venv/bin/python benchmarks/ingest_folder.py                 # the 30 extraction-dev pages
    .venv/bin/python benchmarks/ingest_folder.py --pages DIR     # any other folder of real pages
    .venv/bin/python benchmarks/ingest_folder.py --record        # also update benchmarks/RESULTS.md
    .venv/bin/python benchmarks/ingest_folder.py --per-page now.json --against before.json
    nice .venv/bin/python benchmarks/ingest_folder.py --pages-total 151   # 151 pages made from the 30

``--pages`` is either a folder in the extraction benchmark's layout (``html/<key>.html.gz``
and ``ground-truth.json`` with each page's marked ``articleBody``) or a plain folder of
``.html``/``.htm`` pages (gzipped or not). The pages are written, unzipped, into one temporary
folder, and ``newsdesk ingest FOLDER`` runs on it with no option, into an empty temporary corpus
(its own index and query log: nothing of the user's is touched). Printed:

- pages ingested / given (and why the others were not, from ingest's summary line);
- outlet, title (no site name before or after it) and date right, against ``--expected``: a
  JSON file of the values each page itself gives (for extraction-dev,
  ``benchmarks/data/extraction_dev_expected.json``, written by reading the pages, never from
  newsdesk's output; a folder's own ``expected.json`` is used when there is one). Without one,
  only how often each was found is shown;
- canonical URL present; body F1 against the marked bodies (the extraction benchmark's
  shingle measure, summed over pages) when the folder has them;
- when the pages are searchable: the ingest prints one line once the index is saved by the
  pages' words (BM25), before it reads them for meaning; the time of that line, and a question
  asked at once (a new ``newsdesk ask`` while the vectors are being made: it must find the
  article by its words);
- when the reader's vectors are done: the time the ingest command returns (the index saved
  again with them); the same ingest without the reader stage (``NEWSDESK_READER=off``), and a
  question asked after it all.

Each corpus file is matched to the page it came from by its text (the share of its 4-token
shingles found in the page's text), not by anything newsdesk wrote about it. ``--per-page``
and ``--against`` save each page's body score and compare it with an earlier run's
(:mod:`page_changes`).

``--pages-total N`` ingests a folder of N pages made from the given ones, each copy a distinct
article of the same size and markup (:mod:`page_copies`: its title, address and paragraph order
changed), to measure how long a folder of that size takes (the issue's 151 pages). Copies of one
page share their text, so outlet, title, date and body are then only counted as found.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import page_changes  # noqa: E402
from extraction import Score, shingles  # noqa: E402
from page_copies import made_into  # noqa: E402
from results import replace_section  # noqa: E402

from retrieval.corpus import Article, load_corpus  # noqa: E402

DEFAULT_PAGES = ROOT.parent / "shared" / "eval" / "extraction-dev"
DEFAULT_EXPECTED = HERE / "data" / "extraction_dev_expected.json"
TARGET_RIGHT = 0.95
TARGET_F1 = 0.96
_SUMMARY = re.compile(r"^\d+ added\b.*$", re.M)


@dataclass
class Page:
    key: str
    html: bytes
    marked: str | None = None  # the body a person marked, when the folder has it
    expected: dict = field(default_factory=dict)
    url: str | None = None  # the page's address, when the folder gives it


def _read_pages(folder: Path, expected_file: Path | None) -> list[Page]:
    truth_file = folder / "ground-truth.json"
    truth = json.loads(truth_file.read_text(encoding="utf-8")) if truth_file.is_file() else {}
    expected = json.loads(expected_file.read_text(encoding="utf-8")) if expected_file else {}
    files = sorted(p for p in (folder / "html" if (folder / "html").is_dir() else folder).iterdir() if p.is_file())
    pages = []
    for path in files:
        name = path.name.removesuffix(".gz")
        if not name.lower().endswith((".html", ".htm")):
            continue
        key = name.rsplit(".", 1)[0]
        data = path.read_bytes()
        html = gzip.decompress(data) if path.name.endswith(".gz") else data
        marked = truth.get(key, {}).get("articleBody")
        pages.append(Page(key, html, marked, expected.get(key, {}), truth.get(key, {}).get("url")))
    return pages


def _page_text(html: bytes) -> str:
    """All the page's text, scripts' included (some sites carry the article in a JSON blob)."""
    from lxml import html as lxml_html

    match = re.search(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", html[:4096], re.I)
    try:
        text = html.decode(match.group(1).decode("ascii") if match else "utf-8", "replace")
    except LookupError:
        text = html.decode("utf-8", "replace")
    return lxml_html.fromstring(text).text_content()


def _match(articles: list[Article], pages: list[Page]) -> dict[str, Article]:
    """Each page's article: the corpus file most of whose text is in the page (greedy, best first)."""
    page_shingles = {p.key: set(shingles(_page_text(p.html))) for p in pages}
    pairs = []
    for article in articles:
        own = set(shingles(article.body))
        for key, there in page_shingles.items():
            if own:
                pairs.append((len(own & there) / len(own), key, article))
    matched: dict[str, Article] = {}
    used: set[str] = set()
    for share, key, article in sorted(pairs, key=lambda p: -p[0]):
        if share >= 0.5 and key not in matched and article.id not in used:
            matched[key] = article
            used.add(article.id)
    return matched


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(str.maketrans("‘’“”", "''\"\""))
    return " ".join(text.casefold().split())


def _right(field_name: str, article: Article, expected: dict) -> bool | None:
    wanted = expected.get(field_name)
    if not wanted:
        return None
    got = {"outlet": article.source, "title": article.title}.get(field_name)
    if field_name == "date":
        got = article.published.isoformat() if article.published else ""
    return _norm(got or "") in {_norm(w) for w in wanted}


def _newsdesk() -> str:
    beside = Path(sys.executable).parent / "newsdesk"
    return str(beside) if beside.exists() else "newsdesk"


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env.update(NEWSDESK_CORPUS=str(tmp / "corpus"), NEWSDESK_DB=str(tmp / "log.db"))
    return env


def run(pages: list[Page]) -> dict:
    with tempfile.TemporaryDirectory(prefix="newsdesk-ingest-bench-") as name:
        tmp = Path(name)
        folder = tmp / "pages"
        folder.mkdir()
        for page in pages:
            (folder / f"{page.key}.html").write_bytes(page.html)
        started, cpu_before = time.perf_counter(), _children_cpu()
        done, searchable, early = _ingest(tmp, folder, started)
        ingest_seconds, ingest_cpu = time.perf_counter() - started, _children_cpu() - cpu_before
        articles = list(load_corpus(tmp / "corpus").articles)
        ask_seconds, found = _first_question(tmp, articles)
        words_only = _words_only_seconds(tmp, folder)
    summary = _SUMMARY.findall(done.stdout + done.stderr)
    notes = [line.strip() for line in done.stdout.splitlines() if line.strip().startswith("note:")]
    return {
        "given": len(pages),
        "articles": articles,
        "matched": _match(articles, pages),
        "summary": summary[-1] if summary else (done.stderr.strip().splitlines() or ["(no summary)"])[-1],
        "notes": notes,
        "exit": done.returncode,
        "ingest_seconds": ingest_seconds,
        "searchable_seconds": searchable,
        "early_ask": early,
        "ingest_cpu": ingest_cpu,
        "words_only_seconds": words_only,
        "ask_seconds": ask_seconds,
        "ask_found": found,
    }


_SEARCHABLE = "searchable now by their words"


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str


def _ingest(tmp: Path, folder: Path, started: float) -> tuple[Done, float | None, tuple[float, bool | None] | None]:
    """``newsdesk ingest FOLDER``, its output read as it comes: when it says the pages are
    searchable (seconds since ``started``), a question is asked at once, while it reads them."""
    lines: list[str] = []
    searchable: float | None = None
    early: tuple[float, bool | None] | None = None
    with (tmp / "ingest-stderr.txt").open("w+", encoding="utf-8") as errors:  # a file: a full pipe would stall it
        proc = subprocess.Popen(
            [_newsdesk(), "ingest", str(folder)], env=_env(tmp), stdout=subprocess.PIPE, stderr=errors, text=True
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if searchable is None and _SEARCHABLE in line:
                searchable = time.perf_counter() - started
                early = _first_question(tmp, list(load_corpus(tmp / "corpus").articles))
        proc.wait()
        errors.seek(0)
        stderr = errors.read()
    return Done(proc.returncode, "".join(lines), stderr), searchable, early


def _words_only_seconds(tmp: Path, folder: Path) -> float:
    """The same ingest without the reader stage (``NEWSDESK_READER=off``, a corpus of its own):
    the pages searchable by their words alone, the split between extraction and vectors."""
    env = {**_env(tmp), "NEWSDESK_CORPUS": str(tmp / "corpus-words"), "NEWSDESK_READER": "off"}
    started = time.perf_counter()
    subprocess.run([_newsdesk(), "ingest", str(folder)], env=env, capture_output=True, text=True)
    return time.perf_counter() - started


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _first_question(tmp: Path, articles: list[Article]) -> tuple[float, bool | None]:
    """Time the first question after the ingest: one ingested article's title, asked as a question."""
    if not articles:
        return 0.0, None
    article = sorted(articles, key=lambda a: a.id)[0]
    started = time.perf_counter()
    done = subprocess.run(
        [_newsdesk(), "ask", "--no-log", "--json", f"What happened: {article.title}?"],
        env=_env(tmp), capture_output=True, text=True,
    )
    seconds = time.perf_counter() - started
    try:
        answer = json.loads(done.stdout)
    except json.JSONDecodeError:
        return seconds, False
    return seconds, article.id in json.dumps(answer) or article.title in json.dumps(answer, ensure_ascii=False)


def figures(pages: list[Page], ran: dict) -> dict:
    matched: dict[str, Article] = ran["matched"]
    right: dict[str, Counter[bool | None]] = {f: Counter() for f in ("outlet", "title", "date")}
    misses: list[str] = []
    score = Score()
    per_page: dict[str, Score] = {}
    for page in pages:
        article = matched.get(page.key)
        if page.marked is not None:
            score.add(article.body if article else "", page.marked)
            per_page[page.key] = Score()
            per_page[page.key].add(article.body if article else "", page.marked)
        if article is None:
            misses.append(f"{page.key[:10]}: not ingested")
            continue
        for name in right:
            verdict = _right(name, article, page.expected)
            right[name][verdict] += 1
            if verdict is False:
                got = {"outlet": article.source, "title": article.title, "date": article.published}[name]
                misses.append(f"{page.key[:10]}: {name} {got!r}, expected {page.expected[name][0]!r}")
    return {
        "right": right,
        "found": {
            "outlet": sum(bool(a.source) for a in matched.values()),
            "title": sum(bool(a.title) for a in matched.values()),
            "date": sum(a.published is not None for a in matched.values()),
            "canonical URL": sum(bool(a.url) for a in matched.values()),
        },
        "score": score,
        "marked_pages": len(per_page),
        "per_page": per_page,
        "misses": misses,
    }


def report(label: str, pages: list[Page], ran: dict, got: dict) -> str:
    given, ingested = ran["given"], len(ran["articles"])
    lines = [
        f"Pages: {label}, {given} given, ingested as one folder by `newsdesk ingest FOLDER` (no option) into an empty corpus.",
        "",
        "| measure | result | target |",
        "|---|---|---|",
        f"| pages ingested / given | {ingested} / {given} | every page |",
    ]
    for name in ("outlet", "title", "date"):
        verdict = got["right"][name]
        checked = verdict[True] + verdict[False]
        if checked:
            share = verdict[True] / checked
            lines.append(f"| {name} right | {verdict[True]} / {checked} ({share:.0%}) | >= {TARGET_RIGHT:.0%} |")
        else:
            lines.append(f"| {name} found (no expected values) | {got['found'][name]} / {given} | |")
    lines.append(f"| canonical URL present | {got['found']['canonical URL']} / {given} | |")
    if got["marked_pages"]:
        s = got["score"]
        lines.append(
            f"| body F1 vs marked body ({got['marked_pages']} pages) | {s.f1:.3f} (P {s.precision:.3f}, R {s.recall:.3f}) | >= {TARGET_F1} |"
        )
    if ran["searchable_seconds"] is not None and ran["early_ask"] is not None:
        seconds, hit = ran["early_ask"]
        early = {True: "found the article", False: "did NOT find it", None: "nothing to ask"}[hit]
        lines.append(
            f"| searchable after (ingest's line: index saved by the pages' words) | {ran['searchable_seconds']:.1f} s | |"
        )
        lines.append(f"| a question asked then, while the vectors are made (`newsdesk ask`, new process) | {seconds:.1f} s ({early}) | |")
    else:
        lines.append("| searchable after | (ingest never said so: no words-first step) | |")
    lines.append(
        f"| reader vectors done after (the ingest command returns, the index saved again with them) "
        f"| {ran['ingest_seconds']:.1f} s ({ran['ingest_cpu']:.1f} s CPU) | |"
    )
    lines.append(
        f"| the same without the reader stage (`NEWSDESK_READER=off`: searchable by words only) "
        f"| {ran['words_only_seconds']:.1f} s | |"
    )
    found = {True: "found the article", False: "did NOT find it", None: "nothing to ask"}[ran["ask_found"]]
    lines.append(f"| first question after it all (`newsdesk ask`, new process) | {ran['ask_seconds']:.1f} s ({found}) | |")
    lines += ["", f"Ingest's summary: `{ran['summary']}` (exit status {ran['exit']}); {len(ran['notes'])} note line(s)."]
    if got["misses"]:
        lines += ["", "Misses:", *(f"- {m}" for m in got["misses"])]
    if ran["notes"]:
        lines += ["", "Ingest's notes:", *(f"- {n.removeprefix('note: ')}" for n in ran["notes"])]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=Path, default=DEFAULT_PAGES, help="folder of pages (see above)")
    parser.add_argument("--expected", type=Path, help="JSON of expected outlet/title/date per page key")
    parser.add_argument("--record", action="store_true", help="update the section in benchmarks/RESULTS.md")
    parser.add_argument("--per-page", type=Path, help="save each page's body score (JSON) to this file")
    parser.add_argument("--against", type=Path, help="compare each page's body score with this earlier --per-page file")
    parser.add_argument("--pages-total", type=int, help="make the pages into this many distinct ones (see page_copies)")
    args = parser.parse_args()
    expected = args.expected
    if expected is None:
        own = args.pages / "expected.json"
        expected = own if own.is_file() else DEFAULT_EXPECTED if args.pages.resolve() == DEFAULT_PAGES.resolve() else None
    if not args.pages.is_dir():
        print(f"no pages at {args.pages} (pass --pages FOLDER)", file=sys.stderr)
        return 2
    pages = _read_pages(args.pages, expected)
    if not pages:
        print(f"no .html pages in {args.pages}", file=sys.stderr)
        return 2
    label = f"`{args.pages.name}`" + (f", expected values from `{expected.name}`" if expected else "")
    name, option = args.pages.name, ""
    if args.pages_total:
        label = f"`{args.pages.name}`'s {len(pages)} pages made into {args.pages_total} distinct ones (benchmarks/page_copies.py)"
        name, option = f"{args.pages.name} made into {args.pages_total}", f" --pages-total {args.pages_total}"
        originals = [(p.key, p.html, p.expected.get("title") or [], p.url) for p in pages]
        pages = [Page(key, html) for key, html in made_into(originals, args.pages_total)]
    load_before = os.getloadavg()
    ran = run(pages)
    got = figures(pages, ran)
    text = report(label, pages, ran, got)
    machine = (
        f"{os.cpu_count()} cores, load average {load_before[0]:.1f} before it ran, "
        f"{os.getloadavg()[0]:.1f} after"
    )
    print(text)
    print(machine)
    if args.per_page:
        page_changes.save(args.per_page, got["per_page"])
    if args.against:
        print("\n" + page_changes.compare(args.against, got["per_page"]))
    if args.record:
        when = dt.date.today().isoformat()
        section = (
            f"# Ingesting a folder of real pages ({name})\n\n"
            f"Command: `python benchmarks/ingest_folder.py{option} --record` ({when}; {machine})\n\n{text}"
        )
        replace_section(HERE / "RESULTS.md", section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
