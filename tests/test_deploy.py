"""deploy/: the Dockerfile, the compose file and the systemd unit, checked as far as this
machine allows (no container runtime here): each runs ``newsdesk run`` as an unprivileged user,
stops it with SIGTERM and waits longer than the bot's drain of the answers in flight, keeps the
corpus, the index and the query log where the settings point, and the unit passes
``systemd-analyze verify`` where systemd is installed."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main as cli
from bot.client import DRAIN_SECONDS
from tests.paths import ROOT

DEPLOY = ROOT / "deploy"
DATA = {"NEWSDESK_CORPUS": "/data/corpus", "NEWSDESK_INDEX": "/data/index", "NEWSDESK_DB": "/data/log/newsdesk.db"}


def _instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of each line, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def _seconds(duration: str) -> float:
    match = re.fullmatch(r"(\d+)(ms|s|m)?", duration.strip())
    assert match, duration
    return int(match[1]) * {"ms": 0.001, "s": 1, "m": 60, None: 1}[match[2]]


def test_the_image_runs_the_bot_as_an_unprivileged_user_with_data_in_volumes() -> None:
    steps = _instructions(DEPLOY / "Dockerfile")
    final = steps[max(i for i, (op, _) in enumerate(steps) if op == "FROM"):]
    ops = dict(final)
    users = [args for op, args in final if op == "USER"]
    assert users and users[-1] not in ("root", "0")
    order = [op for op, _ in final]
    assert order.index("USER") > order.index("RUN")  # made before it is used
    assert ops["STOPSIGNAL"] == "SIGTERM"
    assert ops["ENTRYPOINT"] == '["newsdesk"]' and ops["CMD"] == '["run"]' and "run" in cli.commands
    env = " ".join(args for op, args in final if op == "ENV")
    for name, path in DATA.items():
        assert f"{name}={path}" in env
    volumes = next(args for op, args in final if op == "VOLUME")
    for folder in ("/data/corpus", "/data/index", "/data/log"):
        assert f'"{folder}"' in volumes
    for op, args in steps:  # what the build copies is in the repository
        if op == "COPY" and not args.startswith("--from"):
            for source in args.split()[:-1]:
                assert (ROOT / source).exists(), source


def test_the_build_leaves_settings_and_local_data_out() -> None:
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").split()
    for pattern in (".env", "*.db", ".venv", "**/.index", ".git"):
        assert pattern in ignored


def test_compose_passes_env_keeps_three_volumes_and_stops_gracefully() -> None:
    yaml = pytest.importorskip("yaml")
    service = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))["services"]["newsdesk"]
    assert service["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    assert (DEPLOY / service["build"]["context"] / service["build"]["dockerfile"]).is_file()
    assert service["env_file"] == "../.env" and (ROOT / ".env.example").is_file()
    assert service["environment"] == DATA
    mounts = dict(volume.split("#")[0].strip().split(":", 1) for volume in service["volumes"])
    assert mounts == {"corpus": "/data/corpus", "index": "/data/index", "log": "/data/log"}
    assert service["stop_signal"] == "SIGTERM" and _seconds(service["stop_grace_period"]) > DRAIN_SECONDS
    assert service["restart"] in ("on-failure", "unless-stopped")


def _unit() -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=True, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(DEPLOY / "newsdesk.service", encoding="utf-8")
    return unit


def test_the_systemd_unit_restarts_on_failure_and_outwaits_the_drain() -> None:
    service = _unit()["Service"]
    assert service["User"] not in ("root", "0") and service["ExecStart"].endswith("/newsdesk run")
    assert service["Restart"] == "on-failure" and service["KillSignal"] == "SIGTERM"
    assert _seconds(service["TimeoutStopSec"]) > DRAIN_SECONDS
    assert service["WorkingDirectory"] in service["ReadWritePaths"].split()


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd here")
def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    # As installed: ExecStart pointed at this checkout's newsdesk (the unit's /srv path is not here).
    newsdesk = Path(sys.executable).with_name("newsdesk")
    if not newsdesk.exists():
        pytest.skip("no newsdesk script beside this Python")
    text = (DEPLOY / "newsdesk.service").read_text(encoding="utf-8")
    unit = tmp_path / "newsdesk.service"
    unit.write_text(text.replace("/srv/newsdesk/.venv/bin/newsdesk", str(newsdesk)), encoding="utf-8")
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
