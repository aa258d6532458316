"""The path prefix under which one sandbox's Agent Server API answers."""

from __future__ import annotations

AGENT_PREFIX = "/agent/{sandbox_id:str}"
# Paths under the prefix that answer without a session key, as on the reference agent server.
PUBLIC_AGENT_PATHS = frozenset({"/health", "/alive", "/ready", "/server_info"})
