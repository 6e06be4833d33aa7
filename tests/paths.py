"""Where the tests find their data."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The five raw news pages the bundled corpus was made from (copied from ../shared/seeds).
SEEDS_DIR = Path(__file__).resolve().parent / "fixtures" / "seeds"
# Held-out evaluation questions live beside the project, not in it; tests skip without them.
DEV_QUESTIONS = ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"
# Small article pages written for the tests (HTML extraction, the local web server).
HTML_DIR = Path(__file__).resolve().parent / "fixtures" / "html"
# A few short invented articles (three outlets, 2021-2022) for tests that assert answers:
# questions written for the tests, never the evaluation sets' questions.
FIXTURE_CORPUS = Path(__file__).resolve().parent / "fixtures" / "archive"

# Tests that measure against the held-out questions skip, saying why, on a bare clone.
DEV_QUESTIONS_MISSING = (
    f"the evaluation set {DEV_QUESTIONS} is not beside this checkout "
    "(it lives in ../shared, outside the repository)"
)
