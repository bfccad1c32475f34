"""Distance or awareness: which barrier keeps a union council's poor off the registry (#17).

The distance model (:func:`access.exclusion.fit_exclusion_model`: travel hours plus the
covariates the data has: poverty share, urban, province effects) predicts how many
households of each union council would be unregistered if distance (and those covariates)
were all there was. Units with far more unregistered households than predicted, although
near a centre, point to a barrier a new centre will not remove: not knowing how to register
(nearly half of unregistered households, "Mind the Gap", World Bank 2025). A campaign is
their remedy.

Units that stand out would bias the distance effect if left in, so the fit is iterated:

1. fit the distance model; per unit, observed ``O`` and expected ``E = sum_i n_i p_i``
   unregistered households and ``z = (O - E) / sqrt(phi sum_i n_i p_i (1 - p_i))``
   (``phi >= 1`` the model's dispersion);
2. flag units with ``z > z_threshold`` and an excess of at least ``min_excess_share`` of
   their households; refit with an indicator ``low_awareness`` for them;
3. repeat until the flagged set no longer changes (at most ``max_rounds``).

The expected figures are those of the final model with ``low_awareness`` switched off, so
``residual = observed - expected`` is what distance and the covariates do not explain.
Observed and expected are rounded to 1/1024 household so that
``expected + residual = observed`` holds exactly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from access.capacity import to_grid
from access.exclusion import (
    CrossValidation,
    ExclusionModel,
    cross_validate_exclusion,
    fit_exclusion_model,
)
from access.gaps import weighted_quantile
from geodata.errors import AccessGapError

__all__ = [
    "AWARENESS_TERM",
    "AwarenessResult",
    "AwarenessSettings",
    "awareness_analysis",
    "model_covariates",
    "unit_residuals",
]

log = logging.getLogger(__name__)

#: Name of the indicator term of the units that stand out.
AWARENESS_TERM = "low_awareness"


@dataclass(frozen=True)
class AwarenessSettings:
    """Thresholds of the awareness analysis. All overridable.

    Attributes
    ----------
    level
        The admin level compared (``"union_council"``).
    near_min
        A unit is *near a centre* when its household-weighted median travel time is at most
        this (60 minutes, as the capacity reach and the equity threshold).
    z_threshold
        Units whose excess is more than this many standard errors stand out (3).
    min_excess_share
        ... and whose excess is at least this share of their households (0.02).
    max_rounds
        Refits at most (6).
    folds
        Folds of the grouped cross-validation (5; fewer when there are fewer units).
    """

    level: str = "union_council"
    near_min: float = 60.0
    z_threshold: float = 3.0
    min_excess_share: float = 0.02
    max_rounds: int = 6
    folds: int = 5


@dataclass(frozen=True)
class AwarenessResult:
    """What the awareness analysis found.

    Attributes
    ----------
    model
        The final model: travel, covariates and, when units stand out, ``low_awareness``.
    units
        One row per unit (``level`` column): households, ``median_min``, ``near_centre``,
        ``observed_unregistered``, ``expected_unregistered``, ``awareness_z``,
        ``stands_out``, ``observed_unregistered_poor``, ``expected_unregistered_poor``,
        ``residual_unregistered_poor``.
    stand_out
        The units flagged (sorted).
    rounds
        Fits made.
    cross_validation
        Out-of-sample fit of the distance model (``None`` with fewer than 2 units).
    """

    model: ExclusionModel
    units: pd.DataFrame
    stand_out: tuple[str, ...]
    rounds: int
    cross_validation: CrossValidation | None
    settings: AwarenessSettings

    def priority(self) -> pd.DataFrame:
        """The awareness priority list, largest excess first.

        Units near a centre with more unregistered poor than the distance model expects;
        ``stands_out`` marks the clear cases (they come first).
        """
        u = self.units
        near = u[u["near_centre"] & (u["residual_unregistered_poor"] > 0)]
        return near.sort_values(
            ["stands_out", "residual_unregistered_poor"], ascending=False
        ).reset_index(drop=True)

    def to_dict(self, *, top: int = 10) -> dict[str, object]:
        """A JSON-friendly summary (the first ``top`` rows of the priority list)."""
        effect = (
            dict(
                zip(
                    ("estimate", "ci95_low", "ci95_high"),
                    self.model.term(AWARENESS_TERM),
                    strict=True,
                )
            )
            if AWARENESS_TERM in self.model.terms
            else None
        )
        cols = [
            self.settings.level,
            "median_min",
            "residual_unregistered_poor",
            "awareness_z",
            "stands_out",
        ]
        return {
            "model": self.model.to_dict(),
            "awareness_effect_logit": effect,
            "units_standing_out": list(self.stand_out),
            "rounds": self.rounds,
            "cross_validation": (
                self.cross_validation.to_dict() if self.cross_validation else None
            ),
            "near_min": self.settings.near_min,
            "priority": self.priority()[cols].head(top).to_dict(orient="records"),
        }


def model_covariates(table: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...], bool]:
    """The covariates the data has: poverty share, urban, province effects.

    Returns
    -------
    (pandas.DataFrame, tuple of str, bool)
        ``table`` with numeric columns added for the extra terms (``urban``,
        ``province[<name>]`` for every province but the first), their names, and whether
        ``poor_share`` is known wherever coverage is (then it is a term too).
    """
    out = table.copy()
    terms: list[str] = []
    known = out["registered_households"].notna()
    with_poverty = "poor_share" in out and bool(out.loc[known, "poor_share"].notna().all())
    if "urban" in out and out["urban"].notna().any():
        out["urban"] = out["urban"].astype(float).fillna(0.0)
        if out.loc[known, "urban"].nunique() > 1:
            terms.append("urban")
    if "province" in out:
        provinces = sorted(out.loc[known, "province"].astype(str).unique())
        for p in provinces[1:]:
            name = f"province[{p}]"
            out[name] = (out["province"].astype(str) == p).astype(float)
            terms.append(name)
    return out, tuple(terms), with_poverty


def unit_residuals(
    units: pd.Series | np.ndarray,
    observed: np.ndarray,
    expected: np.ndarray,
) -> pd.DataFrame:
    """Observed, expected and residual per unit, rounded so ``expected + residual = observed``.

    Parameters
    ----------
    units
        The unit of each row (settlement).
    observed, expected
        Per settlement; rows with NaN ``observed`` count in neither sum.

    Returns
    -------
    pandas.DataFrame
        Indexed by unit: ``observed``, ``expected``, ``residual`` (NaN where no row of the
        unit is known). Each is a multiple of 1/1024 so the identity is exact in binary.

    Examples
    --------
    >>> r = unit_residuals(np.array(["a", "a", "b"]), np.array([1.0, 2.0, 0.3]),
    ...                    np.array([0.5, 0.6, 0.7]))
    >>> bool(((r["expected"] + r["residual"]) == r["observed"]).all())
    True
    """
    obs = np.asarray(observed, dtype=float)
    known = np.isfinite(obs)
    df = pd.DataFrame(
        {
            "unit": np.asarray(units).astype(str),
            "observed": np.where(known, obs, 0.0),
            "expected": np.where(known, np.asarray(expected, dtype=float), 0.0),
            "known": known,
        }
    )
    g = df.groupby("unit", sort=True)[["observed", "expected", "known"]].sum()
    has = g["known"].to_numpy() > 0
    o = np.where(has, to_grid(g["observed"].to_numpy()), np.nan)
    e = np.where(has, to_grid(g["expected"].to_numpy()), np.nan)
    return pd.DataFrame({"observed": o, "expected": e, "residual": o - e}, index=g.index)


def awareness_analysis(
    table: pd.DataFrame,
    *,
    mode: str = "motorbike",
    settings: AwarenessSettings | None = None,
) -> AwarenessResult:
    """Separate distance from awareness per admin unit (see the module docstring).

    Parameters
    ----------
    table
        Settlement gaps (:func:`access.gaps.settlement_gaps`): households, registered
        households, ``unregistered_poor_households``, ``travel_min_<mode>``, the unit column.
    mode
        The travel mode of the model.
    settings
        Thresholds.

    Raises
    ------
    SchemaError
        When the model cannot be fitted (too few settlements with known coverage).
    """
    s = settings or AwarenessSettings()
    work, terms, with_poverty = model_covariates(table)
    units = work[s.level].astype(str).to_numpy()
    flagged: tuple[str, ...] = ()
    rounds = 0
    while True:
        rounds += 1
        extra = (*terms, AWARENESS_TERM) if flagged else terms
        work[AWARENESS_TERM] = np.isin(units, flagged).astype(float)
        model = fit_exclusion_model(work, mode=mode, with_poverty=with_poverty, extra_terms=extra)
        stats = _unit_stats(work, model, units, mode)
        excess = (stats["observed_unregistered"] - stats["expected_unregistered"]) / stats[
            "households"
        ]
        new = tuple(
            sorted(
                stats.index[(stats["awareness_z"] > s.z_threshold) & (excess >= s.min_excess_share)]
            )
        )
        if new == flagged or rounds >= s.max_rounds:
            if new != flagged:
                log.warning("awareness flags did not settle in %d rounds", rounds)
            break
        flagged = new
    stats["stands_out"] = stats.index.isin(flagged)
    stats["near_centre"] = stats["median_min"] <= s.near_min
    stats.index.name = s.level
    return AwarenessResult(
        model=model,
        units=stats.reset_index(),
        stand_out=flagged,
        rounds=rounds,
        cross_validation=_cross_validate(work, s, mode, with_poverty, terms),
        settings=s,
    )


# ---------------------------------------------------------------------------------------


def _unit_stats(
    work: pd.DataFrame, model: ExclusionModel, units: np.ndarray, mode: str
) -> pd.DataFrame:
    covs = {n: work[n].to_numpy(float) for n in model.extra_terms if n != AWARENESS_TERM}
    p = model.probability(
        work[f"travel_min_{mode}"].to_numpy(float),
        poor_share=work["poor_share"].to_numpy(float) if model.uses_poverty else None,
        covariates=covs,
    )
    hh = work["households"].to_numpy(float)
    known = work["registered_households"].notna().to_numpy() & (hh > 0)
    unreg = np.where(known, work["unregistered_households"].to_numpy(float), 0.0)
    poor = work["poor_share"].to_numpy(float) if "poor_share" in work else np.full(len(hh), np.nan)
    df = pd.DataFrame(
        {
            "unit": units,
            "households": hh,
            "observed_unregistered": unreg,
            "expected_unregistered": np.where(known, p * hh, 0.0),
            "variance": np.where(known, p * (1 - p) * hh, 0.0),
        }
    )
    g = df.groupby("unit", sort=True).sum()
    phi = max(1.0, model.dispersion)
    with np.errstate(divide="ignore", invalid="ignore"):
        g["awareness_z"] = (g["observed_unregistered"] - g["expected_unregistered"]) / np.sqrt(
            phi * g["variance"]
        )
    g = g.drop(columns="variance")
    t = work[f"travel_min_{mode}"].to_numpy(float)
    # one sort instead of a mask per unit (quadratic: 33 s at 80,000 settlements); the stable
    # sort keeps each unit's settlements in their order, so the medians are the same
    by_unit = np.argsort(units, kind="stable")
    keys = np.asarray(units)[by_unit]
    lo = np.searchsorted(keys, g.index.to_numpy(), side="left")
    hi = np.searchsorted(keys, g.index.to_numpy(), side="right")
    g["median_min"] = [
        weighted_quantile(t[by_unit[a:b]], hh[by_unit[a:b]], 0.5)
        for a, b in zip(lo, hi, strict=True)
    ]
    res = unit_residuals(
        units,
        np.where(known, work["unregistered_poor_households"].to_numpy(float), np.nan),
        p * hh * poor,
    )
    g["observed_unregistered_poor"] = res["observed"]
    g["expected_unregistered_poor"] = res["expected"]
    g["residual_unregistered_poor"] = res["residual"]
    return g


def _cross_validate(
    work: pd.DataFrame, s: AwarenessSettings, mode: str, with_poverty: bool, terms: tuple[str, ...]
) -> CrossValidation | None:
    n_units = work.loc[work["registered_households"].notna(), s.level].nunique()
    if n_units < 2:
        return None
    try:
        return cross_validate_exclusion(
            work,
            group=s.level,
            folds=min(s.folds, int(n_units)),
            mode=mode,
            with_poverty=with_poverty,
            extra_terms=terms,
        )
    except AccessGapError as exc:
        log.warning("cross-validation skipped: %s", exc)
        return None
