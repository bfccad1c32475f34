"""Atomic output folders: write into a temporary folder, then swap it in with renames.

A run that is killed (power cut, ``kill -9``) at any point leaves either the previous folder
or the new one, plus possibly leftovers beside it: ``.NAME.tmp-PID-*`` (a half-written new
folder) and ``.NAME.old-PID`` (the previous folder, moved aside for the swap). The next
write, or :func:`recover_folder` (called by :func:`geodata.region.load_region`), puts a
moved-aside previous folder back when ``NAME`` is missing and removes leftovers of
processes that are no longer running.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from geodata.errors import OutputFolderError

__all__ = [
    "MARKER_NAME",
    "check_output_folder",
    "claim_folder",
    "output_kind",
    "recover_folder",
    "write_folder_atomically",
]

log = logging.getLogger(__name__)

#: Leftovers without a readable process id are removed once older than this.
_STALE_S = 3600.0

#: The file that marks a folder as written by this tool, with the kind of output it holds.
MARKER_NAME = ".accessgap-output.json"

#: Folders of earlier versions (written before the marker existed) are recognised by the file
#: each kind of output always holds.
_SIGNATURES = {
    "region": "region.json",
    "gaps": "gaps_summary.json",
    "placement": "placement.json",
    "vans": "vans.json",
    "reviews": "reviews.json",
    "sweeps": "sweeps.json",
    "scenario": "metrics.json",
    "report": "report.html",
    "portfolio": "portfolio.json",
}


def write_folder_atomically(
    out_dir: str | os.PathLike[str], write: Callable[[Path], None], *, kind: str = "output"
) -> dict[str, Path]:
    """Call ``write(tmp)`` to fill a fresh temporary folder, then make it ``out_dir``.

    The previous ``out_dir`` stays untouched until the new one is complete; if ``write``
    fails, nothing of the old folder is lost and the temporary folder is removed. Leftovers
    of earlier runs that were killed are cleaned first (:func:`recover_folder`). An existing
    ``out_dir`` is replaced only when this tool wrote it as the same ``kind`` of output (see
    :func:`check_output_folder`); the new folder gets the marker and the permissions of a
    folder made with ``mkdir`` (the umask), not the private ones of a temporary folder.

    Parameters
    ----------
    out_dir
        The folder to write.
    write
        Fills the temporary folder it is given.
    kind
        What the folder holds (``"region"``, ``"gaps"``, ``"scenario"``, ...): a folder of
        one kind is never replaced by another.

    Returns
    -------
    dict
        File name -> path of every file written.

    Raises
    ------
    OutputFolderError
        When ``out_dir`` may not be written (see :func:`check_output_folder`).
    """
    target = check_output_folder(out_dir, kind=kind)
    target.parent.mkdir(parents=True, exist_ok=True)
    recover_folder(target)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-{os.getpid()}-", dir=target.parent))
    try:
        write(tmp)
        _mark(tmp, kind)
        check_output_folder(target, kind=kind)  # the folder may have appeared meanwhile
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
    return {p.name: p for p in sorted(target.iterdir()) if p.name != MARKER_NAME}


def check_output_folder(out_dir: str | os.PathLike[str], *, kind: str = "output") -> Path:
    """Check, before any work, that ``out_dir`` may be written as a ``kind`` output folder.

    A folder may be written when it does not exist yet (its nearest existing parent must be
    writable), when it is empty, or when this tool wrote it before as the same ``kind``
    (the marker file :data:`MARKER_NAME`, or for earlier versions the kind's signature file).
    Anything else (a user's folder, another kind of output such as the region itself, a
    file, the current folder or one above it, a read-only parent) is refused, so a run can
    never delete what the user has.

    Parameters
    ----------
    out_dir
        The folder to check.
    kind
        The kind of output about to be written.

    Returns
    -------
    pathlib.Path
        ``out_dir`` as an absolute path.

    Raises
    ------
    OutputFolderError
        Saying what is wrong with the folder and what to do instead.
    """
    target = Path(os.path.abspath(os.fspath(out_dir)))
    if target.exists() or target.is_symlink():
        _check_existing(target, kind)
    parent = target.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise OutputFolderError(
            f"{target}: cannot write here ({parent} is not a writable folder); "
            "choose an output folder where you may write"
        )
    return target


def claim_folder(out_dir: str | os.PathLike[str], *, kind: str) -> Path:
    """Check ``out_dir`` (see :func:`check_output_folder`), create it and mark it as ``kind``.

    For a folder that a run fills piece by piece (the demo's folder of outputs) rather than
    swapping it in whole.

    Raises
    ------
    OutputFolderError
        When ``out_dir`` may not be written.
    """
    target = check_output_folder(out_dir, kind=kind)
    target.mkdir(parents=True, exist_ok=True)
    _mark(target, kind)
    return target


def output_kind(folder: str | os.PathLike[str]) -> str | None:
    """The kind of output this tool wrote into ``folder``, or ``None`` when it did not."""
    path = Path(folder)
    marker = path / MARKER_NAME
    if marker.is_file():
        try:
            doc = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return None
        kind = doc.get("kind") if isinstance(doc, dict) else None
        return kind if isinstance(kind, str) else None
    for kind, signature in _SIGNATURES.items():
        if (path / signature).is_file():
            return kind
    return None


def _check_existing(target: Path, kind: str) -> None:
    if target.is_symlink() or not target.is_dir():
        raise OutputFolderError(
            f"{target}: exists and is not a folder; choose a new folder name for the output"
        )
    here = Path.cwd().resolve()
    real = target.resolve()
    if real == here or real in here.parents or real == Path.home().resolve():
        raise OutputFolderError(
            f"{target}: is the current folder, one above it or your home folder; "
            "name a new folder for the output, e.g. out/results"
        )
    if not any(target.iterdir()):
        return
    found = output_kind(target)
    if found is None:
        raise OutputFolderError(
            f"{target}: exists and was not written by accessgap (no {MARKER_NAME}); it is "
            "left as it is. Name a new or empty folder for the output"
        )
    if found != kind:
        raise OutputFolderError(
            f"{target}: holds a {found} written by accessgap, not a {kind} output; it is left "
            f"as it is. Name another folder for the {kind} output"
        )


def _mark(folder: Path, kind: str) -> None:
    doc = {"tool": "accessgap", "kind": kind}  # no time stamp: equal runs give equal bytes
    (folder / MARKER_NAME).write_text(json.dumps(doc) + "\n", encoding="utf-8")
    if folder.name.startswith(".") and ".tmp-" in folder.name:  # mkdtemp's private mode
        umask = os.umask(0)
        os.umask(umask)
        folder.chmod(0o777 & ~umask)


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
