"""An aiohttp resolver that sends Discord's host names to the stand-in.

discord.py always talks to ``https://discord.com/api/v10`` and (for the first
gateway connection) ``wss://gateway.discord.gg/`` - both on port 443.  aiohttp's
``TCPConnector`` connects to the ``port`` of each ``ResolveResult`` the resolver
returns (not the URL's port), so mapping ``discord.com:443`` to
``127.0.0.1:<ephemeral port>`` works without privileged ports.  The TLS layer
still verifies the certificate against the *URL* host name (``discord.com``),
which is why the stand-in's certificate carries those names.

Any host that is not Discord's is refused, so a test can never reach the real
Discord (or anything else) by accident.
"""

from __future__ import annotations

import socket

from aiohttp.abc import AbstractResolver, ResolveResult

#: Suffix rules: a host matches if it equals the domain or ends with "." + domain.
DISCORD_DOMAINS: tuple[str, ...] = ("discord.com", "discord.gg", "discordapp.com", "discordapp.net")


def is_discord_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in DISCORD_DOMAINS)


class StandinResolver(AbstractResolver):
    """Resolve Discord host names (any port) to ``127.0.0.1:<port>``; refuse others."""

    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        self.port = port
        self.host = host
        self.resolved: list[tuple[str, int]] = []  # (hostname, requested port), for debugging

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if not is_discord_host(host):
            raise OSError(f"discord stand-in resolver refuses to resolve non-Discord host {host!r}")
        self.resolved.append((host, port))
        return [
            ResolveResult(
                hostname=host,
                host=self.host,
                port=self.port,
                family=socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
        ]

    async def close(self) -> None:
        return None
