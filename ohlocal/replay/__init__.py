"""Replaying recorded client sessions against a server and comparing the results with the
recording (format: the shared recordings README). `ohlocal replay` and tests/replay use it."""
