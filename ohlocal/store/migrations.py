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
    # 2: bash events of the agent server's /api/bash routes, one store per sandbox
    """
    CREATE TABLE bash_event (
        sandbox_id TEXT NOT NULL,
        id TEXT NOT NULL,
        sort_key TEXT NOT NULL,
        kind TEXT NOT NULL,
        command_id TEXT,
        "order" INTEGER,
        timestamp TEXT NOT NULL,
        body BLOB NOT NULL,
        PRIMARY KEY (sandbox_id, id)
    );
    CREATE UNIQUE INDEX bash_event_sort ON bash_event (sandbox_id, sort_key);
    CREATE INDEX bash_event_command ON bash_event (sandbox_id, command_id, "order");
    """,
]
