"""The ``distviz`` command line. Nothing in the engine or the views imports it."""

from .main import build_parser, main

__all__ = ["build_parser", "main"]
