"""Who is excluded and why: the barriers analysis of a gap table (issue #17).

:func:`barrier_analysis` is the adapter that turns a settlement gap table and the centres into
arrays for the cores and back into tables:

- waiting at each centre (:mod:`access.queueing`, Erlang C) and capacity-limited coverage in
  three parts (:mod:`access.capacity`);
- the burden of registering for an adult man and for a woman with small children and a
  companion, with waiting and expected visits (:mod:`access.burden`);
- distance vs awareness per union council (:mod:`access.awareness`);
- equity: poor beyond an hour, concentration index, Palma-style ratio, E2SFCA
  (:mod:`access.equity`).

Formulas, defaults and sources: ``docs/gaps.md``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from access.awareness import AwarenessResult, AwarenessSettings, awareness_analysis
from access.burden import BurdenSettings, expected_visits, group_burden
from access.capacity import CapacitySettings, capacity_split, centre_waiting
from access.equity import concentration_index, e2sfca, palma_ratio, share_beyond
from access.gaps import GapSettings, weighted_quantile
from geodata.errors import AccessGapError

__all__ = [
    "BARRIER_UNIT_PATTERNS",
    "SPLIT_COLUMNS",
    "BarrierResult",
    "BarrierSettings",
    "barrier_analysis",
    "equity_figures",
]

log = logging.getLogger(__name__)

#: The three parts of capacity-limited coverage (households), in order.
SPLIT_COLUMNS: tuple[str, ...] = (
    "served_households",
    "unserved_capacity_households",
    "unserved_distance_households",
)
#: Unit-table columns (regular expressions) the barriers add (kept out of the headline
#: :meth:`access.analysis.GapResult.summary`, whose figures stay as they were).
BARRIER_UNIT_PATTERNS: tuple[str, ...] = (
    *SPLIT_COLUMNS,
    r"mean_burden_(man|woman)_(h|pkr)",
    r"(observed|expected|residual)_unregistered_poor",
    "awareness_z",
    "near_centre",
    "awareness_stands_out",
)
_BURDEN_COLUMNS = ("burden_man_h", "burden_man_pkr", "burden_woman_h", "burden_woman_pkr")
_EQUITY_LEVELS = ("tehsil", "province")


@dataclass(frozen=True)
class BarrierSettings:
    """Assumptions of the barriers analysis (wage, fares and working day: :class:`GapSettings`).

    Attributes
    ----------
    capacity
        Desks, horizon, reach (:class:`~access.capacity.CapacitySettings`).
    awareness
        Thresholds (:class:`~access.awareness.AwarenessSettings`).
    child_care_pkr_per_day, companion, documents_missing_share
        See :class:`~access.burden.BurdenSettings`.
    equity_threshold_min
        "Beyond an hour" of the equity block (60).
    e2sfca_d0_min
        Catchment of the E2SFCA index (60 minutes, the reach).
    """

    capacity: CapacitySettings = field(default_factory=CapacitySettings)
    awareness: AwarenessSettings = field(default_factory=AwarenessSettings)
    child_care_pkr_per_day: float = 700.0
    companion: bool = True
    documents_missing_share: float = 0.2
    equity_threshold_min: float = 60.0
    e2sfca_d0_min: float = 60.0

    def burden(self, gap: GapSettings) -> BurdenSettings:
        """The array-level burden settings: these plus the wage, fare and day of ``gap``."""
        return BurdenSettings(
            wage_pkr_per_day=gap.wage_pkr_per_day,
            fare_pkr_per_km=float(gap.fare_pkr_per_km.get(gap.burden_mode, 0.0)),
            work_day_h=gap.work_day_h,
            child_care_pkr_per_day=self.child_care_pkr_per_day,
            companion=self.companion,
            documents_missing_share=self.documents_missing_share,
        )


@dataclass(frozen=True)
class BarrierResult:
    """What the barriers analysis found.

    Attributes
    ----------
    settlements
        New settlement columns (the gap table's index): ``expected_visits``,
        ``centre_wait_min``, ``burden_{man,woman}_{h,pkr}``, the three
        :data:`SPLIT_COLUMNS` and, when centre travel times were given, ``e2sfca_access``.
    centres
        One row per centre: desks, capacity, demand and served visits, utilisation,
        ``wait_min``, ``saturated``.
    awareness
        The distance-vs-awareness analysis, or ``None`` (coverage unknown, model not fitted).
    equity
        The ``equity`` block of ``gaps_summary.json``.
    demand
        What the three-way split counts (``"unregistered households"`` or, when coverage is
        unknown, ``"households"``).
    notes
        Plain statements for the reader.
    """

    settlements: pd.DataFrame
    centres: pd.DataFrame
    awareness: AwarenessResult | None
    equity: dict[str, Any]
    demand: str
    notes: tuple[str, ...] = ()
    settings: BarrierSettings = field(default_factory=BarrierSettings)

    def unit_columns(self, table: pd.DataFrame, level: str) -> pd.DataFrame:
        """Per unit of ``level`` (or ``"region"``): the split, mean burden, residuals.

        The three-way split (exact sums), the household-weighted mean burden per group and,
        for the awareness level, observed, expected and residual unregistered poor.
        """
        df = self.settlements.join(table[["households"]]).assign(
            **({"region": "all"} if level == "region" else {level: table[level]})
        )
        rows = []
        for key, g in df.groupby(level, sort=True):
            hh = g["households"].to_numpy(float)
            row: dict[str, Any] = {level: key}
            for col in SPLIT_COLUMNS:
                row[col] = float(g[col].sum())
            for col in _BURDEN_COLUMNS:
                row[f"mean_{col}"] = float(np.sum(hh * g[col]) / hh.sum()) if hh.sum() else np.nan
            rows.append(row)
        out = pd.DataFrame(rows)
        if self.awareness is not None and level == self.awareness.settings.level:
            a = self.awareness.units.rename(columns={"stands_out": "awareness_stands_out"})
            keep = [
                level,
                "observed_unregistered_poor",
                "expected_unregistered_poor",
                "residual_unregistered_poor",
                "awareness_z",
                "near_centre",
                "awareness_stands_out",
            ]
            out = out.merge(a[keep], on=level, how="left")
        return out

    def burden_by_group(self, table: pd.DataFrame) -> dict[str, Any]:
        """Household-weighted mean and median burden per group (hours and PKR)."""
        hh = table["households"].to_numpy(float)
        doc: dict[str, Any] = {}
        for group in ("man", "woman"):
            doc[group] = {}
            for unit in ("h", "pkr"):
                v = self.settlements[f"burden_{group}_{unit}"].to_numpy(float)
                doc[group][f"mean_{unit}"] = float(np.sum(hh * v) / hh.sum())
                doc[group][f"median_{unit}"] = weighted_quantile(v, hh, 0.5)
                doc[group][f"p90_{unit}"] = weighted_quantile(v, hh, 0.9)
        doc["mean_expected_visits"] = float(
            np.sum(hh * self.settlements["expected_visits"]) / hh.sum()
        )
        return doc

    def to_dict(self, table: pd.DataFrame) -> dict[str, Any]:
        """The blocks of ``gaps_summary.json``: capacity, burden by group, awareness, equity."""
        c = self.settings.capacity
        split = {col: float(self.settlements[col].sum()) for col in SPLIT_COLUMNS}
        return {
            "capacity": {
                "demand": self.demand,
                **split,
                "total_households": float(sum(split.values())),
                "reach_min": c.reach_min,
                "horizon_days": c.horizon_days,
                "registrations_per_desk_day": c.registrations_per_desk_day,
                "centres": self.centres.to_dict(orient="records"),
            },
            "burden_by_group": self.burden_by_group(table),
            "awareness": self.awareness.to_dict() if self.awareness else None,
            "equity": self.equity,
            "barrier_notes": list(self.notes),
        }


def barrier_analysis(
    table: pd.DataFrame,
    centres: pd.DataFrame,
    *,
    gap_settings: GapSettings | None = None,
    settings: BarrierSettings | None = None,
    centre_minutes: sparse.spmatrix | sparse.sparray | None = None,
    awareness: bool = True,
) -> BarrierResult:
    """Run the barriers analysis on a settlement gap table.

    Parameters
    ----------
    table
        Output of :func:`access.gaps.settlement_gaps` with ``centre_id_<mode>`` and the admin
        columns.
    centres
        The open centres: ``centre_id``, ``capacity_per_day`` and, when known, ``desks``.
    gap_settings
        Burden mode, wage, fares, working day.
    settings
        The barriers' own assumptions.
    centre_minutes
        Sparse ``settlements x centres`` minutes within ``e2sfca_d0_min`` (rows in table
        order, columns in ``centres`` order); ``None`` leaves E2SFCA out.
    awareness
        Fit the distance-vs-awareness model (needs known coverage).

    Raises
    ------
    AccessGapError
        When the table lacks the burden mode's travel columns.
    """
    gs = gap_settings or GapSettings()
    s = settings or BarrierSettings()
    mode = gs.burden_mode
    for col in (f"travel_min_{mode}", f"network_m_{mode}", f"centre_id_{mode}"):
        if col not in table.columns:
            raise AccessGapError(f"barrier analysis: column '{col}' is missing")
    notes: list[str] = []
    t = table[f"travel_min_{mode}"].to_numpy(float)
    cidx = pd.Index(centres["centre_id"].astype(str)).get_indexer(
        pd.Index(table[f"centre_id_{mode}"].astype(str))
    )
    t = np.where(cidx >= 0, t, np.nan)
    desks = _desks(centres, s.capacity)
    docs = (
        table["documents_missing_share"].to_numpy(float)
        if "documents_missing_share" in table
        else np.full(len(table), np.nan)
    )
    if np.isnan(docs).all():
        notes.append(
            f"No documents-missing share in the data: {s.documents_missing_share:.0%} of "
            "households are assumed to need a second trip."
        )
    visits = expected_visits(docs, default=s.documents_missing_share)
    demand, demand_label = _demand(table, notes)
    cap = s.capacity
    split = capacity_split(
        demand,
        t,
        np.maximum(cidx, 0),
        desks * cap.registrations_per_desk_day * cap.horizon_days,
        visits=visits,
        reach_min=cap.reach_min,
    )
    queue = centre_waiting(split.served_visits, desks, settings=cap)
    wait_min = np.where(cidx >= 0, queue["wait_min"].to_numpy()[np.maximum(cidx, 0)], 0.0)
    b = group_burden(
        t,
        table[f"network_m_{mode}"].to_numpy(float),
        wait_min / 60.0,
        visits=visits,
        service_h=cap.service_h,
        settings=s.burden(gs),
    )
    out = pd.DataFrame(
        {
            "expected_visits": visits,
            "centre_wait_min": wait_min,
            "burden_man_h": b.man_h,
            "burden_man_pkr": b.man_pkr,
            "burden_woman_h": b.woman_h,
            "burden_woman_pkr": b.woman_pkr,
            "served_households": split.served,
            "unserved_capacity_households": split.unserved_capacity,
            "unserved_distance_households": split.unserved_distance,
        },
        index=table.index,
    )
    if centre_minutes is not None:
        out["e2sfca_access"] = e2sfca(
            centre_minutes,
            desks * cap.registrations_per_desk_day,
            table["households"].to_numpy(float),
            d0_min=s.e2sfca_d0_min,
        )
    centre_table = pd.DataFrame(
        {
            "centre_id": centres["centre_id"].astype(str).to_numpy(),
            "name": centres["name"].astype(str).to_numpy() if "name" in centres else "",
            "desks": desks.astype(int),
            "demand_visits": split.demand_visits,
            "served_visits": split.served_visits,
        }
    ).join(queue)
    if queue["saturated"].any():
        names = ", ".join(centre_table.loc[queue["saturated"].to_numpy(), "centre_id"])
        notes.append(f"Centres at capacity over the horizon (queue at the cap): {names}.")
    aw = _awareness(table, mode, s.awareness, notes) if awareness else None
    eq = equity_figures(
        table.join(out),
        mode=mode,
        threshold_min=s.equity_threshold_min,
        cap_min=60.0 * 8.0,
        levels=[lv for lv in _EQUITY_LEVELS if lv in table],
    )
    return BarrierResult(out, centre_table, aw, eq, demand_label, tuple(notes), s)


def equity_figures(
    table: pd.DataFrame,
    *,
    mode: str = "motorbike",
    threshold_min: float = 60.0,
    cap_min: float = 480.0,
    levels: Sequence[str] = _EQUITY_LEVELS,
) -> dict[str, Any]:
    """The ``equity`` block: for the region and per unit of each of ``levels``.

    Per area: ``share_poor_beyond_<threshold>_min`` (poor households, unreachable counted
    beyond), ``concentration_index`` of the unregistered share ranked by travel time
    (household-weighted; settlements with unknown coverage left out),
    ``palma_travel_ratio`` (mean minutes of the farthest 10% of households over the nearest
    40%; unreachable at ``cap_min``) and, when present, ``mean_e2sfca_access``.
    """
    doc: dict[str, Any] = {
        "method": {
            "concentration_index": "Kakwani: 2 cov_w(y, r) / mean_w(y); y unregistered share, "
            "r household-weighted fractional rank of travel time (nearest first)",
            "palma_travel_ratio": "mean travel minutes, farthest 10% / nearest 40% of "
            f"households; unreachable at {cap_min:g} min",
            "e2sfca": "Gaussian decay within the catchment (Dai 2010)",
            "mode": mode,
        },
        "region": _equity_row(table, mode, threshold_min, cap_min),
    }
    for level in levels:
        doc[level] = {
            str(k): _equity_row(g, mode, threshold_min, cap_min)
            for k, g in table.groupby(level, sort=True)
        }
    return doc


# ---------------------------------------------------------------------------------------


def _equity_row(g: pd.DataFrame, mode: str, threshold_min: float, cap_min: float) -> dict[str, Any]:
    t = g[f"travel_min_{mode}"].to_numpy(float)
    hh = g["households"].to_numpy(float)
    poor = g["poor_households"].to_numpy(float) if "poor_households" in g else hh * np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(hh > 0, g["unregistered_households"].to_numpy(float) / hh, np.nan)
    row: dict[str, Any] = {
        f"share_poor_beyond_{threshold_min:g}_min": (
            share_beyond(t, poor, threshold_min) if np.isfinite(poor).any() else None
        ),
        "concentration_index": concentration_index(y, t, hh) if np.isfinite(y).any() else None,
        "palma_travel_ratio": palma_ratio(t, hh, cap=cap_min),
    }
    if "e2sfca_access" in g:
        a = g["e2sfca_access"].to_numpy(float)
        row["mean_e2sfca_access"] = float(np.sum(hh * a) / hh.sum()) if hh.sum() else None
        row["share_households_no_e2sfca_access"] = float(hh[a <= 0].sum() / hh.sum())
    return row


def _desks(centres: pd.DataFrame, cap: CapacitySettings) -> np.ndarray:
    from_capacity = np.maximum(
        1.0, np.round(centres["capacity_per_day"].to_numpy(float) / cap.registrations_per_desk_day)
    )
    if "desks" not in centres:
        return np.asarray(from_capacity)
    d = pd.to_numeric(centres["desks"], errors="coerce").to_numpy(float)
    return np.asarray(np.where(np.isfinite(d) & (d >= 1), d, from_capacity))


def _demand(table: pd.DataFrame, notes: list[str]) -> tuple[np.ndarray, str]:
    unreg = table["unregistered_households"].to_numpy(float)
    if np.isnan(unreg).all():
        notes.append(
            "Coverage is unknown: the capacity split counts all households, not the unregistered."
        )
        return table["households"].to_numpy(float), "households"
    return unreg, "unregistered households"


def _awareness(
    table: pd.DataFrame, mode: str, s: AwarenessSettings, notes: list[str]
) -> AwarenessResult | None:
    if table["registered_households"].isna().all() or s.level not in table:
        return None
    try:
        return awareness_analysis(table, mode=mode, settings=s)
    except AccessGapError as exc:
        notes.append(f"Distance-vs-awareness model not fitted: {exc}")
        return None
