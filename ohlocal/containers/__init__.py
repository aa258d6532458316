"""Sandbox backends (Podman through podman-py, or local processes) and the client of the
in-sandbox helper that both run."""
