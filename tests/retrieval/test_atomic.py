"""Writes through a temporary file and a rename: readers see the old file or the new one."""

from __future__ import annotations

import errno
import os
import stat
import time
from pathlib import Path

import numpy as np
import pytest

from retrieval.store.arrays import read_npz, save_npz
from retrieval.store.atomic import atomic_writer, move_exclusively, remove_stale_temporaries, write_text_atomically


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "article.md"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_writer(target) as out:
            out.write("half of the new")
            raise RuntimeError("disk full")
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["article.md"]


def test_text_and_private_files(tmp_path: Path) -> None:
    write_text_atomically(tmp_path / "a.md", "Iran ✓\n")
    assert (tmp_path / "a.md").read_text(encoding="utf-8") == "Iran ✓\n"
    write_text_atomically(tmp_path / "export.csv", "q\n", private=True)
    assert stat.S_IMODE((tmp_path / "export.csv").stat().st_mode) == 0o600


def test_stale_temporaries_are_removed_and_fresh_ones_kept(tmp_path: Path) -> None:
    stale, fresh = tmp_path / ".a.md.x1.tmp", tmp_path / ".b.md.x2.tmp"
    stale.write_text("x")
    fresh.write_text("y")
    hours_ago = time.time() - 7200
    os.utime(stale, (hours_ago, hours_ago))
    assert remove_stale_temporaries(tmp_path) == 1
    assert not stale.exists() and fresh.exists()


def test_arrays_round_trip_and_replace_atomically(tmp_path: Path) -> None:
    path = tmp_path / "archive.npz"
    save_npz(path, {"a": np.arange(5), "empty": np.zeros(0)})
    first = read_npz(path)
    assert first["a"].tolist() == [0, 1, 2, 3, 4] and first["empty"].size == 0
    save_npz(path, {"a": np.arange(3)})
    assert read_npz(path)["a"].tolist() == [0, 1, 2]
    assert [p.name for p in tmp_path.iterdir()] == ["archive.npz"]


def test_an_exclusive_write_never_replaces_a_file_that_appeared(tmp_path: Path) -> None:
    target = tmp_path / "a.md"
    write_text_atomically(target, "mine", exclusive=True)
    with pytest.raises(FileExistsError):
        write_text_atomically(target, "theirs", exclusive=True)
    assert target.read_text() == "mine" and [p.name for p in tmp_path.iterdir()] == ["a.md"]  # no temporary left


@pytest.mark.parametrize("hard_links", [True, False], ids=["hard link", "O_EXCL claim"])
def test_an_exclusive_move_never_replaces_a_file_and_moves_nothing_on_a_clash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hard_links: bool
) -> None:
    if not hard_links:  # a file system without hard links (some network and FAT mounts)
        monkeypatch.setattr(os, "link", lambda *_args: (_ for _ in ()).throw(PermissionError(errno.EPERM, "no links")))
    source, kept = tmp_path / "a.md", tmp_path / "kept" / "a.md"
    kept.parent.mkdir()
    kept.write_text("kept earlier")
    source.write_text("mine")
    with pytest.raises(FileExistsError):
        move_exclusively(source, kept)
    assert kept.read_text() == "kept earlier" and source.read_text() == "mine"
    move_exclusively(source, kept.with_name("b.md"))
    assert kept.with_name("b.md").read_text() == "mine" and not source.exists()
    assert sorted(p.name for p in kept.parent.iterdir()) == ["a.md", "b.md"]
