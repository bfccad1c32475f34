"""Atomic output folders (re-exported from :mod:`geodata.files` for the scenario layer)."""

from __future__ import annotations

from geodata.files import write_folder_atomically

__all__ = ["write_folder_atomically"]
