"""Long-page benchmark: the peak memory of `newsdesk ingest` and `newsdesk ask` after a page of
one endless sentence (5 MB by default), beside the same archive without it.

Usage (from the repository root)::

    nice .venv/bin/python benchmarks/bench_long_page.py                 # 5 MB, the reader on
    .venv/bin/python benchmarks/bench_long_page.py --megabytes 0.2      # a quick run
    .venv/bin/python benchmarks/bench_long_page.py --results benchmarks/RESULTS.md

Two copies of the bundled corpus are made in a temporary folder. Into one, `newsdesk ingest`
adds an HTML page whose article is a single sentence of ``--megabytes`` MB (no full stop
before its end; the largest page newsdesk accepts is 5,000,000 bytes). Into the other, the
baseline, it adds a normal page. Then `newsdesk ask` asks the same question twice of each (the
first ask after an ingest may apply the new file as a delta; the second loads the saved
archive). Each command is a real process run as a user runs it; its peak resident memory is
the kernel's figure for that process alone (``wait4``'s ``ru_maxrss``). The target: each ask
of the archive with the page at most 300 MB above the same ask of the baseline.

The reader reads only the long page's first ``MAX_READ_PASSAGES`` passages (300; the rest is
indexed by its words), so the ingest takes about a minute; before that cap it read every unit
of the page (about 10-15 units a second per core): at 5 MB, tens of minutes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NEWSDESK = Path(sys.executable).parent / "newsdesk"
QUESTION = "What did the water board say about the reservoir on day 7406?"
TARGET_MB = 300.0
PAGE = """<html><head><title>{title}</title>
<meta property="og:site_name" content="Valley Post">
<meta property="article:published_time" content="2021-04-15T08:00:00Z">
</head><body><article><h1>{title}</h1>{body}</article></body></html>"""
CLAUSE = "the water board said the levels of the reservoir in the northern valley kept rising"


def endless_page(megabytes: float) -> str:
    """An HTML page whose article is one sentence of about ``megabytes`` MB."""
    parts: list[str] = []
    size, day = 0, 0
    limit = int(megabytes * 1_000_000) - 600  # the markup around it
    while size < limit:
        part = f"{CLAUSE} on day {day}"
        parts.append(part)
        size += len(part) + 5
        day += 1
    body = " and ".join(parts) + "."
    return PAGE.format(title="Reservoir levels keep rising in the valley", body=f"<p>{body}</p>")


def normal_page() -> str:
    body = (
        "<p>Engineers opened the spillway of the Orin dam on Thursday after record rain.</p>"
        "<p>The reservoir had risen to within a metre of the crest, the water board said.</p>"
    )
    return PAGE.format(title="Engineers open Orin dam spillway after record rain", body=body)


def run(args: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Peak resident memory (MB), wall seconds and CPU seconds (user and system) of one
    newsdesk process (its CPU time does not grow with the machine's load, its wall time does)."""
    start = time.monotonic()
    proc = subprocess.Popen([str(NEWSDESK), *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode not in (0, 1):
        raise SystemExit(f"newsdesk {' '.join(args[:1])} failed ({proc.returncode}): {err[-1500:]}")
    return usage.ru_maxrss / 1024, time.monotonic() - start, usage.ru_utime + usage.ru_stime


def measure(folder: Path, megabytes: float, reader: bool) -> dict[str, dict[str, float]]:
    found: dict[str, dict[str, float]] = {}
    for name, page in (("baseline", normal_page()), ("long page", endless_page(megabytes))):
        corpus = folder / name.replace(" ", "-") / "corpus"
        shutil.copytree(ROOT / "corpus", corpus, ignore=shutil.ignore_patterns(".index", ".*"))
        raw = folder / f"{name.replace(' ', '-')}.html"
        raw.write_text(page, encoding="utf-8")
        env = {
            **os.environ,
            "NEWSDESK_CORPUS": str(corpus),
            "NEWSDESK_DB": str(corpus.parent / "log.db"),
            "NEWSDESK_READER": "on" if reader else "off",
        }
        env.pop("NEWSDESK_INDEX", None)
        row: dict[str, float] = {"page MB": raw.stat().st_size / 1e6}
        row["ingest MB"], row["ingest s"], row["ingest CPU s"] = run(["ingest", str(raw)], env)
        row["ask 1 MB"], row["ask 1 s"], _ = run(["ask", QUESTION, "--no-log"], env)
        row["ask 2 MB"], row["ask 2 s"], row["ask 2 CPU s"] = run(["ask", QUESTION, "--no-log"], env)
        found[name] = row
        print(name, {k: round(v, 1) for k, v in row.items()}, flush=True)
    return found


def table(found: dict[str, dict[str, float]], megabytes: float, reader: bool) -> str:
    base, long = found["baseline"], found["long page"]
    lines = [
        "# Long page: peak memory",
        "",
        f"Command: `nice .venv/bin/python benchmarks/bench_long_page.py --megabytes {megabytes:g}"
        f"{'' if reader else ' --reader off'}` on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} cores, {dt.date.today().isoformat()}, reader {'on' if reader else 'off'}, "
        f"load average {os.getloadavg()[0]:.1f} at the end. "
        "The bundled corpus plus one page, each command a new process; peak resident memory is "
        "that process's own (`wait4` ru_maxrss).",
        "",
        "| | page | ingest peak | ingest s (CPU s) | first ask peak | second ask peak | ask s (CPU s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, row in found.items():
        lines.append(
            f"| {name} | {row['page MB']:.2f} MB | {row['ingest MB']:.0f} MB | "
            f"{row['ingest s']:.0f} ({row['ingest CPU s']:.0f}) | {row['ask 1 MB']:.0f} MB | {row['ask 2 MB']:.0f} MB | "
            f"{row['ask 2 s']:.1f} ({row['ask 2 CPU s']:.1f}) |"
        )
    over = max(long["ask 1 MB"] - base["ask 1 MB"], long["ask 2 MB"] - base["ask 2 MB"])
    verdict = "met" if over <= TARGET_MB else "NOT met"
    lines += ["", f"Ask with the page: at most {over:.0f} MB above the baseline (target ≤ {TARGET_MB:g} MB: {verdict})."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=float, default=4.99, help="size of the one-sentence page (at most 5)")
    parser.add_argument("--reader", choices=("on", "off"), default="on")
    parser.add_argument("--results", type=Path, help="append the table to this markdown file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newsdesk-long-page-") as folder:
        found = measure(Path(folder), args.megabytes, args.reader == "on")
    text = table(found, args.megabytes, args.reader == "on")
    print(text)
    if args.results:
        with args.results.open("a", encoding="utf-8") as out:
            out.write("\n" + text)


if __name__ == "__main__":
    main()
