"""SQLite persistence: the connection, numbered migrations and one store per resource."""
