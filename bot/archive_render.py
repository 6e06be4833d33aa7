"""What ``newsdesk ingest`` and ``newsdesk archive`` print about articles and the index: one line
per article, the ``--json`` objects, the index's state in words. Free of discord.py imports."""

from __future__ import annotations

from typing import Any

from bot.render_text import without_controls
from bot.settings import Settings
from retrieval.corpus import Article
from retrieval.library import Batch, FeedStateNotSaved, IndexState, PageOutcome, Refreshed


def article_json(article: Article) -> dict[str, Any]:
    """An article's fields as ``--json`` gives them (the body left out)."""
    return {
        "id": article.id,
        "outlet": article.source,
        "title": article.title,
        "published": article.published.isoformat() if article.published else None,
        "url": article.url or None,
        "file": str(article.path) if article.path else None,
    }


def article_line(article: Article) -> str:
    """``<id>  <date>  <outlet>, “<title>”``: one line however the page wrote its title."""
    date = article.published.isoformat() if article.published else "undated   "
    return without_controls(f"{article.id}  {date}  {article.source}, \u201c{article.title}\u201d")


def outcome_json(outcome: PageOutcome) -> dict[str, Any]:
    """One page of ``ingest --json``: the article written, or why not (its reason as the summary counts it)."""
    if outcome.result is not None:
        result = outcome.result
        return {
            "page": str(outcome.raw_path), **article_json(result.article), "file": str(result.path),
            "replaced": result.replaced, "redated": result.redated, "notes": list(result.warnings),
        }
    error = outcome.error
    found: dict[str, Any] = {"page": str(outcome.raw_path), "reason": getattr(error, "reason", ""), "message": str(error)}
    if outcome.skipped:
        found["existing"] = str(getattr(error, "existing", ""))
    return found


def batch_json(
    batch: Batch, refreshed: Refreshed | None, problem: FeedStateNotSaved | None = None, timing: dict[str, Any] | None = None
) -> dict[str, Any]:
    """``ingest --json``: the pages added, skipped and failed, the summary line, the index (null
    when nothing was done to it) with ``timing`` (:func:`index_timing`) and why the feeds'
    entries seen were not recorded (if so)."""
    index = None
    if refreshed is not None:
        index = {
            "state": refreshed.state.value, "articles": refreshed.articles, "passages": refreshed.passages,
            "pending_files": refreshed.pending_files, "problem": str(refreshed.problem) if refreshed.problem else None,
            **(timing or {}),
        }
    return {
        "added": [outcome_json(o) for o in batch.outcomes if o.result is not None],
        "skipped": [outcome_json(o) for o in batch.skipped],
        "failed": [outcome_json(o) for o in batch.failed],
        "summary": batch.summary(),
        "interrupted": batch.interrupted,
        "index": index,
        "feed_state_problem": str(problem) if problem else None,
    }


def index_timing(
    refreshed: Refreshed | None, made: Refreshed | None, *, semantic: bool, searchable: float | None,
    vectors_done: float | None,
) -> dict[str, Any]:
    """When the pages became searchable (by their words) and whether and when their reader
    vectors were made, as ``ingest --json`` gives them: ``vectors`` is ``done``, ``off`` (the
    reader is off), ``on load`` (the changes wait as a delta: the next load reads them, words
    and meaning), ``another process`` (making them now), ``not saved`` or ``interrupted``;
    ``passages_unread`` counts the passages left to their words (an over-long article's)."""
    last = made if made is not None else refreshed
    if not semantic:
        status = "off"
    elif last is not None and last.state is IndexState.INTERRUPTED:
        status = "interrupted"
    elif refreshed is not None and refreshed.state is IndexState.PENDING:
        status = "on load"
    elif made is not None and made.vectors_pending:
        status = "another process"
    elif vectors_done is None:
        status = "not saved"
    else:
        status = "done"
    return {
        "searchable_after_s": None if searchable is None else round(searchable, 3),
        "vectors": status,
        # Passages past an article's first MAX_READ_PASSAGES: found by their words only.
        "passages_unread": last.unread if last is not None and semantic else 0,
        "vectors_done_after_s": None if vectors_done is None else round(vectors_done, 3),
    }


def index_words(refreshed: Refreshed, settings: Settings) -> str:
    """What was done to the saved index, in words."""
    if refreshed.state is IndexState.PENDING:
        files = refreshed.pending_files
        return (
            f"index: {files} changed file{'s' if files != 1 else ''} pending as a delta on the saved index "
            f"(indexed when the archive loads; a running bot picks {'them' if files != 1 else 'it'} up "
            f"within {settings.watch_seconds:g} s)."
        )
    counts = f"{refreshed.articles} articles, {refreshed.passages} passages"
    if refreshed.vectors_pending:
        return f"index updated: {counts}; searchable now by their words, read for meaning next."
    if refreshed.problem is not None:
        return (
            f"index rebuilt ({counts}) but not saved: {refreshed.problem}; make it writable or "
            "set NEWSDESK_INDEX to a folder that is (until then `ask` and the bot rebuild it at every start)."
        )
    return f"index updated: {counts}."


