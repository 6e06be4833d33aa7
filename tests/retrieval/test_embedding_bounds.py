"""What one text or one batch can make a vectoriser read is capped in tokens, whatever a page holds."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.index import meaning, reader


class CountingEngine:
    """The reader's real engine for counting tokens; what it is given to read is recorded
    instead of read (a forward pass of 512 tokens takes about a second on a busy machine)."""

    def __init__(self) -> None:
        self.engine = reader.model()
        self.calls: list[list[int]] = []  # the token count of each text, per call

    def token_count(self, text: str) -> int:
        return self.engine.token_count(text)  # type: ignore[attr-defined]

    def passage(self, texts: list[str]) -> np.ndarray:
        self.calls.append([self.token_count(t) for t in texts])
        rows = np.ones((len(texts), reader.DIM), dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_no_text_gives_the_reader_more_than_its_window_and_no_call_more_than_the_batch_cap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counting = CountingEngine()
    monkeypatch.setattr(reader, "_model", counting)
    # Characters of their own token each (the worst case for a character cap), and plain words.
    rare = ["\u4e2d\u6587\u5b57" * 700 + str(n) for n in range(40)]
    words = [f"the reservoir rose again on day {n} " * 20 for n in range(40)]
    vectors = reader.Reader().embed(rare + words)
    assert vectors.shape == (80, reader.DIM)
    assert sum(map(len, counting.calls)) == 80
    assert max(max(call) for call in counting.calls) <= reader.MAX_TOKENS
    assert max(sum(call) for call in counting.calls) <= reader.BATCH_TOKENS
    assert max(len(call) for call in counting.calls) <= reader.BATCH
    assert all(count > 150 for count in (counting.calls[-1]))  # a plain passage is read whole, not cut


def test_a_cut_text_is_the_longest_start_that_fits() -> None:
    engine = reader.model()
    text = "x " * 1000  # 1,000 tokens
    cut, tokens = reader._fit(engine, text)
    assert tokens <= reader.MAX_TOKENS < engine.token_count(text[: len(cut) + 2])  # type: ignore[attr-defined]
    assert text.startswith(cut)


def test_static_vectors_come_in_batches_of_bounded_padded_size_and_do_not_depend_on_them() -> None:
    long = "storm " * 400  # ~2,000 characters: the longest a text is read
    texts = ["ferries return to the harbour"] * 300 + [long] + ["the pier is rebuilt"] * 10
    sizes = [len(t.encode()) for t in texts]
    batches = list(meaning.padded_batches(sizes, 256, meaning.BATCH_TOKENS))
    assert [b[0] for b in batches][0] == 0 and batches[-1][1] == len(texts)
    assert all(end > start for start, end in batches)
    assert all(max(sizes[s:e]) * (e - s) <= meaning.BATCH_TOKENS or e - s == 1 for s, e in batches)
    embedder = meaning.Embedder()
    together = embedder.embed(texts)
    alone = np.stack([embedder.embed([t])[0] for t in (texts[0], long, texts[-1])])
    np.testing.assert_allclose(together[[0, 300, -1]], alone, atol=1e-6)
