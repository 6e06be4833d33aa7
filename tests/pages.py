"""Article pages for the tests, made from tests/fixtures/html/article.html: each with a title,
a canonical address and a sentence of its own, so each is a different article to ingest."""

from __future__ import annotations

from tests.paths import HTML_DIR

ARTICLE = (HTML_DIR / "article.html").read_text(encoding="utf-8")
_TITLE = "Harbour Town council votes to rebuild the old pier"
_ADDRESS = "https://ledger.example.org/news/2024/03/05/pier-rebuild"


def article_page(title: str, address: str) -> str:
    """article.html with ``title`` for its headline and ``address`` for its canonical URL; the
    title is repeated in the text so two pages never share all their words."""
    page = ARTICLE.replace(_TITLE, title).replace(_ADDRESS, address)
    return page.replace("Opponents had argued", f"{title}. Opponents had argued")
