"""Code that runs inside a sandbox (stdlib only, Python 3.9+)."""
