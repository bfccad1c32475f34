"""Synthetic registry coverage and poverty that fall with travel time."""

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

    ``logit P(unregistered) = intercept + travel_coef_per_h * travel_h``; poverty does not
    change exclusion within a settlement (so unregistered poor = unregistered x poor share).
    """

    intercept: float
    travel_coef_per_h: float
    travel_cap_h: float
    poor_share_target: float
    coverage_target: float


def add_synthetic_registry(
    region: Region,
    travel_min: np.ndarray,
    *,
    seed: int = 2017,
    travel_coef_per_h: float = 0.6,
    coverage_target: float = 0.84,
    poor_share_target: float = 0.45,
    travel_cap_h: float = 8.0,
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

    b0 = _calib(lambda b: _sig(b + travel_coef_per_h * th), 1 - coverage_target)
    p_unreg = _sig(b0 + travel_coef_per_h * th)
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
    )
    meta = dict(region.metadata)
    meta["synthetic_registry"] = {
        "label": "SYNTHETIC registry coverage and poverty (NSER microdata is confidential)",
        "model": "logit P(unregistered) = intercept + travel_coef_per_h * min(travel_h, cap)",
        **asdict(truth),
    }
    prov = dict(meta.get("provenance", {}))
    prov["coverage"] = "synthetic, falls with motorbike travel time (see synthetic_registry)"
    prov["poverty"] = "synthetic, higher in mountains and far from centres"
    meta["provenance"] = prov
    return region.with_(coverage=coverage, poverty=poverty, metadata=meta), truth
