"""How a region's off-road surface changes walking times: per settlement and for households.

:func:`walk_time_change` runs the nearest-centre query twice in one mode (default ``walk``):
the straight-line access model (``offroad=False``) and the surface (the region's own, or the
one given), and summarises the change by households (``docs/travel_model.md``, *the sample's
terrain*; ``scripts/sample_terrain.py`` prints it for the sample).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from access.friction import OffroadSettings
from access.queries import nearest_centre
from access.speeds import TravelSettings
from geodata.region import Region

__all__ = ["WalkChange", "walk_time_change"]

#: A settlement's time "changes" when it moves by at least this many minutes.
CHANGED_MIN = 1.0


@dataclass(frozen=True)
class WalkChange:
    """Walking times without and with the surface.

    Attributes
    ----------
    table
        Per settlement (the region's index): ``settlement_id``, ``households``, ``terrain``
        (when the region has it), ``before_min``, ``after_min``, ``change_min``.
    summary
        Household figures: ``households``, ``changed_households`` (``|change| >= 1`` min),
        ``changed_share``, ``median_change_min`` and ``p90_abs_change_min`` (over changed
        households), ``slower_share`` and ``over_10_min_share`` (of all households, change
        above +10 / beyond +-10 min), ``unreached_after`` (households no centre reaches on
        the surface), and the same by ``terrain``.
    """

    table: pd.DataFrame
    summary: dict[str, Any]


def walk_time_change(
    region: Region, *, mode: str = "walk", offroad: OffroadSettings | bool = True
) -> WalkChange:
    """Nearest-centre times in ``mode`` without and with the off-road surface.

    Raises
    ------
    SchemaError
        When ``offroad`` is ``True`` and the region has no surface attached.
    """
    before = nearest_centre(region, settings=TravelSettings(mode=mode, offroad=False))  # type: ignore[arg-type]
    after = nearest_centre(region, settings=TravelSettings(mode=mode, offroad=offroad))  # type: ignore[arg-type]
    s = region.settlements
    t = pd.DataFrame(
        {
            "settlement_id": s["settlement_id"].astype(str),
            "households": s["households"].astype(float),
            "before_min": before["travel_min"].astype(float),
            "after_min": after["travel_min"].astype(float),
        },
        index=s.index,
    )
    if "terrain" in s.columns:
        t.insert(2, "terrain", s["terrain"].astype(str))
    t["change_min"] = t["after_min"] - t["before_min"]
    summary = _summary(t)
    if "terrain" in t.columns:
        summary["by_terrain"] = {str(k): _summary(g) for k, g in t.groupby("terrain")}
    return WalkChange(table=t, summary=summary)


def _summary(t: pd.DataFrame) -> dict[str, Any]:
    hh = t["households"].to_numpy(float)
    ch = t["change_min"].to_numpy(float)
    ok = np.isfinite(ch)
    total = float(hh.sum())
    changed = ok & (np.abs(np.where(ok, ch, 0.0)) >= CHANGED_MIN)
    return {
        "households": round(total),
        "changed_households": round(float(hh[changed].sum())),
        "changed_share": _share(hh[changed].sum(), total),
        "median_change_min": _wquantile(ch[changed], hh[changed], 0.5),
        "p90_abs_change_min": _wquantile(np.abs(ch[changed]), hh[changed], 0.9),
        "slower_share": _share(hh[ok & (ch > 10.0)].sum(), total),
        "over_10_min_share": _share(hh[ok & (np.abs(np.where(ok, ch, 0.0)) > 10.0)].sum(), total),
        "unreached_after": round(float(hh[~np.isfinite(t["after_min"].to_numpy(float))].sum())),
    }


def _share(part: float, total: float) -> float | None:
    return round(float(part) / total, 4) if total else None


def _wquantile(x: np.ndarray, w: np.ndarray, q: float) -> float | None:
    """The household-weighted quantile (the smallest value holding share ``q``)."""
    if not x.size:
        return None
    order = np.argsort(x)
    cum = np.cumsum(w[order])
    return round(float(x[order][np.searchsorted(cum, q * cum[-1])]), 1)
