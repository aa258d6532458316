"""Allows `python -m ohlocal`."""

from ohlocal.cli import main

main()
