"""The demo's figures, recorded once and compared after every change (issue #14).

``python scripts/demo_figures.py record OUT_DEMO GOLDEN`` writes the figures of a finished
``accessgap demo --out OUT_DEMO`` run (``summary.json`` and every scenario's ``metrics.json``)
to ``GOLDEN``; ``python scripts/demo_figures.py check OUT_DEMO GOLDEN`` compares a new run with
it and exits 1, listing every difference, when a figure moved. Solver run times and file names
and the PDF engine (Chromium where it is installed, else matplotlib) are left out: they are not
figures of the plan. Numbers compare to 1e-9 relative.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

VOLATILE = frozenset(
    {
        "runtime_s",
        "solver_seconds",
        "seconds",
        "timings_s",
        "file",
        "fingerprint",
        "html",
        "pdf",
        "pdf_engine",
    }
)


def figures(demo: Path) -> dict[str, Any]:
    """The comparable figures of a demo folder: summary and scenario metrics."""
    doc: dict[str, Any] = {"summary": json.loads((demo / "summary.json").read_text())}
    for metrics in sorted((demo / "scenarios").glob("*/metrics.json")):
        doc[f"scenario:{metrics.parent.name}"] = json.loads(metrics.read_text())
    return _strip(doc)


def differences(new: Any, old: Any, where: str = "") -> list[str]:
    """Every place where ``new`` differs from ``old`` (1e-9 relative on numbers)."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[str] = []
        for k in sorted(set(old) | set(new)):
            if k not in new or k not in old:
                out.append(f"{where}/{k}: only in {'old' if k in old else 'new'}")
            else:
                out += differences(new[k], old[k], f"{where}/{k}")
        return out
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return [f"{where}: {len(new)} items, was {len(old)}"]
        return [
            d
            for i, (a, b) in enumerate(zip(new, old, strict=True))
            for d in differences(a, b, f"{where}[{i}]")
        ]
    numbers = (int, float)
    if isinstance(old, numbers) and isinstance(new, numbers) and not isinstance(old, bool):
        if math.isclose(float(new), float(old), rel_tol=1e-9, abs_tol=1e-9):
            return []
        return [f"{where}: {new!r}, was {old!r}"]
    return [] if new == old else [f"{where}: {new!r}, was {old!r}"]


def _strip(doc: Any) -> Any:
    if isinstance(doc, dict):
        return {k: _strip(v) for k, v in doc.items() if k not in VOLATILE}
    if isinstance(doc, list):
        return [_strip(v) for v in doc]
    return doc


def main(argv: list[str]) -> int:
    """Record or check the demo's figures; see the module docstring."""
    if len(argv) != 3 or argv[0] not in ("record", "check"):
        print(__doc__)
        return 2
    demo, golden = Path(argv[1]), Path(argv[2])
    if argv[0] == "record":
        golden.write_text(json.dumps(figures(demo), indent=1, sort_keys=True) + "\n")
        return 0
    diffs = differences(figures(demo), json.loads(golden.read_text()))
    for d in diffs:
        print(d)
    print(f"{len(diffs)} figures differ" if diffs else "the demo's figures are unchanged")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
