"""Store: the saved archive on disk (layout, deltas, atomic writes, checks)."""
