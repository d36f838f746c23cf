"""The terminal's width, as `shutil.get_terminal_size` gives it, without importing shutil (a start's cost)."""

from __future__ import annotations

import os
import sys


def columns(fallback: int) -> int:
    """COLUMNS when it is a positive whole number, else the width of the terminal standard output is, else
    `fallback`."""
    try:
        given = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        given = 0
    if given > 0:
        return given
    try:
        width = os.get_terminal_size(sys.__stdout__.fileno()).columns if sys.__stdout__ is not None else 0
    except (AttributeError, ValueError, OSError):
        width = 0
    return width if width > 0 else fallback
