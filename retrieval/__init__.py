"""Ranking article passages for a question with BM25. Knows nothing of Discord or SQLite."""
