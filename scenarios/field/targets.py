"""Who the field teams visit: review targets per union council, sweep targets, a list given.

* :func:`review_targets` -- by default one halt per union council with settlements beyond
  the threshold (``within_min`` by ``mode`` of every centre): its most populous such
  settlement, serving the unit's far settlements within a walk (``walk_radius_m``); or the
  settlements of a list (:func:`read_targets`).
* :func:`sweep_targets` -- settlements beyond the threshold that no visited van halt serves
  (with a van plan) or, without one, that no van can stop near (no road a van drives within
  the walk radius).
* :func:`unit_labels` -- code and name of each settlement's union council, from the region's
  boundaries.
* :func:`field_registrations` -- expected registrations of a field visit with the outreach
  portfolio's one turnout model (:mod:`scenarios.portfolio.turnout`), so a sweep or review
  plan and the portfolio's channel give the same figure for the same settlements.

See ``docs/field_operations.md``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from access.analysis import GapResult
from geodata.errors import DataFileError, Problem, SchemaError
from geodata.region import Region
from scenarios.portfolio.settings import PortfolioSettings
from scenarios.portfolio.turnout import households_to_reach, uptake
from scenarios.routing.options import VanOptions

__all__ = [
    "TARGET_COLUMNS",
    "beyond_threshold",
    "field_registrations",
    "read_targets",
    "review_targets",
    "sweep_targets",
    "unit_labels",
    "unregistered",
    "walk_min",
]

#: Walking speed (km/h) of a household walking to a halt: the portfolio's (``walk_speed_kph``).
WALK_SPEED_KPH: float = PortfolioSettings().walk_speed_kph

#: Columns of a target table (with the geometry, EPSG:4326).
TARGET_COLUMNS = (
    "settlement_id",
    "name",
    "name_ur",
    "union_council",
    "unit_code",
    "unit_name",
    "tehsil",
    "settlements_served",
    "served_ids",
    "households_served",
    "unregistered_households",
    "expected_registrations",
    "priority",
    "travel_min_from_centre",
)


def read_targets(path: str | os.PathLike[str]) -> tuple[str, ...]:
    """Settlement ids of a targets CSV (a ``settlement_id`` column; other columns ignored).

    Raises
    ------
    DataFileError
        When the file cannot be read.
    SchemaError
        When the column is missing or an id is blank or repeated (file and rows named).
    """
    p = Path(path)
    try:
        table = pd.read_csv(p, dtype=str, keep_default_na=False)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{p}: cannot read the targets CSV ({exc}); give a CSV file") from None
    if "settlement_id" not in table.columns:
        raise SchemaError(
            [Problem("add a settlement_id column (the region's settlement ids)", str(p))],
            source=str(p),
        )
    ids = table["settlement_id"].str.strip()
    problems = [
        Problem("blank settlement_id", p.name, row=i + 2, column="settlement_id")
        for i in np.flatnonzero(ids.eq("").to_numpy())
    ]
    problems += [
        Problem(f"settlement_id {v!r} repeated", p.name, row=i + 2, column="settlement_id")
        for i, v in zip(
            np.flatnonzero(ids.duplicated().to_numpy()), ids[ids.duplicated()], strict=True
        )
    ]
    if problems:
        raise SchemaError(problems, source=str(p))
    if ids.empty:
        raise SchemaError([Problem("no target: list at least one settlement_id", p.name)])
    return tuple(ids)


def unit_labels(region: Region, units: Sequence[str]) -> tuple[list[str], list[str]]:
    """Code and name of each union council value (a code or a name) from the boundaries.

    A value that is neither a union council's code nor a unique name keeps itself as both.
    """
    b = region.boundaries
    uc = b[b["level"] == "union_council"] if b is not None and len(b) else None
    by_code: dict[str, str] = {}
    by_name: dict[str, str] = {}
    if uc is not None:
        by_code = dict(zip(uc["code"].astype(str), uc["name"].astype(str), strict=True))
        names = uc["name"].astype(str)
        unique = names[~names.duplicated(keep=False)]
        by_name = dict(zip(unique, uc.loc[unique.index, "code"].astype(str), strict=True))
    codes, labels = [], []
    for u in (str(x) for x in units):
        if u in by_code:
            codes.append(u)
            labels.append(by_code[u])
        elif u in by_name:
            codes.append(by_name[u])
            labels.append(u)
        else:
            codes.append(u)
            labels.append(u)
    return codes, labels


def beyond_threshold(gaps: GapResult, options: VanOptions) -> NDArray[np.bool_]:
    """Settlements beyond ``within_min`` (by ``mode``) of every centre (unreachable included)."""
    t = gaps.settlements[f"travel_min_{options.mode}"].to_numpy(float)
    return np.asarray(~(np.isfinite(t) & (t <= options.within_min)))


def unregistered(gaps: GapResult, options: VanOptions) -> tuple[NDArray[np.float64], list[str]]:
    """Unregistered households per settlement (an assumed share without registry counts)."""
    s = gaps.settlements
    if s["registered_households"].notna().any():
        return s["unregistered_households"].fillna(0.0).to_numpy(float), []
    share = options.assumed_unregistered_share
    note = f"Coverage unknown: {share:.0%} of households assumed unregistered."
    return s["households"].to_numpy(float) * share, [note]


def field_registrations(
    gaps: GapResult,
    options: VanOptions,
    rows: NDArray[np.int64],
    burden_new_min: NDArray[np.float64],
) -> tuple[NDArray[np.float64], list[str]]:
    """Expected registrations of a one-off field visit, per (settlement, burden) pair.

    With the region's exclusion model (``gaps.model``, registry coverage needed) it is the
    outreach portfolio's turnout for a one-off channel (:mod:`scenarios.portfolio.turnout`)::

        E_i = U_i x max(0, 1 - p(burden_new_i) / p(t_i))

    ``U_i`` the unregistered bottom-40% households today, ``t_i`` today's minutes to the
    nearest centre in the model's mode, ``burden_new_i`` the burden with the visit (0 for a
    sweep at home, the walk to the halt for a review). Without a model (no registry coverage)
    it falls back to unregistered households x ``options.turnout`` with a note.

    Parameters
    ----------
    gaps
        The gap analysis (its settlements and, when fitted, its model).
    options
        The field rules (``turnout`` for the fallback).
    rows
        Positions in ``gaps.settlements`` of the settlements (repeats allowed).
    burden_new_min
        One-way minutes each of them faces with the visit.

    Returns
    -------
    (numpy.ndarray, notes)
        Expected registrations per pair (not rounded).
    """
    s = gaps.settlements
    rows = np.asarray(rows, dtype=np.int64)
    model = gaps.model
    if model is None or "unregistered_poor_households" not in s:
        unreg, _ = unregistered(gaps, options)
        note = (
            "No exclusion model (registry coverage needed): expected registrations are "
            f"unregistered households x {options.turnout:g}."
        )
        return unreg[rows] * options.turnout, [note]
    t_old = s[f"travel_min_{model.mode}"].to_numpy(float)[rows]
    stock = households_to_reach(
        model,
        s["unregistered_poor_households"].to_numpy(float)[rows],
        np.zeros(rows.size),
        t_old,
        growth_factor=0.0,
        permanent=False,
    )
    share = uptake(model, t_old, np.asarray(burden_new_min, dtype=float))
    return np.asarray(stock * share, dtype=np.float64), []


def walk_min(distance_m: NDArray[np.float64]) -> NDArray[np.float64]:
    """One-way walking minutes over a straight-line distance (x 1.3, at the portfolio's speed).

    Examples
    --------
    >>> walk_min(np.array([0.0, 1000.0])).round(1).tolist()
    [0.0, 19.5]
    """
    return np.asarray(distance_m, dtype=float) * 1.3 / (WALK_SPEED_KPH * 1000.0 / 60.0)


def review_targets(
    region: Region, gaps: GapResult, options: VanOptions, *, ids: Sequence[str] = ()
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Review targets: one halt per union council beyond the threshold, or the listed ids.

    A unit's halt is its most populous settlement beyond the threshold; it serves the unit's
    settlements beyond the threshold within ``walk_radius_m``. A listed settlement serves
    itself and the settlements beyond the threshold within the walk. Expected registrations
    over the window: unregistered households served x ``turnout``.

    Returns
    -------
    (GeoDataFrame, notes)
        :data:`TARGET_COLUMNS` and the geometry, in the order of unit codes (or of ``ids``).

    Raises
    ------
    SchemaError
        When a listed id is not a settlement of the region (all unknown ids named).
    """
    s = gaps.settlements.reset_index(drop=True)
    far = beyond_threshold(gaps, options)
    unreg, notes = unregistered(gaps, options)
    hh = s["households"].to_numpy(float)
    if ids:
        pos = pd.Series(np.arange(len(s)), index=s["settlement_id"].astype(str))
        unknown = [i for i in ids if i not in pos.index]
        if unknown:
            raise SchemaError(
                [Problem(f"settlement_id {u!r} is not in the region", "targets") for u in unknown],
                source="targets",
            )
        heads = [int(pos[i]) for i in ids]
        pool = far.copy()
    else:
        pool = far & (hh > 0)
        cand = np.flatnonzero(pool)
        by_unit = pd.DataFrame(
            {"i": cand, "unit": s["union_council"].astype(str).to_numpy()[cand], "hh": hh[cand]}
        ).sort_values(["unit", "hh", "i"], ascending=[True, False, True], kind="stable")
        heads = [int(i) for i in by_unit.groupby("unit", sort=True)["i"].first()]
    table, reg_notes = _target_table(region, gaps, heads, pool, unreg, options, same_unit=not ids)
    return table, notes + reg_notes


def sweep_targets(
    gaps: GapResult,
    options: VanOptions,
    *,
    served_by_vans: Sequence[str] | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.int64], list[str]]:
    """Settlements neither centres nor vans reach: positions of targets, and of the others.

    Beyond the threshold of every centre (:func:`beyond_threshold`) and, with
    ``served_by_vans`` (settlement ids served by the visited halts of a van plan), not among
    them; without a van plan, not within ``walk_radius_m`` of a road a van drives
    (``access_m_car`` of the gap analysis) or more than ``max_drive_min_per_day`` car minutes
    from every centre (a van drives at most one such leg a day, then stays overnight).

    Returns
    -------
    (targets, vans_reach, notes)
        Positions (rows of ``gaps.settlements``) of the sweep targets, and of the settlements
        beyond the threshold left to vans.
    """
    s = gaps.settlements.reset_index(drop=True)
    far = beyond_threshold(gaps, options) & (s["households"].to_numpy(float) > 0)
    if served_by_vans is not None:
        by_van = s["settlement_id"].astype(str).isin(set(map(str, served_by_vans))).to_numpy()
        note = "Vans reach the settlements their plan's visited halts serve."
    else:
        access_m = s["access_m_car"].to_numpy(float) if "access_m_car" in s else np.zeros(len(s))
        car = s["travel_min_car"].to_numpy(float)
        cap = options.max_drive_min_per_day or np.inf
        by_van = (
            np.isfinite(car)
            & (car <= cap)
            & np.isfinite(access_m)
            & (access_m <= options.walk_radius_m)
        )
        note = (
            f"No van plan given: vans taken to reach every settlement within "
            f"{options.walk_radius_m:g} m of a road a van drives and within one day's driving "
            f"({cap:g} car minutes) of a centre."
        )
    return np.flatnonzero(far & ~by_van), np.flatnonzero(far & by_van), [note]


