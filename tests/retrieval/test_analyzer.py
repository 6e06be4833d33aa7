"""The analyzer turns passages and questions into the same terms."""

from retrieval.text.aliases import Aliases
from retrieval.text.analyzer import Analyzer, FastAnalysis, analyze_all, default_analyzer, split_words
from tests.retrieval.samples import sample_texts


def test_lowercases_stems_and_drops_stopwords_and_punctuation() -> None:
    analyze = default_analyzer()
    assert analyze("The troops were sent, and the strikes continued!") == ["troop", "send", "strike", "continu"]


def test_question_and_passage_forms_meet() -> None:
    analyze = default_analyzer()
    # Plural/singular, possessive and case differences must not stop a match.
    assert set(analyze("Iran's troops")) == set(analyze("IRAN troop"))


def test_acronyms_survive_even_when_their_lowercase_is_a_stopword() -> None:
    analyze = Analyzer(aliases=Aliases())  # without name groups, so terms are the words
    assert "us" in analyze("with US air support")
    assert "us" in analyze("the U.S. said")
    assert "us" not in analyze("tell us more")
    assert "is" in analyze("fighters of IS")


def test_a_question_in_capitals_is_not_all_acronyms() -> None:
    assert default_analyzer()("WHAT IS THE AIM OF ISIS") == default_analyzer()("what is the aim of isis")


def test_only_stopwords_or_punctuation_gives_no_terms() -> None:
    analyze = default_analyzer()
    assert analyze("the and of to") == []
    assert analyze("?!... --- ***") == []
    assert analyze("") == []


def test_hyphenated_names_split_and_digits_kept() -> None:
    assert default_analyzer()("al-Hashd al-Shaabi, 1980 to 1988") == ["al", "hashd", "al", "shaabi", "1980", "1988"]


def test_token_spans_point_at_the_words() -> None:
    text = "Iran's Supreme Leader spoke."
    spans = [text[t.start : t.end] for t in Analyzer().tokens(text)]
    assert spans == ["Iran's", "Supreme", "Leader", "spoke"]


def test_links_and_angle_bracket_markup_are_not_terms() -> None:
    text = "Iran <@123456789012345678> see https://evil.example/x?y=1 and <#42>"
    assert default_analyzer()(text) == ["iran", "see"]


def test_fast_analysis_gives_the_analyzers_terms() -> None:
    analyzer = Analyzer()
    texts = sample_texts()
    fast = FastAnalysis(analyzer)
    for text in texts + [t.upper() for t in texts] + [t.lower() for t in texts]:
        assert fast.terms(text) == analyzer(text), text[:80]
    assert analyze_all(texts) == [analyzer(t) for t in texts]


def test_a_zero_width_character_inside_a_word_changes_nothing_in_any_case() -> None:
    analyzer = Analyzer()
    words = {w for text in sample_texts() for w in split_words(text)}
    words |= {w.upper() for w in words} | {w.capitalize() for w in words} | {"I", "A", "US", "Is", "IS"}
    for word in sorted(words):
        hidden = word[:1] + "\u200b" + word[1:]  # normalised away, so the same word
        for shouting in (False, True):
            assert analyzer.word_term(hidden, shouting) == analyzer.word_term(word, shouting), word


def test_term_matches_are_the_tokens_holding_the_wanted_terms() -> None:
    analyzer = Analyzer()
    texts = [
        "Iran's U.S. talks: see https://example.com/iran <@123> Iran-Iraq ties",
        "IRAN AND THE US SIGNED",  # all capitals: no acronyms
        "The US and the UN met; the us-led talks went on. Iran, iran, IRAN",
    ]
    wanted = {"iran", "us", "un", "talk", "sign"}
    for text in texts * 2:  # the second time from what the analyzer remembers
        expected = [(t.start, t.end, t.term) for t in analyzer.tokens(text) if t.term in wanted]
        assert expected and analyzer.term_matches(text, wanted) == expected
