"""``newsdesk run`` in a process of its own, against a Discord stand-in another process runs.

``python -m tests.bot.standin_process`` with the settings in the environment (as ``newsdesk
run`` reads them) and STANDIN_PORT (the stand-in's port) and STANDIN_CA (a file holding its
throw-away CA). STANDIN_SLOW_SECONDS makes each search take that long, so that a test can act
while an answer is in flight. Exits as :func:`bot.runner.run_bot` returns; a StartupError
ends it as ``newsdesk run`` does: one line ("Error: ..."), exit status 1.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

from bot.desk import Desk
from bot.runner import StartupError, configure_logging, run_bot
from bot.settings import load_settings
from tests.discord_standin.resolver import StandinResolver


class SlowDesk(Desk):
    delay = float(os.environ.get("STANDIN_SLOW_SECONDS", "0"))

    def ask(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        time.sleep(self.delay)
        return super().ask(*args, **kwargs)


def main() -> None:
    settings = load_settings(dotenv_path=None)
    configure_logging(settings.log_level)
    port, ca = int(os.environ["STANDIN_PORT"]), Path(os.environ["STANDIN_CA"]).read_text()
    desk = SlowDesk.from_settings(settings)

    def client_options() -> dict[str, Any]:
        context = ssl.create_default_context(cadata=ca)
        connector = aiohttp.TCPConnector(resolver=StandinResolver(port), ssl=context, limit=0)
        return {"connector": connector, "guild_ready_timeout": 0.05}

    try:
        asyncio.run(run_bot(settings, desk=desk, client_options=client_options))
    except StartupError as exc:  # as click prints a ClickException for `newsdesk run`
        sys.exit(f"Error: {exc}")


if __name__ == "__main__":
    main()
