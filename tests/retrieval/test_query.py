"""Question understanding: irregular forms, lowercase acronyms, spelling, what was searched."""

from __future__ import annotations

import pytest

from retrieval.text.aliases import parse_aliases
from retrieval.text.analyzer import Analyzer, split_words
from retrieval.archive import Archive
from retrieval.corpus import Article
from retrieval.text.lemmas import _tables, dictionary_lemma, irregular_lemma
from retrieval.answer.query import mark_acronyms
from retrieval.text.spelling import Speller, archive_words
from tests.paths import ROOT
from retrieval.answer.answerer import ask, understand

BODIES = {
    "envoy": "The minister sent an envoy to Lisbon to reopen the fishing talks.",
    "flood": "Villagers fled the flood as the river broke its banks near Ostrava.",
    "navy": "US warships shadowed the convoy while IS fighters held the coastal road.",
    "pay": "Nurses accepted the pay offer and the strike in Vienna was called off.",
    "us": "Tell us what you think: our readers write to the editor every week.",
}


@pytest.fixture(scope="module")
def archive() -> Archive:
    articles = [Article(id=k, title=k, source="Desk", published=None, body=v) for k, v in BODIES.items()]
    return Archive.build(articles, analyzer=Analyzer(aliases=parse_aliases("US, U.S., America\nIS, Daesh", "test")))


# -- irregular forms --------------------------------------------------------------------


def test_irregular_forms_meet_their_lemma_and_ordinary_words_keep_their_stem() -> None:
    analyze = Analyzer()
    assert analyze("send") == analyze("sent")
    assert analyze("flee") == analyze("fled")
    assert analyze("man") == analyze("men")
    assert analyze("connections") == ["connect"]  # regular forms: the stemmer as before
    assert irregular_lemma("left") is None  # also an adjective: left alone
    assert irregular_lemma("found") is None  # also a verb of its own
    assert irregular_lemma("baghdad") is None  # a name


def test_every_word_of_the_corpus_and_of_the_dictionary_gets_the_lemma_lemminflect_gives() -> None:
    # irregular_lemma reads lemminflect's tables in place of its public lookup; the same lemmas come out.
    text = " ".join(path.read_text(encoding="utf-8") for path in sorted((ROOT / "corpus").glob("*.md")))
    words = {word.lower() for word in split_words(text)} | {"sent", "fled", "men", "went", "was", "zzyzx"}
    tables = _tables()
    assert tables is not None  # the installed lemminflect is read in place
    words |= set(sorted(tables[0])[::20]) | set(tables[1])
    assert all(irregular_lemma(word) == dictionary_lemma(word) for word in words)
    assert {irregular_lemma(word) for word in ("sent", "fled", "men")} == {"send", "flee", "man"}


def test_a_question_in_one_form_finds_an_article_in_another(archive: Archive) -> None:
    answer = ask(archive, "Who did the minister send to Lisbon?")
    assert answer.answered and answer.results[0].article_id == "envoy"
    answer = ask(archive, "Why do villagers flee Ostrava?")
    assert answer.answered and answer.results[0].article_id == "flood"


# -- lowercase acronyms -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("what did the us do", "what did the US do"),
        ("did us troops land", "did US troops land"),
        ("where are is fighters", "where are IS fighters"),
        ("the us-led strikes on anti-is groups", "the US-led strikes on anti-IS groups"),
        ("is it true", "is it true"),
        ("tell us more", "tell us more"),
        ("what is the news", "what is the news"),
    ],
)
def test_lowercase_acronyms_where_context_shows_them(typed: str, read: str) -> None:
    assert mark_acronyms(typed, frozenset({"us", "is"})) == read


def test_a_lowercase_question_about_the_us_finds_it(archive: Archive) -> None:
    answer = ask(archive, "what did the us warships shadow")
    assert answer.answered and answer.results[0].article_id == "navy"
    assert list(understand(archive, "where do is fighters hold").terms) == archive.analyzer("IS fighters hold")
    assert understand(archive, "tell us about readers").terms == tuple(archive.analyzer("readers"))


# -- spelling ---------------------------------------------------------------------------


def test_unknown_words_are_corrected_against_the_archive_and_shown(archive: Archive) -> None:
    query = understand(archive, "what did the minster send to lisbn")
    assert query.corrections == (("minster", "minister"), ("lisbn", "lisbon"))
    assert query.searched_for == ("minister", "send", "lisbon")
    answer = ask(archive, "what did the minster send to lisbn")
    assert answer.answered and answer.results[0].article_id == "envoy"
    assert answer.searched_for == ("minister", "send", "lisbon")
    assert answer.to_json()["searched_for"] == ["minister", "send", "lisbon"]


