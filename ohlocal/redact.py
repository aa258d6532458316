"""The one redaction helper: what may appear in logs of URLs and headers. Keys, tokens and
`Authorization` values never do."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from collections.abc import Mapping

MASK = "***"
# Header names whose values are credentials (compared lower-cased).
SECRET_HEADERS = frozenset(
    {"authorization", "x-session-api-key", "x-api-key", "cookie", "proxy-authorization"}
)


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """`headers` with every credential value masked; safe to log."""
    return {
        name: MASK if name.lower() in SECRET_HEADERS or "token" in name.lower() else value
        for name, value in headers.items()
    }


def redact_url(url: str) -> str:
    """`url` without user info and query string, which may carry credentials."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    if parts.username or parts.password:
        netloc = f"{MASK}@{netloc}"
    return urlunsplit((parts.scheme, netloc, parts.path, MASK if parts.query else "", ""))
