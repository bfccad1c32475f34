"""Printing HTML to A4 PDF with headless Chromium, and the print styles every page shares.

Every printed output (comparison report, region summary, itinerary, Urdu notices) is an HTML
page printed by Debian's Chromium (``chromium --headless --print-to-pdf``): Chromium shapes
Urdu with HarfBuzz, right to left, joined, when a font has the glyphs. The Urdu font is
*Noto Naskh Arabic* (Debian's ``fonts-noto-core``, installed by ``make browser-deps``):
*Noto Nastaliq Urdu* looks more familiar to Urdu readers, but Chromium's PDFs of it lose the
text (copy, search and screen readers get nothing); DejaVu Sans lacks U+06D2 and U+06C1.
See ``docs/printing.md``.

:data:`PRINT_CSS` is the shared print style: A4 pages, table headers repeated on every page,
rows never split across pages, no heading left alone at the foot of a page.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = [
    "PRINT_CSS",
    "URDU_FONT_FAMILY",
    "chromium_path",
    "print_html",
    "urdu_fonts",
]

log = logging.getLogger(__name__)

#: CSS font stack for Urdu text (Naskh first: its PDF text stays extractable).
URDU_FONT_FAMILY = '"Noto Naskh Arabic", "Noto Sans Arabic", "Noto Nastaliq Urdu", serif'

#: Print rules shared by every printed page (A4, repeated headers, no split rows).
PRINT_CSS = """
@page { size: A4; margin: 14mm 12mm 14mm 12mm; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "DejaVu Sans", "Noto Sans", Arial, sans-serif; color: #1b2631; }
h1, h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
h1 + *, h2 + *, h3 + * { break-before: avoid; page-break-before: avoid; }
table { border-collapse: collapse; }
thead { display: table-header-group; }
tfoot { display: table-footer-group; }
tr, td, th { break-inside: avoid; page-break-inside: avoid; }
img, svg, figure, .keep { break-inside: avoid; page-break-inside: avoid; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
[lang="ur"], .ur { font-family: URDU_FONT; }
""".replace("URDU_FONT", URDU_FONT_FAMILY)


def chromium_path() -> str | None:
    """The Chromium executable to print with, or ``None``."""
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")


def print_html(
    html_file: Path,
    pdf_file: Path,
    *,
    exe: str | None = None,
    timeout_s: float = 120.0,
) -> bool:
    """Print ``html_file`` to ``pdf_file`` with headless Chromium.

    The page's own ``@page`` rule sets the paper (:data:`PRINT_CSS`: A4); no header or footer
    is added.

    Parameters
    ----------
    html_file, pdf_file
        Page to print and PDF to write.
    exe
        Chromium executable; default :func:`chromium_path`.
    timeout_s
        Longest wait for Chromium.

    Returns
    -------
    bool
        Whether Chromium wrote the PDF (``False`` when it is absent or failed: the caller
        falls back or reports).
    """
    exe = exe or chromium_path()
    if exe is None:
        return False
    with tempfile.TemporaryDirectory(prefix="accessgap-chromium-") as profile:
        cmd = [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--user-data-dir={profile}",
            f"--print-to-pdf={pdf_file}",
            html_file.resolve().as_uri(),
        ]
        try:
            subprocess.run(cmd, capture_output=True, timeout=timeout_s, check=False)
        except (OSError, subprocess.TimeoutExpired) as err:
            log.warning("chromium could not print %s (%s)", html_file, err)
            return False
    ok = pdf_file.is_file() and pdf_file.stat().st_size > 1000
    if not ok:
        log.warning("chromium wrote no PDF for %s", html_file)
    return ok


def urdu_fonts() -> list[str]:
    """Font families fontconfig knows that cover Urdu (``fc-list :lang=ur``), sorted.

    Empty when none is installed (or ``fc-list`` is absent): Urdu then prints as boxes;
    install Debian's ``fonts-noto-core`` (``make browser-deps``).
    """
    exe = shutil.which("fc-list")
    if exe is None:
        return []
    try:
        res = subprocess.run(
            [exe, ":lang=ur", "family"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    return sorted({line.split(",")[0].strip() for line in res.stdout.splitlines() if line.strip()})
