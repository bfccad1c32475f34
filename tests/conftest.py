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


@pytest.fixture(scope="session")
def small_sample_region():
    """The small seeded sample region (:data:`SMALL`, with registry), built once per session.

    Shared: derive changed copies with ``region.with_(...)``, never change it in place.
    """
    from access.synthetic import build_sample_region

    region, _truth = build_sample_region(SMALL)
    return region


@pytest.fixture(scope="session")
def small_sample_region_dir(small_sample_region, tmp_path_factory) -> Path:
    """:func:`small_sample_region` saved as a region folder once per session (read-only:
    copy it with ``helpers.copy_region`` to place it next to scenario files)."""
    from geodata.region import save_region

    return save_region(small_sample_region, tmp_path_factory.mktemp("regions") / "small")


@pytest.fixture(scope="session")
def sample_region_and_truth():
    """The default sample region and its synthetic truth, built once per session."""
    from access.synthetic import build_sample_region

    return build_sample_region()


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    """``accessgap demo`` run once per session (through the CLI); its output folder."""
    from helpers import invoke_cli

    out = tmp_path_factory.mktemp("demo") / "demo"
    res = invoke_cli("demo", "--out", out)
    assert res.exit_code == 0, res.output
    return out
