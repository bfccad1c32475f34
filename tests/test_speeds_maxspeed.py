"""maxspeed caps, never raises, the realised class speed (docs/travel_model.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from access.speeds import MODES, default_speed_profile, edge_speeds_kph


def _edges(maxspeed: list[float | None]) -> pd.DataFrame:
    classes = sorted(default_speed_profile().highway_kph)
    rows = [(c, m) for c in classes for m in maxspeed]
    return pd.DataFrame(
        {"highway": [c for c, _ in rows], "maxspeed_kph": [m for _, m in rows]}
    ).astype({"maxspeed_kph": float})


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("season", ["dry", "monsoon"])
def test_maxspeed_never_raises_the_class_speed(mode: str, season: str) -> None:
    limits = [5.0, 10.0, 20.0, 30.0, 50.0, 60.0, 80.0, 100.0, 120.0, 140.0]
    tagged = _edges([*limits])
    untagged = tagged.assign(maxspeed_kph=np.nan)
    with_tag = edge_speeds_kph(tagged, mode=mode, season=season)
    without = edge_speeds_kph(untagged, mode=mode, season=season)
    assert (with_tag <= without + 1e-12).all()
    # a tag never opens a class the mode cannot use
    assert (with_tag[without == 0] == 0).all()


def test_maxspeed_lowers_to_the_limit() -> None:
    e = pd.DataFrame(
        {
            "highway": ["primary", "primary", "primary", "trunk", "track"],
            "maxspeed_kph": [30.0, 100.0, 500.0, np.nan, 10.0],
        }
    )
    # primary 60 by car: a 30 limit lowers it, 100 does not raise it, 500 is a tagging
    # error; the track's limit (10) comes before its unpaved factor (0.6)
    assert edge_speeds_kph(e, mode="car").tolist() == pytest.approx([30.0, 60.0, 60.0, 80.0, 6.0])
    # motorbikes: primary 45, trunk 50; limits above the class speed change nothing
    # (the track: 10 x 0.7)
    assert edge_speeds_kph(e, mode="motorbike").tolist() == pytest.approx(
        [30.0, 45.0, 45.0, 50.0, 7.0]
    )
    # walking ignores maxspeed
    assert edge_speeds_kph(e, mode="walk").tolist() == pytest.approx([5.0, 5.0, 5.0, 5.0, 4.05])
