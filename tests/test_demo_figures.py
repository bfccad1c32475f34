"""The demo's figures did not move in the restructuring (issue #14).

``tests/golden/demo_figures.json`` holds every figure of the demo's ``summary.json`` and of
each scenario's ``metrics.json``, recorded on the code before the restructuring with
``python scripts/demo_figures.py record``. A change that moves a figure on purpose records it
again, in its own commit, saying why.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "demo_figures.json"


def _script():
    spec = importlib.util.spec_from_file_location("demo_figures", ROOT / "scripts/demo_figures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_demos_figures_are_unchanged(demo_dir):
    script = _script()
    diffs = script.differences(script.figures(demo_dir), json.loads(GOLDEN.read_text()))
    assert not diffs, "\n".join(diffs[:40])


def test_the_comparison_sees_a_moved_figure(demo_dir):
    """The check is not vacuous: one figure moved by a hair is reported, with its path."""
    script = _script()
    golden = json.loads(GOLDEN.read_text())
    golden["summary"]["gaps"]["households"] += 1
    diffs = script.differences(script.figures(demo_dir), golden)
    assert diffs == ["/summary/gaps/households: 149988.0, was 149989.0"]
    assert len(golden) == 6  # the summary and the five scenarios
