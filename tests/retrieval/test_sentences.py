"""Sentence terms are computed when the archive is built, so answering reads only what it quotes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from retrieval.text.analyzer import Analyzer, Token, default_analyzer
from retrieval.archive import Archive
from retrieval.corpus import Article, format_article
from retrieval.text.sentences import SentenceTerms
from retrieval.store.saved import load_or_build
from retrieval.answer.answerer import ask

SENTENCES = [
    "Iranian troops crossed into Iraq on Monday.",
    "THE US SENT ADVISERS.",
    "Officials said nothing.",
    "Troops, troops and more troops.",
]


def test_each_sentence_holds_the_ids_of_its_distinct_analysed_terms() -> None:
    analyzer = default_analyzer()
    terms = SentenceTerms.build(SENTENCES, analyzer)
    assert len(terms) == len(SENTENCES)
    for number, sentence in enumerate(SENTENCES):
        assert terms.terms(number) == frozenset(terms.vocabulary[t] for t in analyzer(sentence))
    assert terms.union(0, 2) == terms.terms(0) | terms.terms(1)


def test_terms_outside_the_given_vocabulary_are_left_out() -> None:
    vocabulary = {"troop": 7, "iraq": 3}
    terms = SentenceTerms.build(SENTENCES, default_analyzer(), vocabulary)
    assert terms.terms(0) == {7, 3}
    assert terms.terms(2) == frozenset()
    assert terms.query_ids(["troop", "unknown"]) == {"troop": 7}


def test_a_custom_analyzer_is_used_as_it_is() -> None:
    class Upper(Analyzer):
        def __call__(self, text: str) -> list[str]:
            return [w.upper() for w in text.split()]

    terms = SentenceTerms.build(["a b", "b c"], Upper())
    assert terms.terms(1) == {terms.vocabulary["B"], terms.vocabulary["C"]}


class CountingAnalyzer(Analyzer):
    """The project's analyzer, counting the characters it is asked to analyse."""

    analysed: int = 0

    def tokens(self, text: str):  # type: ignore[override]
        CountingAnalyzer.analysed += len(text)
        yield from super().tokens(text)


def _long_article() -> Article:
    filler = [f"Paragraph {n} reports on harbour works, tides and ferry timetables." for n in range(3000)]
    filler[1500] = "The lighthouse keeper retired after forty years at the Port Elwin light."
    return Article("long", "Harbour log", "Gazette", dt.date(2020, 1, 1), "\n\n".join(filler))


def test_answering_analyses_the_question_and_the_excerpts_not_the_article(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    article = _long_article()
    (corpus / "long.md").write_text(format_article(article))
    analyzer = CountingAnalyzer()
    # BM25 alone: what is counted is the analyser's work (the reader would read the whole
    # 200 kB article once, at build, which is not what this test is about).
    load_or_build(corpus, analyzer=analyzer, semantic=False)
    archive = load_or_build(corpus, analyzer=analyzer, semantic=False)  # from the saved file
    for question in ("When did the lighthouse keeper retire?", "ferry timetables harbour tides"):
        CountingAnalyzer.analysed = 0
        answer = ask(archive, question, 3)
        assert answer.answered
        # The question and what is shown -- never the 200 kB article.
        assert CountingAnalyzer.analysed <= len(question) + sum(len(r.excerpt) for r in answer.results)
    assert "lighthouse keeper retired" in ask(archive, "When did the lighthouse keeper retire?").results[0].excerpt


def test_a_saved_archive_answers_as_the_built_one(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "long.md").write_text(format_article(_long_article()))
    built = Archive.build([_long_article()])  # BM25 alone, as the saved one below
    load_or_build(corpus, semantic=False)
    loaded = load_or_build(corpus, semantic=False)
    assert loaded.sentence_terms.ids.tolist() == built.sentence_terms.ids.tolist()
    for question in ("lighthouse keeper", "ferry timetables in paragraph 12"):
        assert [r.excerpt for r in ask(loaded, question).results] == [r.excerpt for r in ask(built, question).results]
