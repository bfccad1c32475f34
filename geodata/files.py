"""Atomic output folders: write into a temporary folder, then swap it in with renames."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["write_folder_atomically"]


def write_folder_atomically(
    out_dir: str | os.PathLike[str], write: Callable[[Path], None]
) -> dict[str, Path]:
    """Call ``write(tmp)`` to fill a fresh temporary folder, then make it ``out_dir``.

    The previous ``out_dir`` stays untouched until the new one is complete; if ``write``
    fails, nothing of the old folder is lost and the temporary folder is removed.

    Returns
    -------
    dict
        File name -> path of every file written.
    """
    target = Path(out_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
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
