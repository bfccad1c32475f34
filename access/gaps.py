"""Registry coverage and access gaps per settlement, and their aggregates per admin unit.

The core functions work on plain tables so they are testable without routing:

- :func:`attach_registry` spreads coverage and poverty given per settlement *or* per admin
  unit onto settlements (in proportion to households), keeping "unknown" explicit (NaN and a
  ``coverage_source`` of ``"unknown"``), never a silent zero;
- :func:`settlement_gaps` adds travel burden (time and PKR) and the gap score;
- :func:`aggregate` sums and summarises per union council, tehsil, district, province and
  the whole region, so that settlement sums equal unit totals at every level.

Formulas (``docs/gaps.md``)::

    unregistered      = households - registered
    unregistered_poor = unregistered * poor_share
    burden_pkr        = visits * (2 * network_km * fare_pkr_per_km[mode]
                                  + min(1, (2 * travel_h + wait_h) / work_day_h) * wage_pkr_per_day)
    gap_score         = unregistered_poor * burden_pkr / 1000
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from access.speeds import MODES
from geodata.errors import Problem, SchemaError
from geodata.registry import attach_registry
from geodata.schema import ADMIN_LEVELS

__all__ = [
    "BANDS_MIN",
    "GapSettings",
    "aggregate",
    "attach_registry",
    "settlement_gaps",
    "weighted_quantile",
]

#: Travel-time bands (minutes) used in the aggregates.
BANDS_MIN: tuple[int, ...] = (30, 60, 120)


@dataclass(frozen=True)
class GapSettings:
    """Costs and assumptions of the travel burden. All overridable.

    Defaults: motorbike/public transport fare PKR 8 per km and car PKR 25 per km (shared
    rickshaw/van and hired car fares, 2025 levels); a lost day valued at PKR 1,400 (minimum
    wage PKR 37,000 a month over 26 days); 2 visits to complete registration (the report notes
    repeated visits); 2 hours waiting at the centre; an 8-hour working day.
    """

    burden_mode: str = "motorbike"
    fare_pkr_per_km: Mapping[str, float] = field(
        default_factory=lambda: {"walk": 0.0, "motorbike": 8.0, "car": 25.0}
    )
    wage_pkr_per_day: float = 1400.0
    visits: float = 2.0
    wait_h: float = 2.0
    work_day_h: float = 8.0

    def __post_init__(self) -> None:
        """Check the settings: no negative or non-finite cost or time."""
        bad = [
            name
            for name in ("wage_pkr_per_day", "visits", "wait_h", "work_day_h")
            if not np.isfinite(getattr(self, name)) or getattr(self, name) < 0
        ]
        bad += [f"fare_pkr_per_km[{k}]" for k, v in self.fare_pkr_per_km.items() if v < 0]
        if self.work_day_h <= 0:
            bad.append("work_day_h")
        if bad:
            raise ValueError(f"GapSettings: {', '.join(bad)} must be finite and >= 0")


def settlement_gaps(
    table: pd.DataFrame,
    *,
    settings: GapSettings | None = None,
) -> pd.DataFrame:
    """Add coverage, unregistered (poor) households, travel burden and gap score.

    Parameters
    ----------
    table
        Settlements with ``households``, ``registered_households``, ``poor_share`` (see
        :func:`attach_registry`) and travel columns ``travel_min_<mode>`` and
        ``network_m_<mode>`` for ``settings.burden_mode``.

    Returns
    -------
    pandas.DataFrame
        Same index, with ``coverage_share``, ``unregistered_households``,
        ``poor_households``, ``unregistered_poor_households``, ``travel_burden_h``,
        ``burden_pkr``, ``gap_score`` and ``gap_rank`` (1 = most in need; NaN where unknown).

    Examples
    --------
    >>> t = pd.DataFrame({"households": [100], "registered_households": [80.0],
    ...                   "poor_share": [0.5], "travel_min_motorbike": [60.0],
    ...                   "network_m_motorbike": [30_000.0]})
    >>> round(float(settlement_gaps(t)["gap_score"].iloc[0]), 1)
    23.6
    """
    s = settings or GapSettings()
    mode = s.burden_mode
    for col in (f"travel_min_{mode}", f"network_m_{mode}", "households"):
        if col not in table.columns:
            raise SchemaError(
                [Problem("column is missing; compute travel times first", "gaps", column=col)]
            )
    out = table.copy()
    hh = out["households"].to_numpy(dtype=float)
    reg = out["registered_households"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["coverage_share"] = np.where(hh > 0, reg / hh, np.nan)
    unreg = hh - reg
    out["unregistered_households"] = unreg
    poor = out["poor_share"].to_numpy(dtype=float)
    out["poor_households"] = hh * poor
    out["unregistered_poor_households"] = unreg * poor
    t_h = out[f"travel_min_{mode}"].to_numpy(dtype=float) / 60.0
    km = out[f"network_m_{mode}"].to_numpy(dtype=float) / 1000.0
    fare = float(s.fare_pkr_per_km.get(mode, 0.0))
    reachable = np.isfinite(t_h)
    # unreachable settlements lose a whole day per visit; their fare is unknown (taken as 0)
    lost_days = np.where(reachable, np.minimum(1.0, (2 * t_h + s.wait_h) / s.work_day_h), 1.0)
    out["travel_burden_h"] = np.where(
        reachable, s.visits * (2 * t_h + s.wait_h), s.visits * s.work_day_h
    )
    fare_pkr = np.where(np.isfinite(km), 2 * km * fare, 0.0)
    out["burden_pkr"] = s.visits * (fare_pkr + lost_days * s.wage_pkr_per_day)
    out["unreachable"] = ~reachable
    out["gap_score"] = out["unregistered_poor_households"] * out["burden_pkr"] / 1000.0
    out["gap_rank"] = out["gap_score"].rank(ascending=False, method="first")
    return out


def aggregate(
    table: pd.DataFrame,
    level: str,
    *,
    modes: Sequence[str] = MODES,
    bands_min: Sequence[int] = BANDS_MIN,
) -> pd.DataFrame:
    """Summarise settlement gaps per admin unit (``level``) or for the whole ``"region"``.

    Sums (households, registered, unregistered poor...) are plain sums over settlements with
    known values, so settlement sums equal unit totals at every level; ``coverage_share`` is
    registered / households over settlements with known coverage, and
    ``households_coverage_unknown`` counts the rest. Travel statistics are
    household-weighted, per mode: median and 90th percentile minutes, the share of households
    within each band, and the number of settlements beyond 120 minutes (unreachable ones
    included).
    """
    if level != "region" and level not in ADMIN_LEVELS:
        raise ValueError(f"level must be 'region' or one of {', '.join(ADMIN_LEVELS)}")
    keys = ["region"] if level == "region" else _level_keys(level)
    df = table.assign(region="all") if level == "region" else table
    rows = []
    for key, g in df.groupby(keys, sort=True, dropna=False):
        key_t = key if isinstance(key, tuple) else (key,)
        hh = g["households"].to_numpy(dtype=float)
        known = g["registered_households"].notna().to_numpy()
        row: dict[str, object] = dict(zip(keys, key_t, strict=True))
        row["settlements"] = len(g)
        row["households"] = float(hh.sum())
        row["registered_households"] = float(g["registered_households"].sum(min_count=1))
        row["households_coverage_unknown"] = float(hh[~known].sum())
        row["coverage_share"] = (
            row["registered_households"] / hh[known].sum() if hh[known].sum() > 0 else np.nan
        )
        for col in (
            "unregistered_households",
            "poor_households",
            "unregistered_poor_households",
            "gap_score",
        ):
            if col in g:
                row[col] = float(g[col].sum(min_count=1))
        for mode in modes:
            col = f"travel_min_{mode}"
            if col not in g:
                continue
            t = g[col].to_numpy(dtype=float)
            row[f"median_min_{mode}"] = weighted_quantile(t, hh, 0.5)
            row[f"p90_min_{mode}"] = weighted_quantile(t, hh, 0.9)
            for b in bands_min:
                within = np.isfinite(t) & (t <= b)
                row[f"share_within_{b}_min_{mode}"] = (
                    float(hh[within].sum() / hh.sum()) if hh.sum() > 0 else np.nan
                )
            row[f"settlements_beyond_120_min_{mode}"] = int((~(np.isfinite(t) & (t <= 120))).sum())
        rows.append(row)
    return pd.DataFrame(rows)


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """Weighted quantile (inverse of the weighted CDF); unreachable (inf/NaN) count as +inf.

    >>> weighted_quantile(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 2.0]), 0.5)
    2.0
    """
    v = np.where(np.isfinite(values), values, np.inf)
    w = np.asarray(weights, dtype=float)
    if w.sum() <= 0:
        return float("nan")
    order = np.argsort(v, kind="stable")
    cw = np.cumsum(w[order])
    idx = int(np.searchsorted(cw, q * cw[-1], side="left"))
    return float(v[order][min(idx, len(v) - 1)])


# ---------------------------------------------------------------------------------------


def _level_keys(level: str) -> list[str]:
    i = ADMIN_LEVELS.index(level)
    return list(ADMIN_LEVELS[: i + 1])
