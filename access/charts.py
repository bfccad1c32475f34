"""Charts of exclusion (matplotlib, written as PNG files)."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from access.analysis import GapResult
from access.gap_views import burden_by_band

__all__ = [
    "burden_by_group_chart",
    "capacity_coverage_chart",
    "exclusion_by_area_chart",
    "exclusion_by_band_chart",
]

_BANDS = (0, 30, 60, 120, 240, np.inf)


def exclusion_by_area_chart(result: GapResult, path: Path, *, level: str = "tehsil") -> Path:
    """Bar chart of the share of households unregistered per admin unit.

    Like the report's province figure.
    """
    df = result.units[level].copy()
    df["excluded"] = 1 - df["coverage_share"]
    df = df.sort_values("excluded")
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(df) + 1.5))
    ax.barh(df[level].astype(str), 100 * df["excluded"], color="#c0392b")
    for y, v in enumerate(100 * df["excluded"]):
        ax.text(v + 0.3, y, f"{v:.1f}%", va="center", fontsize=8)
    ax.set_xlabel("households not on the registry (%)")
    ax.set_title(_title(result, f"Exclusion by {level.replace('_', ' ')}"))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def exclusion_by_band_chart(result: GapResult, path: Path) -> Path:
    """Observed and modelled exclusion by travel-time band (burden mode)."""
    s = result.settlements
    mode = result.settings.burden_mode
    t = s[f"travel_min_{mode}"].fillna(np.inf).to_numpy()
    labels, observed, modelled = [], [], []
    for lo, hi in pairwise(_BANDS):
        m = (t >= lo) & (t < hi) & s["registered_households"].notna().to_numpy()
        hh = s.loc[m, "households"].sum()
        if hh == 0:
            continue
        labels.append(f"{lo:g}-{hi:g} min" if np.isfinite(hi) else f">{lo:g} min")
        observed.append(100 * s.loc[m, "unregistered_households"].sum() / hh)
        if result.model is not None:
            p = result.model.probability(t[m])
            modelled.append(100 * float(np.sum(p * s.loc[m, "households"]) / hh))
    x = np.arange(len(labels))
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.bar(x - 0.2, observed, 0.4, label="observed", color="#c0392b")
    if modelled:
        ax.bar(x + 0.2, modelled, 0.4, label="exclusion model", color="#7f8c8d")
    ax.set_xticks(x, labels)
    ax.set_ylabel("households not on the registry (%)")
    ax.set_xlabel(f"travel time to the nearest centre ({mode})")
    ax.set_title(_title(result, "Exclusion by travel time"))
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def capacity_coverage_chart(result: GapResult, path: Path, *, level: str = "tehsil") -> Path:
    """Stacked bars per admin unit: served, unserved for capacity, unserved for distance."""
    if result.barriers is None:
        raise ValueError("the gap result has no barriers analysis")
    df = result.units[level].sort_values(level, ascending=False)
    parts = (
        ("served_households", "served", "#27ae60"),
        ("unserved_capacity_households", "unserved: centre full", "#f39c12"),
        ("unserved_distance_households", "unserved: beyond reach", "#c0392b"),
    )
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(df) + 2.2))
    left = np.zeros(len(df))
    for col, label, colour in parts:
        v = df[col].to_numpy(float)
        ax.barh(df[level].astype(str), v, left=left, label=label, color=colour)
        left += v
    reach = result.barriers.settings.capacity.reach_min
    ax.set_xlabel(f"{result.barriers.demand} (reach {reach:g} min, by capacity over the horizon)")
    ax.set_title(_title(result, "Who the centres can serve"))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3, fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def burden_by_group_chart(result: GapResult, path: Path) -> Path:
    """Mean PKR cost of registering per travel band: adult man vs woman with children."""
    if result.barriers is None:
        raise ValueError("the gap result has no barriers analysis")
    mode = result.settings.burden_mode
    table = burden_by_band(result.settlements, mode)
    labels, man, woman = list(table["band"]), list(table["man_pkr"]), list(table["woman_pkr"])
    x = np.arange(len(labels))
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.bar(x - 0.2, man, 0.4, label="adult man", color="#2e86c1")
    ax.bar(x + 0.2, woman, 0.4, label="woman with small children + companion", color="#8e44ad")
    for xi, v in [*zip(x - 0.2, man, strict=True), *zip(x + 0.2, woman, strict=True)]:
        ax.text(xi, v, f"{v:,.0f}", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(x, labels)
    ax.set_ylabel("cost of registering (PKR, all visits)")
    ax.set_xlabel(f"travel time to the nearest centre ({mode})")
    ax.set_title(_title(result, "What registering costs, by who travels"))
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _title(result: GapResult, text: str) -> str:
    return f"{text} (SYNTHETIC data)" if any("SYNTHETIC" in n for n in result.notes) else text
