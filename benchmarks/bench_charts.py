"""Charts benchmark: how long the stats chart takes on a large query log, beside the plain-text
stats it accompanies.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_charts.py                # 100,000 questions, 5 runs
    .venv/bin/python benchmarks/bench_charts.py --rows 20000 --runs 3
    .venv/bin/python benchmarks/bench_charts.py --write        # also record in benchmarks/RESULTS.md

Builds a log file of ``--rows`` questions spread over 365 days (a Zipf mix of 5,000 distinct
questions, a quarter unanswered, votes on one answer in ten) through the real migrations, then
times, on a read-only connection (``open_reader``), for the last 30 days, the last 90 days and all time:

- ``data``: :func:`bot.charts.chart_data` (the aggregate queries);
- ``draw``: :func:`bot.charts.build_figure` + :func:`bot.charts.render_png` (PNG bytes);
- ``chart``: both, what ``/querylog stats`` and the dashboard add per request;
- ``text stats``: :func:`bot.querylog.queries.stats`, the plain-text stats query (baseline).

Each figure is the median of ``--runs`` runs after one warm-up run (the first render in a
process also loads fonts: printed separately as ``first chart``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import matplotlib  # noqa: E402
from sqlite_utils import Database  # noqa: E402

from bot import charts  # noqa: E402
from bot.querylog import open_database, open_reader, queries  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SECTION = "# Charts benchmark"
DAYS = 365
NOW = dt.datetime(2026, 6, 30, 12, tzinfo=dt.timezone.utc)
WORDS = (
    "iran iraq troops dam mosul kurdish forces ceasefire gaza un statement election oil price "
    "sanctions talks refugees border attack militants airstrike government minister report"
).split()


def build_log(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    questions = [" ".join(rng.sample(WORDS, rng.randint(3, 8))).capitalize() + "?" for _ in range(5000)]
    weights = [1 / (rank + 1) for rank in range(len(questions))]
    db = open_database(path)
    start = NOW - dt.timedelta(days=DAYS)
    picked = rng.choices(questions, weights, k=rows)
    data = []
    for n, question in enumerate(picked):
        asked = start + dt.timedelta(seconds=rng.uniform(0, DAYS * 86400))
        stamp = asked.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        data.append((stamp, "discord", str(rng.randint(1, 400)), "5", "10", question, int(rng.random() > 0.25), "[]"))
    with db.conn:
        db.conn.executemany(
            "INSERT INTO queries (asked_at, interface, user_id, guild_id, channel_id, question, answered, article_ids) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            data,
        )
        ids = [row[0] for row in db.conn.execute("SELECT id FROM queries WHERE answered = 1")]
        votes = [(qid, f"u{qid}", rng.choice((1, 1, 1, -1)), "2026-01-01T00:00:00.000Z") for qid in rng.sample(ids, len(ids) // 10)]
        db.conn.executemany("INSERT INTO feedback (query_id, user_id, value, given_at) VALUES (?, ?, ?, ?)", votes)
    db.conn.close()


def median_seconds(function: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall-clock and CPU seconds (CPU time is steadier when other work shares the cores)."""
    function()  # warm-up
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def measure(db: Database, days: int | None, runs: int) -> dict[str, Any]:
    since = None if days is None else NOW - dt.timedelta(days=days)
    data = charts.chart_data(db, since, today=NOW.date())
    return {
        "data": median_seconds(lambda: charts.chart_data(db, since, today=NOW.date()), runs),
        "draw": median_seconds(lambda: charts.render_png(charts.build_figure(data)), runs),
        "chart": median_seconds(lambda: charts.render_png(charts.build_figure(charts.chart_data(db, since, today=NOW.date()))), runs),
        "text": median_seconds(lambda: queries.stats(db, since=since), runs),
        "png_kb": len(charts.render_png(charts.build_figure(data))) / 1024,
        "questions": data.questions,
    }


def _pair(value: tuple[float, float]) -> str:
    return f"{value[0]:.3f} / {value[1]:.3f}"


def table(rows: int, first: float, results: dict[str, dict[str, Any]]) -> str:
    lines = [
        f"Log: {rows:,} questions over {DAYS} days (5,000 distinct, 25% unanswered, votes on 10% of answers). "
        f"First chart in a new process (matplotlib loading its fonts): {first:.2f} s wall.",
        "",
        "Seconds, wall / CPU:",
        "",
        "| period | questions | data | draw | **chart (data + draw)** | text stats (baseline) | PNG KiB |",
        "|---|---|---|---|---|---|---|",
    ]
    for period, r in results.items():
        lines.append(
            f"| {period} | {r['questions']:,} | {_pair(r['data'])} | {_pair(r['draw'])} | **{_pair(r['chart'])}** | "
            f"{_pair(r['text'])} | {r['png_kb']:.0f} |"
        )
    return "\n".join(lines)


def record(text: str, command: str) -> None:
    section = (
        f"{SECTION}\n\nCommand: `{command}`  \nMachine: 2 cores, {platform.machine()}, Python "
        f"{platform.python_version()}, matplotlib {matplotlib.__version__}; load average "
        f"{os.getloadavg()[0]:.1f} when it ran (other work shared the cores), so wall-clock times are "
        f"indicative and CPU times the steadier figure.\n\n{text}\n\n"
        "- data: `charts.chart_data` (questions and answered per UTC day, votes per day, top unanswered: "
        "three aggregate queries). draw: `build_figure` + `render_png` (800 px wide PNG, Agg). "
        "text stats: `queries.stats`, the figures `newsdesk logs stats` prints (top questions, channels, "
        "users as well). Both group rephrasings with the analyzer (keys cached per distinct question). "
        "Medians of the runs after a warm-up.\n"
    )
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^# |\Z)", re.S | re.M)
    new = pattern.sub(lambda _m: section, old) if pattern.search(old) else old.rstrip("\n") + "\n\n" + section
    from retrieval.store.atomic import write_text_atomically

    write_text_atomically(RESULTS, new)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="record the table in benchmarks/RESULTS.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-charts-") as folder:
        path = Path(folder) / "log.db"
        start = time.perf_counter()
        build_log(path, args.rows)
        print(f"built a log of {args.rows:,} questions in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        db = open_reader(path)
        start = time.perf_counter()
        charts.chart_png(db, NOW - dt.timedelta(days=30))
        first = time.perf_counter() - start
        results = {
            label: measure(db, days, args.runs) for label, days in (("last 30 days", 30), ("last 90 days", 90), ("all time", None))
        }
        db.close()
    text = table(args.rows, first, results)
    print(text)
    if args.write:
        record(text, "python benchmarks/bench_charts.py --write" + ("" if args.rows == 100_000 else f" --rows {args.rows}"))


if __name__ == "__main__":
    main()
