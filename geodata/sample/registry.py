"""Synthetic registry coverage and poverty that fall with travel time.

Besides coverage and poverty the sample carries (all SYNTHETIC, drawn from generators of their
own so the long-standing figures of the sample do not move):

- ``documents_missing_share`` per union council (on the settlements): the share of households
  lacking a required ID document, who need a second trip (issue #17);
- optionally (``low_awareness_units > 0``) an *awareness* effect that is not distance: in a few
  union councils near a centre households are less likely to know how to register, recorded in
  :class:`RegistryTruth` so a test can check the gap analysis finds them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from geodata.region import Region

__all__ = ["RegistryTruth", "add_synthetic_registry"]


@dataclass(frozen=True)
class RegistryTruth:
    """The true parameters behind synthetic coverage, kept so tests can check recovery.

    ``logit P(unregistered) = intercept + travel_coef_per_h * travel_h
    + awareness_logit * [union council in low_awareness_units]``; poverty does not change
    exclusion within a settlement (so unregistered poor = unregistered x poor share).
    """

    intercept: float
    travel_coef_per_h: float
    travel_cap_h: float
    poor_share_target: float
    coverage_target: float
    awareness_logit: float = 0.0
    low_awareness_units: tuple[str, ...] = ()


def add_synthetic_registry(
    region: Region,
    travel_min: np.ndarray,
    *,
    seed: int = 2017,
    travel_coef_per_h: float = 0.6,
    coverage_target: float = 0.84,
    poor_share_target: float = 0.45,
    travel_cap_h: float = 8.0,
    low_awareness_units: int = 0,
    awareness_logit: float = 1.5,
    awareness_near_min: float = 60.0,
) -> tuple[Region, RegistryTruth]:
    """Attach synthetic registry coverage and poverty that fall with travel time.

    Exclusion follows ``logit p = b0 + b_t * min(t_h, cap)`` per household, with ``b0``
    calibrated (bisection) so the household-weighted coverage equals ``coverage_target``;
    registered households are ``households - Binomial(households, p)``. Poverty shares follow
    a logistic in terrain and travel time, calibrated to ``poor_share_target``.

    Parameters
    ----------
    region
        A region from :func:`make_sample_geography`.
    travel_min
        Travel minutes from each settlement (row order) to its nearest centre; NaN for
        unreachable settlements (they take the cap).
    low_awareness_units
        Number of union councils, drawn among those whose household-weighted median travel
        time is at most ``awareness_near_min``, where households are less aware of how to
        register (``awareness_logit`` added to the logit). 0 (the default) leaves every
        draw of coverage as it was before awareness existed.

    Returns
    -------
    (Region, RegistryTruth)
        The region with ``coverage`` and ``poverty`` tables (flagged synthetic) and the truth.
    """
    s = region.settlements
    t = np.asarray(travel_min, dtype=float)
    if t.shape != (len(s),):
        raise ValueError(f"travel_min has shape {t.shape}; expected ({len(s)},)")
    rng = np.random.default_rng(seed + 1)
    th = np.minimum(np.nan_to_num(t / 60.0, nan=travel_cap_h), travel_cap_h)
    hh = s["households"].to_numpy()
    w = hh / hh.sum()

    def _calib(f: Callable[[float], np.ndarray], target: float) -> float:
        lo, hi = -20.0, 20.0
        for _ in range(80):
            mid = (lo + hi) / 2
            val = float(np.sum(w * f(mid)))
            lo, hi = (mid, hi) if val < target else (lo, mid)
        return (lo + hi) / 2

    def _sig(z: np.ndarray) -> np.ndarray:
        return np.asarray(1.0 / (1.0 + np.exp(-z)))

    low = _low_awareness(s, t, low_awareness_units, awareness_near_min, seed)
    shift = awareness_logit * s["union_council"].isin(low).to_numpy() if low else 0.0
    b0 = _calib(lambda b: _sig(b + travel_coef_per_h * th + shift), 1 - coverage_target)
    p_unreg = _sig(b0 + travel_coef_per_h * th + shift)
    unreg = rng.binomial(hh, p_unreg)
    mnt = (s["terrain"] == "mountain").to_numpy() if "terrain" in s else np.zeros(len(s), bool)
    z = 0.9 * mnt + 0.4 * th + rng.normal(0, 0.4, len(s))
    a0 = _calib(lambda a: _sig(a + z), poor_share_target)
    poor = np.round(_sig(a0 + z), 4)
    coverage = pd.DataFrame(
        {
            "level": "settlement",
            "unit_id": s["settlement_id"].to_numpy(),
            "registered_households": (hh - unreg).astype(float),
        }
    )
    poverty = pd.DataFrame(
        {"level": "settlement", "unit_id": s["settlement_id"].to_numpy(), "poor_share": poor}
    )
    truth = RegistryTruth(
        intercept=b0,
        travel_coef_per_h=travel_coef_per_h,
        travel_cap_h=travel_cap_h,
        poor_share_target=poor_share_target,
        coverage_target=coverage_target,
        awareness_logit=awareness_logit if low else 0.0,
        low_awareness_units=tuple(low),
    )
    meta = dict(region.metadata)
    meta["synthetic_registry"] = {
        "label": "SYNTHETIC registry coverage and poverty (NSER microdata is confidential)",
        "model": "logit P(unregistered) = intercept + travel_coef_per_h * min(travel_h, cap)"
        + (" + awareness_logit * low_awareness" if low else ""),
        **asdict(truth),
        "documents_missing_share": "synthetic, per union council (Beta(2, 8), +0.1 mountains)",
    }
    prov = dict(meta.get("provenance", {}))
    prov["coverage"] = "synthetic, falls with motorbike travel time (see synthetic_registry)"
    prov["poverty"] = "synthetic, higher in mountains and far from centres"
    prov["documents_missing_share"] = "synthetic, per union council"
    meta["provenance"] = prov
    settlements = s.assign(documents_missing_share=_documents_missing(s, seed))
    return (
        region.with_(settlements=settlements, coverage=coverage, poverty=poverty, metadata=meta),
        truth,
    )


# ---------------------------------------------------------------------------------------


def _documents_missing(s: pd.DataFrame, seed: int) -> np.ndarray:
    """Synthetic share of households lacking an ID document, one draw per union council.

    Drawn from a generator of its own (``seed + 3``), so coverage and poverty are unchanged.
    """
    rng = np.random.default_rng(seed + 3)
    units = sorted(s["union_council"].astype(str).unique())
    share = dict(zip(units, rng.beta(2.0, 8.0, size=len(units)), strict=True))
    mnt = (s["terrain"] == "mountain").to_numpy() if "terrain" in s else np.zeros(len(s), bool)
    base = s["union_council"].astype(str).map(share).to_numpy(dtype=float)
    return np.asarray(np.round(np.clip(base + 0.1 * mnt, 0.0, 0.9), 3), dtype=float)


def _low_awareness(
    s: pd.DataFrame, travel_min: np.ndarray, n: int, near_min: float, seed: int
) -> list[str]:
    """``n`` union councils near a centre, drawn from a generator of their own.

    Near: household-weighted median travel at most ``near_min``; generator ``seed + 5``.
    """
    if n <= 0:
        return []
    t = np.nan_to_num(np.asarray(travel_min, float), nan=np.inf)
    df = pd.DataFrame(
        {
            "uc": s["union_council"].astype(str).to_numpy(),
            "t": t,
            "w": s["households"].to_numpy(float),
        }
    )
    near = []
    for uc, g in df.groupby("uc", sort=True):
        order = np.argsort(g["t"].to_numpy(), kind="stable")
        cw = np.cumsum(g["w"].to_numpy()[order])
        median = g["t"].to_numpy()[order][int(np.searchsorted(cw, 0.5 * cw[-1]))]
        if median <= near_min:
            near.append(str(uc))
    if len(near) < n:
        raise ValueError(
            f"only {len(near)} union councils are within {near_min:g} min of a centre; "
            f"cannot draw {n} low-awareness units"
        )
    rng = np.random.default_rng(seed + 5)
    return sorted(str(u) for u in rng.choice(near, size=n, replace=False))
