"""Numbered schema migrations; the version reached is kept in PRAGMA user_version."""

from __future__ import annotations

# Each entry moves the schema from version i to i + 1. Never edit a released entry: append.
MIGRATIONS: list[str] = [
    # 1: sandboxes
    """
    CREATE TABLE sandbox (
        id TEXT PRIMARY KEY,
        sandbox_spec_id TEXT NOT NULL,
        status TEXT NOT NULL,
        session_api_key TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        handle TEXT,
        worker_ports TEXT NOT NULL DEFAULT '[]',
        pause_mode TEXT,
        detail TEXT
    );
    CREATE INDEX sandbox_created ON sandbox (created_at DESC, id);
    """,
]
