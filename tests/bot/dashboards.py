"""What the dashboard tests share: Datasette's plugins registered as `newsdesk dashboard` does
(and restored afterwards), a seeded query log, and starting and stopping the real dashboard
on a free localhost port.

Nothing here imports Datasette at import time: tests/bot/test_dashboard.py also runs its CLI
tests without the dashboard extra, and asks for Datasette only where a test needs it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest

from bot.dashboard import HASH_ENV, TOKEN_ENV
from bot.querylog import QueryLog, QueryRecord

if TYPE_CHECKING:
    import httpx
    from datasette.app import Datasette

ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def plugins_restored() -> Iterator[None]:
    """Datasette's plugin manager as it was before, whatever the test registered in between."""
    plugins = pytest.importorskip("datasette.plugins", reason="pip install -e '.[dashboard]'")
    before = list(plugins.pm.get_plugins())
    try:
        yield
    finally:
        for plugin in list(plugins.pm.get_plugins()):
            if plugin not in before:
                plugins.pm.unregister(plugin)
        for plugin in before:
            if not plugins.pm.is_registered(plugin):
                plugins.pm.register(plugin)


def register_site(login: bool) -> ModuleType:
    """The dashboard's pages, SQL functions and guard, registered as `newsdesk dashboard` does."""
    from datasette.plugins import pm

    from bot import dashboard_site
    from bot.querylog.datasette_plugins import newsdesk_functions, newsdesk_guard

    dashboard_site.register(login=login)
    for module in (newsdesk_functions, newsdesk_guard):
        if not pm.is_registered(module):
            pm.register(module)
    return dashboard_site


def site_fixture(login: bool) -> Any:
    """A ``site`` fixture: the dashboard's plugins registered as `newsdesk dashboard` does (with
    ``login``: the login pages, for a password or the one-time link), restored afterwards."""

    @pytest.fixture
    def site() -> Iterator[ModuleType]:
        with plugins_restored():
            yield register_site(login=login)

    return site


def client(ds: Datasette, address: str = "127.0.0.1", scheme: str = "http") -> httpx.AsyncClient:
    """An HTTP client of the in-process dashboard that comes from ``address``."""
    import httpx

    transport = httpx.ASGITransport(app=ds.app(), client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url=f"{scheme}://localhost")


def write_log(path: Path, *records: QueryRecord) -> list[int]:
    """A query log at ``path`` holding ``records`` (closed again, as the bot leaves it); their ids."""
    log = QueryLog.open(path)
    try:
        return [log.record(record) for record in records]
    finally:
        log.db.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    """Poll ``url`` until the dashboard answers it (any status), failing if the process exits."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the dashboard exited with code {process.returncode} before serving")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answered (a refusal is an answer)
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    pytest.fail(f"the dashboard did not answer {url} within {seconds}s")


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (the dashboard passes it on to Datasette), SIGKILL if it does not go."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def serving(db_path: Path, stderr: Path, password_hash: str | None = None) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`newsdesk dashboard` on ``db_path`` on a free localhost port, with a password when
    ``password_hash`` is given (else the one-time link): its URL and process, stopped after."""
    if importlib.util.find_spec("datasette") is None:
        pytest.skip("datasette is not installed (pip install -e '.[dashboard]')")
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key not in (HASH_ENV, TOKEN_ENV)}
    env["NEWSDESK_DB"] = str(db_path)
    if password_hash is not None:
        env[HASH_ENV] = password_hash
    with stderr.open("wb") as err:
        process = subprocess.Popen([sys.executable, "-m", "bot.dashboard", "--port", str(port)], cwd=ROOT,
                                   env=env, stdout=subprocess.DEVNULL, stderr=err)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(f"{url}/-/versions.json", process)
        yield url, process
    finally:
        stop(process)

