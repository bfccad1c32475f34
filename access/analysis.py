"""Gap analysis of a region: travel times for every mode, registry, burden, aggregates, model.

:func:`gap_analysis` is the one call behind ``accessgap gaps`` and the app's Explore page;
:func:`release_result` is what of it may be shown or exported;
:func:`access.gap_outputs.write_gap_outputs` writes its files atomically.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd

from access.barriers import (
    BARRIER_UNIT_PATTERNS,
    SPLIT_COLUMNS,
    BarrierResult,
    BarrierSettings,
    barrier_analysis,
)
from access.exclusion import ExclusionModel, fit_exclusion_model
from access.gaps import GapSettings, aggregate, attach_registry, settlement_gaps
from access.speeds import MODES, Mode, TravelSettings
from geodata.errors import AccessGapError
from geodata.privacy import PrivacySettings, suppress_small_groups
from geodata.region import Region
from geodata.schema import ADMIN_LEVELS

__all__ = [
    "MODES",
    "SETTLEMENT_OUTPUT_COLUMNS",
    "SUPPRESSED_COLUMNS",
    "UNIT_OUTPUT_PATTERNS",
    "GapResult",
    "gap_analysis",
    "release_result",
    "travel_times",
]


#: Columns (regular expressions) of the settlement table that may be shown or exported.
SETTLEMENT_OUTPUT_COLUMNS: tuple[str, ...] = (
    "settlement_id",
    "name",
    "name_ur",
    *ADMIN_LEVELS,
    "households",
    "population",
    "terrain",
    r"(travel_min|network_m|access_m|centre_id|flags)_[a-z]+",
    "registered_households",
    "coverage_source",
    "poor_share",
    "poverty_source",
    "coverage_share",
    "unregistered_households",
    "poor_households",
    "unregistered_poor_households",
    "travel_burden_h",
    "burden_pkr",
    "unreachable",
    "gap_score",
    "gap_rank",
    "documents_missing_share",
    "expected_visits",
    "centre_wait_min",
    r"burden_(man|woman)_(h|pkr)",
    *SPLIT_COLUMNS,
    "e2sfca_access",
)
#: Columns (regular expressions) of the unit tables that may be shown or exported.
UNIT_OUTPUT_PATTERNS: tuple[str, ...] = (
    *ADMIN_LEVELS,
    "region",
    "settlements",
    "households",
    "registered_households",
    "households_coverage_unknown",
    "coverage_share",
    "unregistered_households",
    "poor_households",
    "unregistered_poor_households",
    "gap_score",
    r"(median_min|p90_min)_[a-z]+",
    r"share_within_\d+_min_[a-z]+",
    r"settlements_beyond_\d+_min_[a-z]+",
    *BARRIER_UNIT_PATTERNS,
)
#: Registry-derived counts blanked for groups below the minimum size.
SUPPRESSED_COLUMNS: tuple[str, ...] = (
    "registered_households",
    "unregistered_households",
    "poor_households",
    "unregistered_poor_households",
    "coverage_share",
    "gap_score",
    "poor_share",
    *SPLIT_COLUMNS,
    "observed_unregistered_poor",
    "expected_unregistered_poor",
    "residual_unregistered_poor",
    "awareness_z",
)


@dataclass(frozen=True)
class GapResult:
    """Everything the gap analysis found.

    Attributes
    ----------
    settlements
        One row per settlement (the region's index): travel per mode, coverage, unregistered
        (poor) households, burden, gap score. EPSG:4326 points.
    units
        Aggregates per level: ``"union_council"``, ``"tehsil"``, ``"district"``,
        ``"province"`` and ``"region"``.
    model
        The fitted exclusion model, or ``None`` when coverage is unknown.
    barriers
        Who is excluded and why (:func:`access.barriers.barrier_analysis`): waiting,
        capacity-limited coverage, burden by group, distance vs awareness, equity; its
        columns are in ``settlements`` and ``units`` too. ``None`` when not computed.
    notes
        Plain statements for the reader (e.g. "coverage unknown", "synthetic data").
    """

    settlements: gpd.GeoDataFrame
    units: Mapping[str, pd.DataFrame]
    model: ExclusionModel | None
    notes: tuple[str, ...] = ()
    settings: GapSettings = field(default_factory=GapSettings)
    barriers: BarrierResult | None = None

    def gaps_summary(self) -> dict[str, Any]:
        """``gaps_summary.json``: :meth:`summary` plus the barrier blocks.

        The blocks (capacity, burden by group, awareness, equity) are there when computed.
        """
        doc = self.summary()
        if self.barriers is not None:
            doc.update(self.barriers.to_dict(self.settlements))
        return doc

    def summary(self) -> dict[str, Any]:
        """Region-level headline figures (JSON-friendly)."""
        row = self.units["region"].iloc[0].to_dict()
        doc: dict[str, Any] = {
            str(k): (None if isinstance(v, float) and not np.isfinite(v) else v)
            for k, v in row.items()
            if k != "region" and not _allowed(k, BARRIER_UNIT_PATTERNS)
        }
        doc["exclusion_model"] = self.model.to_dict() if self.model else None
        doc["notes"] = list(self.notes)
        return doc


def travel_times(
    region: Region, *, modes: Sequence[str] = MODES, **engine_options: Any
) -> pd.DataFrame:
    """Nearest-centre travel per mode as one wide table (the settlements' index).

    Columns per mode: ``travel_min_<mode>``, ``network_m_<mode>``, ``access_m_<mode>``,
    ``centre_id_<mode>``, ``flags_<mode>``.
    """
    from access.engine import nearest_centre  # imported here: it loads the numba kernels

    parts = []
    for mode in modes:
        t = nearest_centre(region, settings=TravelSettings(mode=cast(Mode, mode), **engine_options))
        cols = {
            c: f"{c}_{mode}"
            for c in ("travel_min", "network_m", "access_m", "centre_id", "flags")
            if c in t.columns
        }
        parts.append(t[list(cols)].rename(columns=cols))
    return pd.concat(parts, axis=1)


def gap_analysis(
    region: Region,
    *,
    settings: GapSettings | None = None,
    modes: Sequence[str] = MODES,
    times: pd.DataFrame | None = None,
    fit_model: bool = True,
    barriers: BarrierSettings | None = None,
    with_barriers: bool = True,
    offroad: Any = None,
) -> GapResult:
    """Run the gap analysis on ``region``.

    Parameters
    ----------
    region
        A validated region.
    settings
        Costs and assumptions of the burden (defaults documented in ``docs/gaps.md``).
    modes
        Travel modes to compute; must include ``settings.burden_mode``.
    times
        Precomputed :func:`travel_times` (e.g. for a scenario); computed when ``None``.
    fit_model
        Fit the exclusion model (``False`` leaves ``model`` as ``None``: for a map that does
        not show it; the awareness model is then left out too).
    barriers
        Assumptions of the barriers analysis (defaults in ``docs/gaps.md``).
    with_barriers
        Compute the barriers (waiting, capacity, burden by group, awareness, equity). The
        E2SFCA index needs travel to every centre: it is computed only when ``times`` is
        ``None`` (the region's own travel).
    offroad
        An off-road surface for the travel computed here (``TravelSettings.offroad``: an
        ``OffroadSettings``, ``True``/``False`` to force the region's surface on or off, or
        ``None`` for the region's default).

    Raises
    ------
    SchemaError
        When coverage contradicts households or names match no settlement.
    """
    s = settings or GapSettings()
    if s.burden_mode not in modes:
        raise AccessGapError(f"burden mode '{s.burden_mode}' is not among modes {list(modes)}")
    t = times if times is not None else travel_times(region, modes=modes, offroad=offroad)
    table = attach_registry(region.settlements, region.coverage, region.poverty)
    table = settlement_gaps(table.join(t), settings=s)
    notes = []
    if region.synthetic:
        notes.append("All figures are SYNTHETIC (sample region); no real household is shown.")
    model: ExclusionModel | None = None
    if region.coverage is None:
        notes.append(
            "Registry coverage is unknown for this region: coverage, unregistered "
            "households, gap scores and the exclusion model cannot be computed."
        )
    else:
        unknown = table["coverage_source"].eq("unknown")
        if unknown.any():
            notes.append(
                f"Coverage is unknown for {int(unknown.sum())} settlements "
                f"({int(table.loc[unknown, 'households'].sum())} households)."
            )
        spread = table["coverage_source"].isin(ADMIN_LEVELS)
        if spread.any():
            levels = sorted(set(table.loc[spread, "coverage_source"]))
            notes.append(
                f"Coverage given per {', '.join(levels)} was spread over settlements "
                "in proportion to households."
            )
        if fit_model:
            try:
                model = fit_exclusion_model(table, mode=s.burden_mode)
            except AccessGapError as exc:
                notes.append(f"Exclusion model not fitted: {exc}")
    units = {level: aggregate(table, level, modes=modes) for level in (*ADMIN_LEVELS, "region")}
    result: BarrierResult | None = None
    if with_barriers:
        b = barriers or BarrierSettings()
        minutes = None
        if times is None and len(region.centres):
            from access.queries import coverage_matrix  # loads the numba kernels

            minutes = coverage_matrix(
                region,
                sites="centres",
                cutoff_min=b.e2sfca_d0_min,
                settings=TravelSettings(mode=cast(Mode, s.burden_mode), offroad=offroad),
            )
        result = barrier_analysis(
            table,
            region.centres,
            gap_settings=s,
            settings=b,
            centre_minutes=minutes,
            awareness=fit_model and region.coverage is not None,
        )
        table = table.join(result.settlements)  # its notes stay in result.notes
        units = {
            level: df.merge(result.unit_columns(table, level), on=level, how="left")
            for level, df in units.items()
        }
    return GapResult(
        gpd.GeoDataFrame(table, geometry="geometry", crs=region.settlements.crs),
        units,
        model,
        tuple(notes),
        s,
        result,
    )


def release_result(result: GapResult, *, privacy: PrivacySettings | None = None) -> GapResult:
    """The result as it may be shown or exported: allow-listed columns, small groups hidden.

    Only the columns of :data:`SETTLEMENT_OUTPUT_COLUMNS` / :data:`UNIT_OUTPUT_PATTERNS`
    are kept (so an identifier column that reached a settlements table is never exported),
    and the registry-derived counts (:data:`SUPPRESSED_COLUMNS`) of settlements and units
    with fewer than ``privacy.min_group_households`` households are blanked, with a
    ``suppressed`` flag. Totals of larger units still include the hidden groups.
    """
    p = privacy or PrivacySettings()
    s = result.settlements
    keep = [c for c in s.columns if c == s.geometry.name or _allowed(c, SETTLEMENT_OUTPUT_COLUMNS)]
    settlements = suppress_small_groups(
        pd.DataFrame(s[keep]), SUPPRESSED_COLUMNS, min_households=p.min_group_households
    )
    units = {}
    for level, df in result.units.items():
        cols = [c for c in df.columns if _allowed(c, UNIT_OUTPUT_PATTERNS)]
        units[level] = suppress_small_groups(
            df[cols],
            [c for c in SUPPRESSED_COLUMNS if c != "poor_share"],
            min_households=p.min_group_households,
        )
    return replace(
        result,
        settlements=gpd.GeoDataFrame(settlements, geometry=s.geometry.name, crs=s.crs),
        units=units,
    )


def _allowed(col: object, patterns: tuple[str, ...]) -> bool:
    return any(re.fullmatch(p, str(col)) for p in patterns)
