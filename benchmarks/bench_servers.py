"""Servers benchmark: one small server's reviews on a bot a large server shares, and the
refresh of the large server's private dashboard copy (``newsdesk dashboard --guild``).

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_servers.py                # 300,000 questions, 5 runs
    .venv/bin/python benchmarks/bench_servers.py --rows 50000 --runs 3
    .venv/bin/python benchmarks/bench_servers.py --write        # also record in benchmarks/RESULTS.md

Builds the charts benchmark's log (``--rows`` questions of server 5 over 365 days) plus 40
questions of server 77, then times on a read-only connection what ``/querylog`` runs for
server 77 over ten years: ``recent``, ``search``, ``stats``, ``export``, and the chart's data.
The baseline is the same call on a copy of the log without the index of migration
``0008_guild_index`` (as every log was before it).

Then, for server 5's dashboard copy: a refresh when nothing changed, a refresh after one new
question (rows written, from the copy's ``total_changes``), against the whole copy (what
every refresh after a change wrote before).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_charts import NOW, build_log, median_seconds  # noqa: E402
from results import replace_section  # noqa: E402
from sqlite_utils import Database  # noqa: E402

from bot import charts  # noqa: E402
from bot.dashboard_guild import GuildCopy  # noqa: E402
from bot.querylog import QueryLog, QueryRecord, open_reader, queries  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SECTION = "# Servers benchmark"
SMALL, LARGE = 77, 5

Review = Callable[[Database], object]


def add_small_server(path: Path) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO queries (asked_at, interface, user_id, guild_id, channel_id, question, answered, article_ids) "
            "VALUES (?, 'discord', '9', ?, '70', ?, ?, '[]')",
            [(f"2026-0{1 + n % 5}-1{n % 9}T10:00:00.000Z", str(SMALL), f"small server question {n}", n % 2) for n in range(40)],
        )
    conn.close()


def reviews() -> dict[str, Review]:
    since = NOW - dt.timedelta(days=3650)
    return {
        "recent 15": lambda db: queries.recent(db, 15, guild=SMALL),
        "search": lambda db: queries.search(db, "server", 50, guild=SMALL),
        "stats, 10 years": lambda db: queries.stats(db, since=since, guild=SMALL),
        "export, 10 years": lambda db: list(queries.iter_export_rows(db, since=since, guild=SMALL)),
        "chart data, 10 years": lambda db: charts.chart_data(db, since, today=NOW.date(), guild=SMALL),
    }


def time_reviews(path: Path, baseline: Path, runs: int) -> list[tuple[str, float, float]]:
    db, old = open_reader(path), Database(sqlite3.connect(f"file:{baseline}?mode=ro", uri=True))
    from bot.querylog.functions import register_functions

    register_functions(old.conn)
    rows = [(name, median_seconds(lambda: review(db), runs)[1], median_seconds(lambda: review(old), runs)[1]) for name, review in reviews().items()]
    db.close()
    old.close()
    return rows


def time_copy(path: Path, runs: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-copy-") as folder:
        start = time.process_time()
        copy = GuildCopy.create(path, Path(folder), LARGE)
        whole = time.process_time() - start
        unchanged = median_seconds(copy.refresh, runs)[1]
        log = QueryLog.open(path)
        changed, written = [], []
        for n in range(runs):
            log.record(QueryRecord(f"new question {n}", True, "discord", 1, LARGE, 10))
            before, start = copy._conn.total_changes, time.process_time()
            copy.refresh()
            changed.append(time.process_time() - start)
            written.append(copy._conn.total_changes - before)
        log.db.close()
        whole_rows = copy._conn.execute("SELECT (SELECT count(*) FROM queries) + (SELECT count(*) FROM feedback)").fetchone()[0]
        copy.close()
    return {
        "whole": whole, "unchanged": unchanged, "changed": statistics.median(changed),
        "written": statistics.median(written), "whole_rows": whole_rows,
    }


def table(rows: int, timed: list[tuple[str, float, float]], copy: dict[str, float]) -> str:
    lines = [
        f"Log: {rows:,} questions of server {LARGE} over 365 days (the charts benchmark's), 40 of server {SMALL}.",
        "",
        f"Server {SMALL}'s reviews, CPU seconds (median):",
        "",
        "| review | with `0008_guild_index` | without it (baseline) |",
        "|---|---|---|",
        *(f"| {name} | {new:.4f} | {old:.4f} |" for name, new, old in timed),
        "",
        f"Server {LARGE}'s dashboard copy, CPU seconds (median):",
        "",
        "| refresh | seconds | rows written |",
        "|---|---|---|",
        f"| nothing changed | {copy['unchanged']:.3f} | 0 |",
        f"| one new question | {copy['changed']:.3f} | {copy['written']:.0f} |",
        f"| whole copy (baseline: every refresh after a change before) | {copy['whole']:.3f} | {copy['whole_rows']:,} |",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="record the table in benchmarks/RESULTS.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-servers-") as folder:
        path, baseline = Path(folder) / "log.db", Path(folder) / "before.db"
        build_log(path, args.rows)
        add_small_server(path)
        shutil.copy(path, baseline)
        with sqlite3.connect(baseline) as conn:
            conn.execute("DROP INDEX idx_queries_guild_asked_at")
        text = table(args.rows, time_reviews(path, baseline, args.runs), time_copy(path, args.runs))
    print(text)
    if args.write:
        command = "python benchmarks/bench_servers.py --write" + ("" if args.rows == 300_000 else f" --rows {args.rows}")
        machine = f"Machine: 2 cores, {platform.machine()}, Python {platform.python_version()}; load average {os.getloadavg()[0]:.1f}."
        replace_section(RESULTS, f"{SECTION}\n\nCommand: `{command}`  \n{machine}\n\n{text}\n")


if __name__ == "__main__":
    main()