def _target_table(
    region: Region,
    gaps: GapResult,
    heads: Sequence[int],
    pool: NDArray[np.bool_],
    unreg: NDArray[np.float64],
    options: VanOptions,
    *,
    same_unit: bool,
) -> tuple[gpd.GeoDataFrame, list[str]]:
    s = gaps.settlements.reset_index(drop=True)
    xy = s.geometry.to_crs(region.metric_crs())
    xy_arr = np.column_stack([xy.x.to_numpy(), xy.y.to_numpy()])
    unit = s["union_council"].astype(str).to_numpy()
    t = s[f"travel_min_{options.mode}"].to_numpy(float)
    hh = s["households"].to_numpy(float)
    score = s["gap_score"].fillna(0.0).to_numpy(float) if "gap_score" in s else unreg
    codes, names = unit_labels(region, [str(u) for u in unit[list(heads)]])
    rows = []
    notes: list[str] = []
    for k, i in enumerate(heads):
        dist = np.hypot(*(xy_arr - xy_arr[i]).T)
        members = (dist <= options.walk_radius_m) & pool
        if same_unit:
            members &= unit == unit[i]
        members[i] = True
        idx = np.flatnonzero(members)
        regs, notes = field_registrations(gaps, options, idx, walk_min(dist[idx]))
        rows.append(
            {
                "settlement_id": str(s.at[i, "settlement_id"]),
                "name": str(s.at[i, "name"]),
                "name_ur": s.at[i, "name_ur"] if "name_ur" in s else None,
                "union_council": unit[i],
                "unit_code": codes[k],
                "unit_name": names[k],
                "tehsil": str(s.at[i, "tehsil"]),
                "settlements_served": int(idx.size),
                "served_ids": ",".join(s["settlement_id"].astype(str).to_numpy()[idx]),
                "households_served": float(hh[idx].sum()),
                "unregistered_households": float(unreg[idx].sum()),
                "expected_registrations": round(float(regs.sum())),
                "priority": float(score[idx].sum()),
                "travel_min_from_centre": float(t[i]),
                "geometry": s.geometry.iloc[i],
            }
        )
    if not rows:
        empty = gpd.GeoDataFrame(
            columns=[*TARGET_COLUMNS, "geometry"], geometry="geometry", crs=s.crs
        )
        return empty, notes
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=s.crs), notes
