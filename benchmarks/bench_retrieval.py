"""Retrieval benchmark: newsdesk's BM25 index against rank_bm25 (and bm25s) on synthetic corpora.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_retrieval.py                 # 10k, 100k, 300k passages
    .venv/bin/python benchmarks/bench_retrieval.py --quick         # smoke check, ~1 minute
    .venv/bin/python benchmarks/bench_retrieval.py --sizes 50000 --questions 100 --no-bm25s

For each size, in a fresh process (so peak memory is that size's own): generate the passages
(``benchmarks/synthetic.py``), build the index from the texts, save it, load it back
(memory-mapped), then time the same questions, analysed once, on
``BM25Index.search_terms(terms, 10)`` and on ``rank_bm25.BM25Okapi.get_scores(terms)`` plus
its top 10 by ``argpartition`` (ties by position, as a stable sort), and check that both give
the same top 10. rank_bm25 is slow on large corpora:
above ``--sample-above`` passages it is timed on an evenly spread sample of the questions
(the table says how many). bm25s is timed too when it is installed (not a dependency:
``pip install bm25s``); its BM25 variant differs from rank_bm25's (no epsilon floor on the
idf), so its agreement is reported, not required.

``--archive N`` (default 100000 in a full run) also writes a corpus folder of N passages and
times ``retrieval.store.saved.load_or_build``: first build and save, then load of the saved archive.

Figures go to stdout and, for a full run, to ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from results import replace_section  # noqa: E402
from synthetic import Generator, write_corpus  # noqa: E402

from retrieval.text.analyzer import analyze_all  # noqa: E402
from retrieval.index.bm25 import BM25Index  # noqa: E402
from retrieval.answer.answerer import ask  # noqa: E402

TOP = 10


def _status_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return None


def rss_mb() -> float:
    """Current resident set size (Linux /proc; the peak elsewhere)."""
    current = _status_mb("VmRSS")
    return current if current is not None else peak_mb()


def reset_peak() -> None:
    """Give freed memory back to the OS, then restart the peak RSS count.

    (Linux: malloc_trim returns glibc's free memory, so the RSS is the memory in use;
    writing 5 to clear_refs resets VmHWM.)
    """
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        pass  # elsewhere the peak is the process's whole-life peak (ru_maxrss)


def peak_mb() -> float:
    """Peak resident set size since :func:`reset_peak` (VmHWM), or of the process (ru_maxrss)."""
    peak = _status_mb("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles(seconds: list[float]) -> tuple[float, float]:
    if not seconds:
        return float("nan"), float("nan")
    ms = np.array(seconds) * 1000
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 95))


def top_positions(scores: np.ndarray, k: int = TOP) -> np.ndarray:
    """The ``k`` best positions, best first, ties by position: a stable argsort's first ``k``,
    found with a partial sort (argpartition's O(n)), so the baseline does no more work than it must."""
    if scores.size <= k:
        return np.argsort(-scores, kind="stable")
    kth = np.partition(scores, scores.size - k)[scores.size - k]  # the k-th largest score
    above = np.flatnonzero(scores > kth)
    top = np.concatenate([above, np.flatnonzero(scores == kth)[: k - above.size]])
    return top[np.lexsort((top, -scores[top]))]


def same_top(a: list[tuple[int, float]], b: list[tuple[int, float]]) -> bool:
    """Same positions in the same order, scores within 1e-6."""
    return [p for p, _ in a] == [p for p, _ in b] and all(abs(x - y) <= 1e-6 for (_, x), (_, y) in zip(a, b))


def measure_size(n: int, n_questions: int, sample_above: int, sample: int, with_bm25s: bool) -> dict:
    """Everything for one corpus size (run in its own process)."""
    result: dict = {"size": n}
    generator = Generator()
    texts = generator.passages(n)
    questions = generator.questions(n_questions)
    gc.collect()

    # -- newsdesk: build, save, load --------------------------------------------------
    reset_peak()
    before = rss_mb()
    started = time.perf_counter()
    built = BM25Index.build(texts)
    result["build_s"] = time.perf_counter() - started
    result["build_peak_mb"] = peak_mb() - before
    result["postings"] = int(built.doc_ids.size)
    result["terms"] = len(built.vocabulary)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.npz"
        started = time.perf_counter()
        built.save(path)
        result["save_s"] = time.perf_counter() - started
        result["disk_mb"] = path.stat().st_size / 2**20
        del built
        gc.collect()
        started = time.perf_counter()
        index, _ = BM25Index.load(path)
        result["load_s"] = time.perf_counter() - started

        analyzer = index.analyzer
        queries = [analyzer(q) for q in questions]
        for terms in queries[:5]:  # warm up (first touches of the mapped postings)
            index.search_terms(terms, TOP)
        ours: list[list[tuple[int, float]]] = []
        newsdesk_times: list[float] = []
        for terms in queries:
            started = time.perf_counter()
            found = index.search_terms(terms, TOP)
            newsdesk_times.append(time.perf_counter() - started)
            ours.append(found)
        result["newsdesk_p50_ms"], result["newsdesk_p95_ms"] = percentiles(newsdesk_times)
        result["questions"] = len(queries)

        # -- rank_bm25 on the same terms ----------------------------------------------
        from rank_bm25 import BM25Okapi

        documents = analyze_all(texts, analyzer)
        del texts
        gc.collect()
        reset_peak()
        before = rss_mb()
        started = time.perf_counter()
        reference = BM25Okapi(documents)
        result["rank_bm25_build_s"] = time.perf_counter() - started
        result["rank_bm25_peak_mb"] = peak_mb() - before
        # The ratio compares medians over the same questions at every size: this sample.
        common = np.linspace(0, len(queries) - 1, min(sample, len(queries))).round().astype(int).tolist()
        chosen = common if n > sample_above else list(range(len(queries)))
        result["newsdesk_common_p50_ms"] = percentiles([newsdesk_times[i] for i in common])[0]
        by_question: dict[int, float] = {}
        times = []
        identical = 0
        bit_equal = 0
        for i in chosen:
            started = time.perf_counter()
            scores = reference.get_scores(queries[i])
            order = top_positions(scores)
            times.append(time.perf_counter() - started)
            by_question[i] = times[-1]
            theirs = [(int(p), float(scores[p])) for p in order]
            identical += same_top(ours[i], theirs)
            bit_equal += ours[i] == theirs
        result["rank_bm25_p50_ms"], result["rank_bm25_p95_ms"] = percentiles(times)
        result["rank_bm25_questions"] = len(times)
        result["rank_bm25_common_p50_ms"] = percentiles([by_question[i] for i in common])[0]
        result["common_questions"] = len(common)
        result["identical_top10"] = identical
        result["bit_equal_top10"] = bit_equal
        del reference
        gc.collect()

        # -- bm25s, when installed --------------------------------------------------------
        if with_bm25s:
            result.update(measure_bm25s(documents, queries, ours))
    return result


def measure_bm25s(documents: list[list[str]], queries: list[list[str]], ours: list[list[tuple[int, float]]]) -> dict:
    try:
        import bm25s
    except ImportError:
        return {"bm25s": "not installed"}
    out: dict = {"bm25s": getattr(bm25s, "__version__", "?")}
    started = time.perf_counter()
    retriever = bm25s.BM25(k1=1.5, b=0.75, method="robertson", dtype="float64")
    retriever.index(documents, show_progress=False)
    out["bm25s_build_s"] = time.perf_counter() - started
    k = min(TOP, len(documents))
    for terms in queries[:5]:
        retriever.retrieve([terms], k=k, show_progress=False, n_threads=1)
    times: list[float] = []
    agree = 0
    for terms, mine in zip(queries, ours):
        started = time.perf_counter()
        found, _ = retriever.retrieve([terms], k=k, show_progress=False, n_threads=1)
        times.append(time.perf_counter() - started)
        agree += found[0].tolist() == [p for p, _ in mine]
    out["bm25s_p50_ms"], out["bm25s_p95_ms"] = percentiles(times)
    out["bm25s_same_top10"] = agree
    return out


def measure_archive(n: int) -> dict:
    """Build, save and load a whole archive (corpus files -> passages -> index)."""
    from retrieval.archive import Archive
    from retrieval.store.saved import archive_file, default_index_path, load_or_build

    out: dict = {"archive_passages_target": n}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        out["archive_files"] = write_corpus(corpus, n)
        started = time.perf_counter()
        built = load_or_build(corpus)
        out["archive_build_s"] = time.perf_counter() - started
        out["archive_passages"] = len(built.passages)
        out["archive_disk_mb"] = archive_file(default_index_path(corpus)).stat().st_size / 2**20
        question = "What did Iran's supreme leader promise the Iraqi prime minister?"
        expected = ask(built, question, 3)
        del built
        gc.collect()
        loads: list[float] = []
        for _ in range(3):
            started = time.perf_counter()
            loaded = load_or_build(corpus)
            loads.append(time.perf_counter() - started)
            same = ask(loaded, question, 3) == expected
            del loaded
            gc.collect()
        out["archive_load_s"] = min(loads)
        out["archive_same_answer"] = same
        # The part of a load that is Archive's own set-up (retrieval/archive.py).
        loaded = load_or_build(corpus)
        setups: list[float] = []
        for _ in range(3):
            started = time.perf_counter()
            Archive(
                loaded.articles,
                loaded.passages,
                loaded.index,
                analyzer=loaded.analyzer,
                errors=loaded.errors,
                sentence_terms=loaded.sentence_terms,  # as a load passes them: saved, not recomputed
            )
            setups.append(time.perf_counter() - started)
        out["archive_init_s"] = min(setups)
    return out


def run_worker(args: argparse.Namespace) -> None:
    if args.worker_archive:
        print(json.dumps(measure_archive(args.worker_archive)))
    else:
        print(json.dumps(measure_size(args.worker, args.questions, args.sample_above, args.sample, args.bm25s)))


def in_child(extra: list[str]) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), *extra]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"benchmark worker failed: {' '.join(extra)}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(rows: list[dict], with_bm25s: bool) -> str:
    header = [
        "passages",
        "build s",
        "index MB on disk",
        "load s",
        "build peak MB",
        "newsdesk p50 / p95 ms",
        "rank_bm25 p50 / p95 ms",
        "p50 ratio (same questions)",
        "identical top-10",
    ]
    if with_bm25s:
        header += ["bm25s p50 / p95 ms", "bm25s same top-10"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        ratio = r["rank_bm25_common_p50_ms"] / r["newsdesk_common_p50_ms"] if r["newsdesk_common_p50_ms"] > 0 else float("nan")
        cells = [
            f"{r['size']:,}",
            f"{r['build_s']:.1f}",
            f"{r['disk_mb']:.0f}",
            f"{r['load_s']:.3f}",
            f"{r['build_peak_mb']:.0f}",
            f"{r['newsdesk_p50_ms']:.3f} / {r['newsdesk_p95_ms']:.3f}",
            f"{r['rank_bm25_p50_ms']:.1f} / {r['rank_bm25_p95_ms']:.1f}",
            f"{ratio:,.0f}x",
            f"{r['identical_top10']} / {r['rank_bm25_questions']} ({r['bit_equal_top10']} bit-equal)",
        ]
        if with_bm25s:
            if "bm25s_p50_ms" in r:
                cells += [f"{r['bm25s_p50_ms']:.3f} / {r['bm25s_p95_ms']:.3f}", f"{r['bm25s_same_top10']} / {r['questions']}"]
            else:
                cells += [r.get("bm25s", "-"), "-"]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "| passages | terms | postings | newsdesk save s | rank_bm25 build s | rank_bm25 build peak MB |"
        + (" bm25s index s |" if with_bm25s else ""),
        "|---|---|---|---|---|---|" + ("---|" if with_bm25s else ""),
    ]
    for r in rows:
        line = (
            f"| {r['size']:,} | {r['terms']:,} | {r['postings']:,} | {r['save_s']:.2f} | "
            f"{r['rank_bm25_build_s']:.1f} | {r['rank_bm25_peak_mb']:.0f} |"
        )
        if with_bm25s:
            line += f" {r['bm25s_build_s']:.1f} |" if "bm25s_build_s" in r else " - |"
        lines.append(line)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,300000", help="passage counts, comma-separated")
    parser.add_argument("--questions", type=int, default=300, help="questions per size (dev questions first)")
    parser.add_argument("--sample-above", type=int, default=100_000, help="time rank_bm25 on a sample above this size")
    parser.add_argument("--sample", type=int, default=60, help="questions in that sample")
    parser.add_argument("--bm25s", action=argparse.BooleanOptionalAction, default=True, help="also time bm25s if installed")
    parser.add_argument("--archive", type=int, default=None, help="passages for the whole-archive load test (0: skip)")
    parser.add_argument("--quick", action="store_true", help="sizes 2000,10000, 50 questions, archive 10000")
    parser.add_argument("--results", type=Path, default=None, help="write the table here (default for a full run: benchmarks/RESULTS.md)")
    parser.add_argument("--worker", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--worker-archive", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker or args.worker_archive:
        run_worker(args)
        return
    if args.quick:
        args.sizes, args.questions = "2000,10000", 50
        args.archive = 10_000 if args.archive is None else args.archive
    archive_size = 100_000 if args.archive is None else args.archive
    results = args.results if args.results is not None else (None if args.quick else HERE / "RESULTS.md")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    started = time.perf_counter()
    rows: list[dict] = []
    for n in sizes:
        extra = ["--worker", str(n), "--questions", str(args.questions), "--sample-above", str(args.sample_above)]
        extra += ["--sample", str(args.sample), "--bm25s" if args.bm25s else "--no-bm25s"]
        print(f"measuring {n:,} passages ...", file=sys.stderr, flush=True)
        row = in_child(extra)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    archive = None
    if archive_size:
        print(f"measuring a saved archive of {archive_size:,} passages ...", file=sys.stderr, flush=True)
        archive = in_child(["--worker-archive", str(archive_size)])
        print(json.dumps(archive), file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - started

    text = report(rows, archive, args, elapsed)
    print(text)
    if results is not None:
        replace_section(results, text)
        print(f"(written to {results})", file=sys.stderr)


def report(rows: list[dict], archive: dict | None, args: argparse.Namespace, elapsed: float) -> str:
    with_bm25s = args.bm25s and any("bm25s_p50_ms" in r for r in rows)
    command = "python benchmarks/bench_retrieval.py " + " ".join(sys.argv[1:])
    lines = [
        "# Retrieval benchmark",
        "",
        f"Command: `{command.strip()}` ({elapsed / 60:.1f} min in all), run {time.strftime('%Y-%m-%d')}  ",
        f"Machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
        f"numpy {np.__version__}; other work was running on it, so timings are indicative.",
        "",
        table(rows, with_bm25s),
        "",
        "- Corpus: synthetic passages of 70-150 words (about 70 index terms after stopwords), words drawn "
        "from a Zipf distribution over real news and Python-docs words plus pseudo-words "
        "(`benchmarks/synthetic.py`); some terms are in most passages, as *Iran* and *Iraq* are in the "
        "bundled corpus.",
        f"- Questions: {rows[0]['questions'] if rows else 0} per size: the dev questions, then 2-7 words "
        "mixing frequent and rare ones; analysed once, the same terms go to every engine.",
        "- Latency: one question at a time, top 10, after 5 warm-up questions; newsdesk on the index loaded "
        "from disk (memory-mapped). rank_bm25: `get_scores` plus its top 10 by `argpartition` (ties by "
        "position, as a stable sort), not a full sort.",
        f"- p50 ratio: rank_bm25's median over newsdesk's, both over the same {rows[0].get('common_questions', 0) if rows else 0} "
        "evenly spread questions at every size.",
        "- This is the search alone, on terms analysed beforehand. A question through `retrieval.answer.answerer.ask` (analysis, "
        "search, meaning re-rank, refusal, excerpts) costs more: see *Semantic stage cost* and "
        "`benchmarks/bench_answer.py`.",
        f"- rank_bm25 above {args.sample_above:,} passages: timed and compared on {args.sample} evenly "
        "spread questions (its column counts them).",
        "- Identical top-10: same positions in the same order and scores within 1e-6; bit-equal: the "
        "scores are also the same floats.",
        "- Build: `BM25Index.build(texts)`, analysis included. Build peak MB: peak RSS during the build "
        "(Linux VmHWM, reset just before it, after `malloc_trim`) minus the RSS before it, texts already in memory; the same "
        "for rank_bm25's `BM25Okapi(documents)` with the analysed documents in memory. "
        "Load: `BM25Index.load` (maps the postings; pages are read when searches touch them).",
    ]
    if with_bm25s:
        lines.append(
            "- bm25s: `BM25(method='robertson', dtype='float64')`, `retrieve([terms], k=10, n_threads=1)`; "
            "its idf has no epsilon floor (terms in more than half of the passages weigh differently) and "
            "it breaks ties its own way, so its top 10 often differs from rank_bm25's: 'same top-10' "
            "(positions) is informative only."
        )
    if archive:
        lines += [
            "",
            f"Whole archive (`retrieval.store.saved.load_or_build`) of {archive['archive_passages']:,} passages in "
            f"{archive['archive_files']:,} corpus files: first build and save {archive['archive_build_s']:.1f} s, "
            f"file {archive['archive_disk_mb']:.0f} MB; load of the saved archive {archive['archive_load_s']:.2f} s "
            "(best of 3: stat of every corpus file, index mapped, articles and passages made as objects, "
            f"then `Archive.__init__`, which alone takes {archive['archive_init_s']:.2f} s); "
            f"same answer after loading: {archive['archive_same_answer']}.",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
