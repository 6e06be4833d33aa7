"""The quality harness counts right-first, top-3, refusals and off-topic answers correctly."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.harness.baseline import Baseline, sentence_windows
from retrieval.corpus import Article, load_corpus
from benchmarks.harness.evaluate import (
    EvalError,
    Question,
    Reply,
    Result,
    Summary,
    Trial,
    evaluate_file,
    first_right,
    parse_jsonl,
    run_trial,
    squad_articles,
    squad_trials,
)
from tests.paths import ROOT

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "quality"
DAY = dt.date(2021, 9, 15)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    # A copy: asking builds the saved index inside the corpus folder.
    return Path(shutil.copytree(FIXTURES / "corpus", tmp_path / "corpus"))


def test_a_phrase_in_the_top_excerpt_counts_at_rank_one_ignoring_case_and_spacing() -> None:
    question = Question("q", True, ("300  SEASONAL pickers",), DAY)
    results = [Result(DAY, "It will hire 300 seasonal\npickers this year."), Result(DAY, "other")]
    assert first_right(question, results) == 1


def test_the_phrase_in_an_article_of_another_date_does_not_count() -> None:
    question = Question("q", True, ("300 seasonal pickers",), DAY)
    results = [Result(DAY - dt.timedelta(days=1), "hire 300 seasonal pickers"), Result(DAY, "nothing"),
               Result(DAY, "Millbrook will hire 300 seasonal pickers")]
    assert first_right(question, results) == 3


def test_any_answer_text_counts_when_no_date_is_asked() -> None:
    question = Question("q", True, ("a blowpipe", "blowpipe"))
    assert first_right(question, [Result(None, "Through the Blowpipe.")]) == 1
    assert first_right(question, [Result(None, "Through a pipe.")]) is None


def _scripted(replies: dict[str, Reply]):
    return lambda trial: lambda question, limit: replies[question]


def test_figures_count_ranks_refusals_and_answered_off_topic_questions(tmp_path: Path) -> None:
    right = Result(DAY, "the right words")
    wrong = Result(DAY, "something else")
    questions = (
        Question("first", True, ("right words",), DAY),
        Question("second", True, ("right words",), DAY),
        Question("fourth", True, ("right words",), DAY),
        Question("refused", True, ("right words",), DAY),
        Question("off refused", False),
        Question("off answered", False),
    )
    replies = {
        "first": Reply(True, (right, wrong)),
        "second": Reply(True, (wrong, right)),
        "fourth": Reply(True, (wrong, wrong, wrong, right)),
        "refused": Reply(False),
        "off refused": Reply(False),
        "off answered": Reply(True, (wrong,)),
    }
    summary = Summary.of(run_trial(Trial(tmp_path, questions), _scripted(replies), limit=4))
    assert (summary.answerable, summary.right_first, summary.right_top3) == (4, 1, 2)
    assert summary.answerable_refused == 1
    assert (summary.off_topic, summary.off_topic_answered) == (2, 1)
    assert 0 <= summary.p50_ms <= summary.p95_ms


def test_jsonl_file_is_asked_of_the_corpus_with_newsdesk_and_the_baseline(corpus: Path) -> None:
    report = evaluate_file(FIXTURES / "questions.jsonl", corpus)
    ours, naive = report.systems["newsdesk"], report.systems["baseline"]
    assert (ours.answerable, ours.off_topic) == (naive.answerable, naive.off_topic) == (2, 1)
    assert ours.right_first == naive.right_first == 2
    assert ours.off_topic_answered == 0  # newsdesk refuses the question about chess
    assert naive.off_topic_answered == 1  # the baseline never refuses
    assert naive.answerable_refused == 0


def test_a_jsonl_file_of_one_question_is_read_as_jsonl(corpus: Path, tmp_path: Path) -> None:
    one = tmp_path / "one.jsonl"
    one.write_text((FIXTURES / "questions.jsonl").read_text().splitlines()[0] + "\n")
    report = evaluate_file(one, corpus)
    assert report.kind == "jsonl" and report.systems["newsdesk"].answerable + report.systems["newsdesk"].off_topic == 1


def test_squad_questions_are_measured_on_all_articles_and_refused_without_their_own(tmp_path: Path) -> None:
    report = evaluate_file(FIXTURES / "squad.json", tmp_path / "unused")
    assert report.kind == "squad" and report.skipped == 1  # the is_impossible question
    ours, naive = report.systems["newsdesk"], report.systems["baseline"]
    # Five answerable questions on the whole corpus, the same five off-topic without their article.
    assert (ours.answerable, ours.off_topic) == (5, 5)
    assert ours.right_first == 5
    assert ours.off_topic_answered == 0
    assert naive.off_topic_answered == 5


def test_squad_articles_become_corpus_files_and_each_is_left_out_once(tmp_path: Path) -> None:
    data = json.loads((FIXTURES / "squad.json").read_text())
    articles, questions, skipped = squad_articles(data)
    trials = squad_trials(articles, questions, tmp_path)
    whole = load_corpus(trials[0].corpus_dir)
    assert not whole.errors
    assert [a.title for a in whole.articles] == ["Beekeeping", "Glass blowing"]
    assert {a.source for a in whole.articles} == {"Wikipedia"}
    assert all(q.answerable for q in trials[0].questions)
    for trial, left_out in zip(trials[1:], articles):
        remaining = {a.id for a in load_corpus(trial.corpus_dir).articles}
        assert left_out.id not in remaining and len(remaining) == len(articles) - 1
        assert trial.questions and not any(q.answerable for q in trial.questions)


def test_baseline_windows_are_whole_sentences_within_400_characters() -> None:
    sentence = "This sentence is about forty characters. "
    article = Article("a", "t", "s", DAY, (sentence * 30).strip())
    windows = sentence_windows(0, article)
    assert len(windows) == 30  # one window starting at each sentence
    assert all(len(w.text) <= 400 and w.text.endswith(".") for w in windows)
    assert len(windows[0].text.split(". ")) == 9  # 9 sentences fit, 10 do not


def test_baseline_returns_distinct_windows_best_first_and_never_refuses() -> None:
    articles = load_corpus(FIXTURES / "corpus").articles
    found = Baseline(articles).search("seasonal pickers Millbrook", 3)
    assert "300 seasonal pickers" in found[0].text
    # Each short article fits in one window: the rest overlap it and are skipped.
    assert len(found) == 2
    spans = [(w.article, set(range(w.first, w.end))) for w in found]
    assert not any(a == b and s & t for i, (a, s) in enumerate(spans) for b, t in spans[i + 1 :])
    assert len(Baseline(articles).search("zzz unknown words", 3)) == 2


@pytest.mark.parametrize(
    "line",
    ['{"question": "q"}', '{"question": "q", "published": "yesterday", "phrase": "p"}', "not json"],
)
def test_a_malformed_question_line_is_a_one_line_error_naming_the_line(line: str) -> None:
    with pytest.raises(EvalError, match=r"^f\.jsonl:2: ") as caught:
        parse_jsonl('{"question": "q", "answered": false}\n' + line, "f.jsonl")
    assert "\n" not in str(caught.value)


def _quality_module():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import quality
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return quality


def test_cli_prints_a_table_and_json(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    quality = _quality_module()
    args = [str(FIXTURES / "questions.jsonl"), "--corpus", str(corpus)]
    assert quality.main(args) == 0
    table = capsys.readouterr().out
    assert "| questions.jsonl | newsdesk | 2/2 (100.0%) |" in table and "| baseline |" in table
    assert quality.main([*args, "--json", "--no-baseline"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data["files"][0]["systems"]) == ["newsdesk"]
    assert quality.main([str(corpus / "missing.jsonl"), "--corpus", str(corpus)]) == 1
    assert capsys.readouterr().err.startswith("error: ")


def test_cli_rewrites_only_its_own_section_of_the_results_file(corpus: Path, tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    results.write_text("# Retrieval benchmark\n\nkept as it was\n\n# Answer quality\n\nold figures\n")
    quality = _quality_module()
    for _ in range(2):  # rewriting replaces the section, it does not add another
        assert quality.main([str(FIXTURES / "questions.jsonl"), "--corpus", str(corpus), "--results", str(results)]) == 0
    text = results.read_text()
    assert text.startswith("# Retrieval benchmark\n\nkept as it was\n\n# Answer quality\n")
    assert "old figures" not in text and text.count("# Answer quality") == 1
    assert "| questions.jsonl | baseline |" in text


def test_a_titled_run_writes_its_own_section_beside_the_others(corpus: Path, tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    results.write_text("# Answer quality\n\nthe dev sets' figures\n")
    quality = _quality_module()
    args = [str(FIXTURES / "questions.jsonl"), "--corpus", str(corpus), "--results", str(results)]
    assert quality.main([*args, "--title", "Answer quality, other sets"]) == 0
    text = results.read_text()
    assert "the dev sets' figures" in text and text.count("# Answer quality, other sets") == 1


def test_a_reader_that_stops_early_gets_no_traceback_and_the_results_file_is_written(corpus: Path, tmp_path: Path) -> None:
    # `benchmarks/quality.py ... --results RESULTS.md | head -1`: head has gone when the table is printed.
    results = tmp_path / "RESULTS.md"
    read_end, write_end = os.pipe()
    os.close(read_end)
    command = [sys.executable, str(ROOT / "benchmarks" / "quality.py"), str(FIXTURES / "questions.jsonl")]
    command += ["--corpus", str(corpus), "--no-baseline", "--results", str(results)]
    done = subprocess.run(command, stdout=write_end, stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=120)
    os.close(write_end)
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr
    assert done.returncode == 0
    assert "| questions.jsonl | newsdesk |" in results.read_text()
