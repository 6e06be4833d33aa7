"""Answers from the archive: the right excerpts, cited, short, distinct; or a plain refusal."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from retrieval.answer.answerer import EXCERPT_MAX_CHARS, QuestionError, ask, with_rest
from retrieval.archive import Archive
from retrieval.corpus import Article, load_corpus
from retrieval.text.passages import MAX_PASSAGE_CHARS
from retrieval.answer.filters import Filters

ROOT = Path(__file__).resolve().parents[2]
from tests.paths import DEV_QUESTIONS, DEV_QUESTIONS_MISSING


@pytest.fixture(scope="module")
def archive() -> Archive:
    corpus = load_corpus(ROOT / "corpus")
    loaded = Archive.build(corpus.articles, errors=corpus.errors)
    assert not loaded.errors
    return loaded


def _dev_questions() -> list[dict]:
    if not DEV_QUESTIONS.exists():
        return []
    return [json.loads(line) for line in DEV_QUESTIONS.read_text().splitlines() if line.strip()]


needs_dev = pytest.mark.skipif(not DEV_QUESTIONS.exists(), reason=DEV_QUESTIONS_MISSING)


def _rank_of_expected(answer, q: dict) -> int | None:
    for rank, result in enumerate(answer.results, start=1):
        if result.published and result.published.isoformat() == q["published"] and q["phrase"] in result.excerpt:
            return rank
    return None


@needs_dev
def test_dev_questions_expected_excerpt_first_for_nearly_all_and_top3_for_all(archive: Archive) -> None:
    answerable = [q for q in _dev_questions() if "phrase" in q]
    ranks = {q["id"]: _rank_of_expected(ask(archive, q["question"]), q) for q in answerable}
    missing = [qid for qid, rank in ranks.items() if rank is None]
    assert not missing, f"expected excerpt not in the top 3 for {missing}"
    first = sum(1 for rank in ranks.values() if rank == 1)
    assert first >= len(answerable) - 1, ranks


@needs_dev
@pytest.mark.parametrize("q", [q for q in _dev_questions() if q.get("answered") is False], ids=lambda q: q["id"])
def test_dev_off_topic_questions_are_refused(archive: Archive, q: dict) -> None:
    answer = ask(archive, q["question"])
    assert answer.answered is False
    assert answer.results == ()
    assert answer.reason


@pytest.mark.parametrize(
    "question",
    [
        "How do I reset my password?",
        "Recipe for chocolate cake",
        "Did Iran win the football match against Iraq?",
        "?!?",
        "THE AND OF TO",
    ],
)
def test_questions_the_archive_cannot_answer_are_refused(archive: Archive, question: str) -> None:
    assert ask(archive, question).answered is False


def test_answers_are_cited_with_outlet_title_and_date(archive: Archive) -> None:
    answer = ask(archive, "Did Iran send troops to Iraq?")
    assert answer.answered
    assert 1 <= len(answer.results) <= 3
    by_id = {a.id: a for a in archive.articles}
    for result in answer.results:
        article = by_id[result.article_id]
        assert (result.title, result.source, result.published) == (article.title, article.source, article.published)
        assert result.passage_id.startswith(result.article_id + "#")
        assert result.matched_terms
    scores = [r.score for r in answer.results]
    assert scores == sorted(scores, reverse=True)


def test_excerpts_are_short_plain_text_and_contain_their_matches(archive: Archive) -> None:
    for question in ["What did Iran's supreme leader promise?", "Iran Iraq Syria US ISIS militants government"]:
        for result in ask(archive, question, limit=10).results:
            assert len(result.excerpt) <= EXCERPT_MAX_CHARS
            assert "**" not in result.excerpt and "\n" not in result.excerpt
            for start, end in result.highlights:
                assert result.excerpt[start:end].lower() in {t.lower() for t in result.matched_terms}


def test_an_over_long_sentence_is_trimmed_around_the_match() -> None:
    filler = " ".join(["the committee discussed budgets and schedules"] * 30)
    body = f"{filler} while the Euphrates dam was captured by militants {filler}."
    archive = Archive.build([Article(id="x", title="T", source="S", published=dt.date(2015, 1, 1), body=body)])
    result = ask(archive, "Who captured the Euphrates dam?").results[0]
    assert len(result.excerpt) <= EXCERPT_MAX_CHARS
    assert "Euphrates dam was captured" in result.excerpt
    assert result.excerpt.startswith("…") and result.excerpt.endswith("…")


def test_a_trimmed_sentence_keeps_the_words_just_before_the_match() -> None:
    # The answer (the number) stands just before the question's words, and the words come
    # back later in the sentence: the cut is centred on their tightest stretch, not the widest.
    # (Longer than an excerpt, shorter than a passage: a longer sentence is cut into pieces.)
    before = " ".join(["the committee discussed budgets and schedules"] * 5)
    after = " ".join(["while regional hospitals in the province waited for funds"] * 5)
    body = f"{before} and the board counted fourteen modern and well equipped regional hospitals in the province, {after}."
    assert EXCERPT_MAX_CHARS < len(body) <= MAX_PASSAGE_CHARS
    archive = Archive.build([Article(id="x", title="T", source="S", published=dt.date(2015, 1, 1), body=body)])
    excerpt = ask(archive, "how many regional hospitals are in the province?").results[0].excerpt
    assert len(excerpt) <= EXCERPT_MAX_CHARS
    assert "fourteen modern and well equipped regional hospitals" in excerpt


def test_the_best_passage_comes_back_at_half_its_score_for_its_rest() -> None:
    order = [(7, 1.0), (3, 0.8), (5, 0.4)]
    assert with_rest(order) == [(7, 1.0), (3, 0.8), (7, 0.5), (5, 0.4)]
    assert with_rest([]) == []


def test_the_rest_of_the_best_paragraph_is_shown_when_nothing_else_matches_as_well() -> None:
    # The paragraph matches the question in its first sentences; the answer is further on,
    # past what one excerpt holds; the other articles barely match.
    opening = (
        "The river authority opened the northern harbour canal to barges in the spring. "
        "The northern harbour canal runs for twelve miles between the docks and the lakes. "
        "Barges on the northern harbour canal carry grain and timber and pay a toll at each lock. "
        "Pilots guide the larger barges through the narrow middle stretch of the canal. "
        "Traffic on the northern harbour canal doubled within a year of the opening. "
    )
    answer = "The work had been led by Margaret Olsen, the authority's chief engineer."
    articles = [
        Article(id="canal", title="Canal", source="S", published=dt.date(2015, 1, 1), body=opening + answer),
        Article(id="farm", title="Farm", source="S", published=dt.date(2015, 1, 2), body="Grain prices fell at the market."),
        Article(id="mill", title="Mill", source="S", published=dt.date(2015, 1, 3), body="The old mill burned down."),
    ]
    results = ask(Archive.build(articles), "who built the northern harbour canal", limit=3).results
    assert results[0].article_id == "canal"
    assert any("Margaret Olsen" in r.excerpt for r in results)


def test_an_excerpt_always_holds_a_word_of_the_question() -> None:
    # The best passage is a subheading and the paragraph after it; once the paragraph is
    # shown, the subheading alone is what is left of it, and it holds none of the words.
    body = (
        "What comes next?\n\n"
        "The river authority opened the northern harbour canal to barges in the spring, "
        "and traffic on the canal doubled within a year."
    )
    articles = [
        Article(id="canal", title="Canal", source="S", published=dt.date(2015, 1, 1), body=body),
        Article(id="farm", title="Farm", source="S", published=dt.date(2015, 1, 2), body="Grain prices fell at the market."),
        Article(id="dock", title="Dock", source="S", published=dt.date(2015, 1, 3), body="The harbour dock was repaired."),
    ]
    results = ask(Archive.build(articles), "when did the harbour canal open to barges", limit=3).results
    assert results[0].article_id == "canal"
    assert all(any(w in r.excerpt.lower() for w in ("harbour", "canal", "open", "barges")) for r in results)
    assert all(r.excerpt != "What comes next?" for r in results)


def test_the_same_text_is_not_shown_twice() -> None:
    story = (
        "Kurdish forces recaptured the strategic Mosul dam with American air support on Sunday.\n\n"
        "Officials said engineers would inspect the dam before water levels were changed."
    )
    articles = [
        Article(id="wire-1", title="Dam retaken", source="Agency", published=dt.date(2014, 8, 18), body=story),
        Article(id="wire-2", title="Dam retaken", source="Reprint", published=dt.date(2014, 8, 18), body=story),
        Article(
            id="other",
            title="Dam news",
            source="Daily",
            published=dt.date(2014, 8, 19),
            body="The dam near Mosul was recaptured, a spokesman for the Kurdish forces confirmed.",
        ),
    ]
    answer = ask(Archive.build(articles), "Who recaptured the Mosul dam?", limit=5)
    excerpts = [r.excerpt for r in answer.results]
    assert len(excerpts) == len(set(excerpts))
    assert {r.article_id for r in answer.results} >= {"other"}
    assert len([r for r in answer.results if r.article_id.startswith("wire")]) == 1


def test_more_gives_the_next_distinct_excerpts(archive: Archive) -> None:
    answer = ask(archive, "Iran Iraq militants", limit=2, more=3)
    shown = [r.passage_id for r in answer.results + answer.more]
    assert len(answer.results) == 2 and len(answer.more) >= 1
    assert len(shown) == len(set(shown))


def test_outlet_and_date_filters(archive: Archive) -> None:
    question = "Iran offered help to Iraq"
    only_dw = ask(archive, question, limit=5, filters=Filters(outlet="dw"))
    assert only_dw.answered and {r.source for r in only_dw.results} == {"DW"}
    recent = ask(archive, question, limit=5, filters=Filters(since=dt.date(2015, 1, 1)))
    assert recent.answered and all(r.published >= dt.date(2015, 1, 1) for r in recent.results)
    early = ask(archive, question, limit=5, filters=Filters(until=dt.date(2014, 6, 30)))
    assert early.answered and all(r.published <= dt.date(2014, 6, 30) for r in early.results)
    assert ask(archive, question, filters=Filters(outlet="No Such Outlet")).answered is False


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_empty_question_is_an_error_that_says_what_to_do(archive: Archive, question: str) -> None:
    with pytest.raises(QuestionError, match="empty"):
        ask(archive, question)


def test_huge_question_is_an_error_that_names_the_limit(archive: Archive) -> None:
    with pytest.raises(QuestionError, match="5000 characters long; the limit is 1000"):
        ask(archive, "x" * 5000)


def test_a_question_holding_a_byte_that_was_not_utf8_is_an_error_that_names_it(archive: Archive) -> None:
    typed = b"did iran send troops to M\xfcnchen".decode("utf-8", "surrogateescape")  # a Latin-1 terminal
    with pytest.raises(QuestionError, match="U\\+DCFC, which is not text"):
        ask(archive, typed)


@pytest.mark.parametrize(("limit", "more"), [(0, 0), (-1, 0), (3, -1)])
def test_asking_for_no_excerpts_is_an_error_not_an_empty_answer(archive: Archive, limit: int, more: int) -> None:
    with pytest.raises(ValueError, match="at least 1 excerpt"):
        ask(archive, "Did Iran send troops to Iraq?", limit, more=more)


def test_json_shape(archive: Archive) -> None:
    data = ask(archive, "What is the stated aim of Isis?").to_json()
    assert set(data) == {"question", "answered", "results", "searched_for"}
    assert set(data["results"][0]) == {
        "article_id", "title", "source", "published", "url", "excerpt", "score", "matched_terms"
    }
    json.dumps(data)
