"""Discord cogs, one feature per file, each ending in ``async def setup(bot)``."""
