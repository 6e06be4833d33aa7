"""Run Python as an unprivileged user, so file permissions apply (they never stop root).

When the tests run as root, the code runs as ``nobody`` through ``setpriv``, with a Python
that user can execute and this project's packages on its path; when no such Python exists
the test is skipped with the reason. Folders the code uses come from :func:`shared_folder`.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.paths import ROOT

NOBODY = 65534


def _command() -> list[str]:
    if os.geteuid() != 0:
        return [sys.executable]
    setpriv = shutil.which("setpriv")
    candidates = [sys.executable, "/usr/bin/python3", "/usr/local/bin/python3"]
    for python in candidates:
        command = [setpriv or "setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", python]
        version = f"import sys; assert sys.version_info[:2] == {tuple(sys.version_info[:2])}"
        if setpriv and _works(command + ["-c", version + "; import sqlite_utils, click"]):
            return command
    pytest.skip("running as root, and no Python of the same version that user nobody can run")


def _env() -> dict[str, str]:
    paths = [str(ROOT), *site.getsitepackages()]
    # No NEWSDESK_ setting of the test's own process (conftest points them at folders the
    # unprivileged user cannot write): the user's process gets only those its test passes.
    inherited = {name: value for name, value in os.environ.items() if not name.startswith("NEWSDESK_")}
    return {**inherited, "PYTHONPATH": os.pathsep.join(paths), "HOME": "/tmp"}


def _works(command: list[str]) -> bool:
    try:
        return subprocess.run(command, env=_env(), cwd="/", capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``python ARGS`` as an unprivileged user; stdout and stderr captured as text."""
    return subprocess.run(
        [*_command(), *args],
        env={**_env(), **(env or {})},
        cwd=cwd or "/",
        capture_output=True,
        text=True,
        timeout=120,
    )


@contextmanager
def shared_folder() -> Iterator[Path]:
    """A new folder the unprivileged user owns (and can reach), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="newsdesk-perm-", dir="/tmp"))
    try:
        if os.geteuid() == 0:
            os.chown(folder, NOBODY, NOBODY)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def give(path: Path) -> None:
    """Hand ``path`` to the unprivileged user (a no-op when not root)."""
    if os.geteuid() == 0:
        os.chown(path, NOBODY, NOBODY)
