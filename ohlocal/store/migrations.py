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
    # 3: agent-server conversations, their event log and their secret values
    """
    CREATE TABLE conversation (
        id TEXT PRIMARY KEY,
        sandbox_id TEXT NOT NULL,
        request TEXT NOT NULL,
        title TEXT,
        tags TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX conversation_sandbox ON conversation (sandbox_id, created_at, id);
    CREATE TABLE event (
        seq INTEGER PRIMARY KEY,
        conversation_id TEXT NOT NULL REFERENCES conversation (id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        kind TEXT NOT NULL,
        source TEXT NOT NULL,
        timestamp TEXT NOT NULL,
        body TEXT,
        full_json BLOB NOT NULL,
        compact_json BLOB NOT NULL
    );
    CREATE UNIQUE INDEX event_conversation_id ON event (conversation_id, id);
    CREATE INDEX event_conversation_seq ON event (conversation_id, seq);
    CREATE INDEX event_conversation_kind ON event (conversation_id, kind, seq);
    CREATE INDEX event_conversation_source ON event (conversation_id, source, seq);
    CREATE INDEX event_conversation_timestamp ON event (conversation_id, timestamp);
    CREATE TABLE conversation_secret (
        conversation_id TEXT NOT NULL REFERENCES conversation (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        source TEXT NOT NULL,
        PRIMARY KEY (conversation_id, name)
    );
    """,
    # 4: the local user's settings, API keys, and the webhook outbox (cursors on the event log
    # for live conversations, rows for what a delete removed from it)
    """
    CREATE TABLE user_settings (
        user_id TEXT PRIMARY KEY,
        body BLOB NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE api_key (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        salt BLOB NOT NULL,
        digest BLOB NOT NULL,
        prefix TEXT NOT NULL,
        created_at TEXT NOT NULL,
        last_used_at TEXT
    );
    CREATE TABLE webhook_subscriber (
        base_url TEXT PRIMARY KEY,
        added_at TEXT NOT NULL
    );
    CREATE TABLE webhook_cursor (
        subscriber TEXT NOT NULL,
        conversation_id TEXT NOT NULL,
        delivered_seq INTEGER NOT NULL,
        info_due INTEGER NOT NULL,
        PRIMARY KEY (subscriber, conversation_id)
    );
    CREATE TABLE webhook_outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        subscriber TEXT NOT NULL,
        conversation_id TEXT NOT NULL,
        path TEXT NOT NULL,
        body BLOB NOT NULL,
        session_api_key TEXT,
        created_at TEXT NOT NULL
    );
    CREATE INDEX webhook_outbox_subscriber ON webhook_outbox (subscriber, id);
    """,
    # 5: App Server conversations, their start tasks and queued pending messages
    """
    CREATE TABLE app_conversation (
        id TEXT PRIMARY KEY,
        sandbox_id TEXT NOT NULL,
        title TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        body TEXT NOT NULL
    );
    CREATE INDEX app_conversation_created ON app_conversation (created_at DESC, id);
    CREATE INDEX app_conversation_sandbox ON app_conversation (sandbox_id);
    CREATE TABLE start_task (
        id TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        app_conversation_id TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        body TEXT NOT NULL
    );
    CREATE INDEX start_task_created ON start_task (created_at DESC, id);
    CREATE INDEX start_task_conversation ON start_task (app_conversation_id);
    CREATE TABLE pending_message (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        conversation_id TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX pending_message_conversation ON pending_message (conversation_id, seq);
    """,
]
