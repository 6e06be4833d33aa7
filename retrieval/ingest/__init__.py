"""Ingest: pages -> corpus: fetching, extracting, cleaning and writing corpus files; feeds."""
