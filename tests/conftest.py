"""Shared fixtures: paths to the real data, and small seeded synthetic regions."""

from __future__ import annotations

from pathlib import Path

import pytest

from geodata.sample import SampleParams, make_sample_geography

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DATA = SHARED / "data"
BENCHMARKS = SHARED / "benchmarks"


def shared_path(*parts: str) -> Path:
    """Path into ../shared, skipping the test with a reason when it is absent."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} is absent (real data lives in ../shared outside this repository)")
    return p


SMALL = SampleParams(
    seed=11,
    n_settlements=160,
    n_union_councils=8,
    households_target=20_000,
    width_km=40,
    height_km=30,
)


@pytest.fixture(scope="session")
def small_geography():
    """A small synthetic region (geography only), built once per session."""
    return make_sample_geography(SMALL)
