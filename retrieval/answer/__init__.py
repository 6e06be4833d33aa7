"""Answer: question understanding, ranking, excerpts and the refusal decision."""