def test_real_words_names_and_numbers_are_not_corrected() -> None:
    speller = Speller({"central": 5, "ostrava": 2, "minister": 3, "made": 4}, stopwords={"what"})
    assert speller.correct("control") is None  # English knows it: not a typo of "central"
    assert speller.correct("ostrva") == "ostrava"  # English does not know it
    assert speller.correct("ostrva", name=True) == "ostrava"
    assert speller.correct("wade", name=True) is None  # a capitalised name English knows ("Wade")
    assert speller.correct("wade") == "made"  # in lowercase, a rare word far less common than "made"
    assert speller.correct("minist3r") is None
    assert speller.correct("mnstr") is None  # too far


def test_a_misspelt_stopword_is_dropped_and_near_words_prefer_the_common_one() -> None:
    speller = Speller({"cart": 9, "card": 1, "boarder": 1}, stopwords={"whose", "the"}, english={})
    assert speller.correct("whos") == "whose"
    assert speller.correct("carx") == "cart"  # one edit from both: the more frequent
    assert speller.correct("boarde") == "boarder"


def test_at_the_same_distance_a_word_that_keeps_the_first_letter_wins_over_a_commoner_one() -> None:
    # "troups" is one edit from "groups" (far more common here) and from "troops".
    speller = Speller({"groups": 40, "troops": 3, "brown": 9, "crown": 1}, stopwords={"the"}, english={})
    assert speller.correct("troups") == "troops"
    assert speller.correct("crowm") == "crown"
    assert speller.correct("xrown") == "brown"  # no candidate keeps the first letter: the commoner


def test_archive_words_are_normalised_lowercase_without_stopwords() -> None:
    words = archive_words(["The Bag\u200bhdad talks; Iran's envoy", "the ENVOY 2014"], frozenset({"the"}))
    assert words == {"baghdad": 1, "talks": 1, "iran": 1, "envoy": 2}


def test_an_off_topic_question_is_not_corrected_into_the_archive(archive: Archive) -> None:
    query = understand(archive, "best recipe for pancakes")
    assert query.corrections == ()
    assert set(query.unknown) == {"best", "recipe", "pancakes"}


def test_the_saved_archive_keeps_its_spelling_words(tmp_path) -> None:
    from retrieval.store.saved import load_or_build

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for key, body in BODIES.items():
        header = f"---\nid: {key}\ntitle: {key}\nsource: Desk\npublished: 2020-01-01\n---\n"
        (corpus / f"{key}.md").write_text(header + body + "\n", encoding="utf-8")
    built = load_or_build(corpus, semantic=False)
    loaded = load_or_build(corpus, semantic=False)
    assert loaded is not built and loaded.spelling_words() == built.spelling_words()
    assert loaded.spelling_words()["villagers"] == 1  # frequency: the passages holding it
    assert understand(loaded, "why did vilagers flee").corrections == (("vilagers", "villagers"),)


# -- chat shorthand and names cut short --------------------------------------------------


def test_chat_shorthand_is_searched_in_words(archive: Archive) -> None:
    query = understand(archive, "did the ppl of ostrava flee w/o help rn")
    assert "people" in query.searched_for and "rn" not in query.searched_for
    assert "w/o" not in query.text and "without" in query.text
    answer = ask(archive, "wat did the nurses accept abt pay")
    assert answer.answered and answer.results[0].article_id == "pay"
    assert "abt" not in answer.searched_for and "wat" not in answer.searched_for


def test_shorthand_leaves_capitals_and_other_words_alone() -> None:
    from retrieval.text.shorthand import expand, load_shorthand

    table = load_shorthand()
    assert expand("what did the US say abt IS", table) == "what did the US say about IS"
    assert expand("Govt said W was wrong", table) == "Govt said W was wrong"
    assert expand("a wavy line", table) == "a wavy line"


@pytest.mark.parametrize(
    ("text", "fix"),
    [("ppl people", "'shorthand = words'"), ("ppl = people\nppl = persons", "listed twice")],
)
def test_a_broken_shorthand_file_names_the_line_and_the_fix(text: str, fix: str) -> None:
    from retrieval.text.shorthand import ShorthandError, parse_shorthand

    with pytest.raises(ShorthandError, match=fix) as error:
        parse_shorthand(text, "team.txt")
    assert "team.txt, line" in str(error.value)


