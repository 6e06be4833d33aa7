"""Per-page body scores of a folder benchmark, saved, and compared with an earlier run's.

``benchmarks/ingest_folder.py --per-page FILE`` saves each page's shingle counts (true
positives, extracted, marked) and F1; ``--against FILE`` prints, for the pages whose F1
changed since that file was saved, before and after, and a two-sided sign test over them (a
change of less than 0.0005 counts as none). The test says how likely so many pages moving one
way would be if each change were a coin toss: not whether the change is big.
"""

from __future__ import annotations

import json
from math import comb
from pathlib import Path

_SAME = 0.0005  # F1 printed to three places: a smaller change is not a change


def page_scores(scores: dict) -> dict[str, dict[str, float]]:
    """``{key: Score}`` as plain numbers, for a JSON file."""
    return {
        key: {"tp": s.true_positive, "extracted": s.extracted, "marked": s.marked, "f1": round(s.f1, 4)}
        for key, s in sorted(scores.items())
    }


def save(path: Path, scores: dict) -> None:
    path.write_text(json.dumps(page_scores(scores), indent=1) + "\n", encoding="utf-8")


def sign_test(ups: int, downs: int) -> float:
    """Two-sided sign test: the chance of a split at least this uneven from fair coin tosses."""
    n = ups + downs
    if n == 0:
        return 1.0
    tail = sum(comb(n, k) for k in range(min(ups, downs) + 1)) / 2**n
    return min(1.0, 2 * tail)


def compare(before_file: Path, scores: dict) -> str:
    """Lines naming each page whose F1 changed since ``before_file``, and the sign test."""
    before = json.loads(before_file.read_text(encoding="utf-8"))
    now = page_scores(scores)
    lines = ["| page | F1 before | F1 now | change |", "|---|---|---|---|"]
    ups = downs = 0
    for key in sorted(set(before) & set(now)):
        change = now[key]["f1"] - before[key]["f1"]
        if abs(change) < _SAME:
            continue
        ups, downs = ups + (change > 0), downs + (change < 0)
        lines.append(f"| {key[:12]} | {before[key]['f1']:.3f} | {now[key]['f1']:.3f} | {change:+.3f} |")
    summary = (
        f"Pages changed since {before_file.name}: {ups + downs} of {len(now)} ({ups} up, {downs} down); "
        f"sign test p = {sign_test(ups, downs):.3f}."
    )
    return "\n".join([summary, "", *lines]) if ups + downs else summary
