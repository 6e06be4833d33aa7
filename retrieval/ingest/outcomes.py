"""What ingesting a page came to: the article written (:class:`IngestResult`), or why not
(:class:`DuplicateArticleError` and the other :class:`~retrieval.ingest.raw_page.IngestError`),
and the one summary line of a batch (:func:`summarise`).

Guarantee: every outcome of a batch is counted once in its summary, as added, replaced,
re-dated, skipped (the corpus has it) or failed, each with its reason.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.corpus import Article
from retrieval.ingest.raw_page import IngestError

log = logging.getLogger(__name__)


class DuplicateArticleError(IngestError):
    """The article is already in the corpus; ``existing`` is the corpus file that has it."""

    def __init__(self, raw_path: Path | str, message: str, existing: Path, *, reason: str) -> None:
        super().__init__(raw_path, message, reason=reason)
        self.existing = existing


@dataclass(frozen=True)
class IngestResult:
    path: Path  # the corpus file written
    article: Article
    warnings: list[str] = field(default_factory=list)
    replaced: bool = False  # the same article (same URL, or same id and title) was overwritten
    doubts: tuple[str, ...] = ()  # why the extracted text looks wrong ("repeats"), each a note too
    redated: bool = False  # only its date changed (``--published``): its file rewritten, its id kept

    @property
    def flags(self) -> list[str]:
        """What the batch summary counts about this article: undated, text to check."""
        undated = ["undated"] if self.article.published is None else []
        return undated + (["text to check"] if self.doubts else [])


@dataclass(frozen=True)
class IngestOutcome:
    """One page of a batch: either ``result`` or ``error`` is set."""

    raw_path: Path | str
    result: IngestResult | None = None
    error: IngestError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def skipped(self) -> bool:
        """Not added because the corpus already has it (not a failure)."""
        return isinstance(self.error, DuplicateArticleError)


def summarise(outcomes: Iterable[IngestOutcome]) -> str:
    """``N added, N skipped (why), N failed (why)``: the last line of every batch.

    Articles replaced (``--overwrite``) are counted apart, ``N replaced`` after the added,
    when there are any: the corpus did not grow by them; so are those only given a date
    (``--published`` on an article stored undated), ``N re-dated``. Among those written, the undated
    and those whose text looks wrong are counted in brackets after the added
    (``5 added (1 undated, 1 text to check)``): each has its own note above.
    """
    added = replaced = redated = 0
    skipped: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    written: Counter[str] = Counter()
    for outcome in outcomes:
        if outcome.result is not None:
            written.update(outcome.result.flags)
        if outcome.result is not None and outcome.result.redated:
            redated += 1
        elif outcome.result is not None and outcome.result.replaced:
            replaced += 1
        elif outcome.ok:
            added += 1
        elif outcome.error is not None:
            (skipped if outcome.skipped else failed)[outcome.error.reason] += 1

    def whys(count: Counter[str]) -> str:
        listed = ", ".join(f"{n} {why}" for why, n in count.most_common())
        return f" ({listed})" if listed else ""

    def part(count: Counter[str], label: str) -> str:
        return f"{sum(count.values())} {label}{whys(count)}"

    changed = f"{added} added" + (f", {replaced} replaced" if replaced else "") + (f", {redated} re-dated" if redated else "")
    changed += whys(written)
    return f"{changed}, {part(skipped, 'skipped')}, {part(failed, 'failed')}"