def test_a_name_cut_short_is_completed_but_an_english_word_is_not() -> None:
    speller = Speller({"pochettino": 5, "pochard": 1, "premier": 4, "ostrava": 2}, stopwords={"the"})
    assert speller.correct("poch") == "pochettino"  # the more frequent of the two
    assert speller.correct("prem") is None  # English knows "prem": left alone
    assert speller.correct("ostr") == "ostrava"
    assert speller.correct("zzzz") is None


def test_a_derived_form_is_searched_as_the_archive_word_it_starts_with() -> None:
    speller = Speller({"threat": 5, "president": 4, "west": 3, "hospital": 2}, stopwords={"the"})
    assert speller.correct("threatens") == "threat"
    assert speller.correct("presidential") == "president"
    assert speller.correct("hospitalised") == "hospital"
    assert speller.correct("western") is None  # "west" is too short to be taken for a root
    assert speller.correct("threadbare") is None  # no archive word begins it


def test_a_question_in_a_derived_form_finds_its_root_in_the_archive() -> None:
    body = "The mayor called the flooding a threat to the harbour. Fishermen moved their boats inland."
    archive = Archive.build([Article(id="port", title="Port", source="Desk", published=None, body=body)])
    answer = ask(archive, "what does the mayor say threatens the harbour")
    assert answer.answered and "threat" in answer.searched_for
    assert "threat" in answer.results[0].excerpt


def test_a_word_after_a_name_of_several_words_is_still_named_when_unknown() -> None:
    archive = Archive.build(
        [Article(id="road", title="road", source="Desk", published=None, body="Islamic State fighters held the coastal road.")],
        analyzer=Analyzer(aliases=parse_aliases("IS, Daesh, Islamic State", "test")),
    )
    query = understand(archive, "what did the islamic state say about pancakes")
    assert query.searched_for[0] == "islamic state"
    assert query.unknown == ("pancakes",)
    assert ask(archive, "what did the islamic state say about pancakes").reason == "The archive has nothing on: pancakes."


# -- questions typed in capitals --------------------------------------------------------


def test_a_question_in_capitals_is_corrected_and_read_like_one_in_lowercase(archive: Archive) -> None:
    # In a shouted question capitals mark nothing: a typo is not an acronym, and "THE US"
    # still names the country as "the us" does.
    shouted = understand(archive, "WHAT DID THE MINSTER SEND TO LISBN")
    assert shouted.corrections == (("minster", "minister"), ("lisbn", "lisbon"))
    assert shouted.searched_for == ("minister", "send", "lisbon")
    assert ask(archive, "WHAT DID THE MINSTER SEND TO LISBN").results[0].article_id == "envoy"
    assert understand(archive, "DID THE US WARSHIPS SHADOW IT").searched_for == ("us", "warships", "shadow")
    assert understand(archive, "WHERE DO IS FIGHTERS HOLD").terms == understand(archive, "where do is fighters hold").terms
    # A question with a few capitals is not shouting: its acronyms stay acronyms.
    assert understand(archive, "did US warships shadow the convoy").searched_for[0] == "us"


# -- emoticons --------------------------------------------------------------------------


@pytest.mark.parametrize("smiley", [":D", ":P", ":p", ":-D", ";P", "xD", "XD", "=D", ":O", ":3", "<3", ":D!", "lmao"])
def test_a_text_emoticon_is_not_a_word_the_archive_lacks(archive: Archive, smiley: str) -> None:
    # "who did the minister send to lisbon :D" must not be refused for lacking "d".
    query = understand(archive, f"who did the minister send to lisbon {smiley}")
    assert query.searched_for == ("minister", "send", "lisbon")
    assert query.unknown == ()
    assert ask(archive, f"who did the minister send to lisbon {smiley}").answered


def test_letters_that_only_look_like_emoticons_are_still_searched(archive: Archive) -> None:
    assert understand(archive, "plan D: the convoy").searched_for == ("plan", "d", "convoy")
    assert understand(archive, "the convoy at 10:30").searched_for == ("convoy", "10", "30")


@pytest.mark.parametrize("mark", ["´", "`", "'", "’"])
def test_an_apostrophe_typed_as_an_accent_or_backtick_is_an_apostrophe(archive: Archive, mark: str) -> None:
    # Some keyboards give "´" or "`" for the apostrophe: "minister´s" is the minister's, not "minister" and "s".
    query = understand(archive, f"who was the minister{mark}s envoy")
    assert query.searched_for == ("minister", "envoy")
    assert query.unknown == ()
