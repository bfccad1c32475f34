"""Atomic output folders: write into a temporary folder, then swap it in with renames.

A run that is killed (power cut, ``kill -9``) at any point leaves either the previous folder
or the new one, plus possibly leftovers beside it: ``.NAME.tmp-PID-*`` (a half-written new
folder) and ``.NAME.old-PID`` (the previous folder, moved aside for the swap). The next
write, or :func:`recover_folder` (called by :func:`geodata.region.load_region`), puts a
moved-aside previous folder back when ``NAME`` is missing and removes leftovers of
processes that are no longer running.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

__all__ = ["recover_folder", "write_folder_atomically"]

log = logging.getLogger(__name__)

#: Leftovers without a readable process id are removed once older than this.
_STALE_S = 3600.0


def write_folder_atomically(
    out_dir: str | os.PathLike[str], write: Callable[[Path], None]
) -> dict[str, Path]:
    """Call ``write(tmp)`` to fill a fresh temporary folder, then make it ``out_dir``.

    The previous ``out_dir`` stays untouched until the new one is complete; if ``write``
    fails, nothing of the old folder is lost and the temporary folder is removed. Leftovers
    of earlier runs that were killed are cleaned first (:func:`recover_folder`).

    Returns
    -------
    dict
        File name -> path of every file written.
    """
    target = Path(out_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    recover_folder(target)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-{os.getpid()}-", dir=target.parent))
    try:
        write(tmp)
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            if old.exists():
                shutil.rmtree(old)
            os.replace(target, old)
        try:
            os.replace(tmp, target)
        except BaseException:
            if old is not None:
                os.replace(old, target)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {p.name: p for p in sorted(target.iterdir())}


def recover_folder(out_dir: str | os.PathLike[str]) -> list[Path]:
    """Repair what a killed :func:`write_folder_atomically` left beside ``out_dir``.

    If ``out_dir`` is missing but a previous version was moved aside (``.NAME.old-PID``)
    by a process that is no longer running, it is moved back. Temporary and moved-aside
    folders of dead processes are then removed. Folders of running processes are left alone
    (another write may be in progress).

    Returns
    -------
    list of pathlib.Path
        The leftover folders removed or restored.
    """
    target = Path(out_dir)
    parent = target.parent
    if not parent.is_dir():
        return []
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.(tmp|old)-(\d+)?")
    found: list[tuple[str, Path, bool]] = []
    for p in parent.iterdir():
        m = pattern.match(p.name)
        if m is None or not p.is_dir():
            continue
        found.append((m.group(1), p, _is_dead(m.group(2), p)))
    touched: list[Path] = []
    if not target.exists():
        olds = sorted(
            (p for kind, p, dead in found if kind == "old" and dead),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        if olds:
            os.replace(olds[0], target)
            log.warning("restored %s from %s left by an interrupted write", target, olds[0])
            touched.append(olds[0])
    for _kind, p, dead in found:
        if dead and p.exists() and p not in touched:
            shutil.rmtree(p, ignore_errors=True)
            log.info("removed %s left by an interrupted write", p)
            touched.append(p)
    return touched


def _is_dead(pid_text: str | None, path: Path) -> bool:
    if pid_text:
        pid = int(pid_text)
        if pid == os.getpid():
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except (PermissionError, OverflowError):
            return False
        return False
    try:
        return time.time() - path.stat().st_mtime > _STALE_S
    except OSError:
        return False
