"""``python -m bot`` starts the Discord bot, like ``newsdesk run``."""

import sys

from bot.cli import main

main(["run", *sys.argv[1:]], prog_name="python -m bot")
