"""Index: BM25 postings and scoring over passages, segments, meaning vectors and per-passage tables."""
