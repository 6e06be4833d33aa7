"""The quality harness: evaluation of question files and the naive baseline (benchmarks only)."""
