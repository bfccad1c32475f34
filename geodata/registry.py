"""Registry coverage and poverty put on settlements, and the rules they must meet.

Coverage (registered households) and poverty (poor share) come per settlement or per admin
unit; a unit's figure is spread over its settlements (coverage in proportion to households,
poverty as the same share for each). The same rules hold for ``accessgap region check``
(:func:`geodata.region.validate_region`) and for every analysis (:func:`attach_registry`): a
unit that matches no settlement, or more registered households than households, is an error
in both, so a region that passes its check never fails later.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geodata.errors import Problem, SchemaError

__all__ = ["attach_registry", "registry_problems"]


def attach_registry(
    settlements: pd.DataFrame,
    coverage: pd.DataFrame | None,
    poverty: pd.DataFrame | None,
) -> pd.DataFrame:
    """Put registered households and poverty shares on each settlement.

    Coverage given for an admin unit is spread over its settlements in proportion to
    households; the column ``coverage_source`` says which level each value came from
    (``"settlement"``, ``"tehsil"``...) or ``"unknown"``. A settlement-level value wins over
    an admin-level one.

    Returns
    -------
    pandas.DataFrame
        ``settlements`` (same index) plus ``registered_households`` (float, NaN = unknown),
        ``coverage_source``, ``poor_share`` (NaN = unknown) and ``poverty_source``.

    Raises
    ------
    SchemaError
        When registered households exceed households (per settlement or per unit), or a
        unit name matches no settlement.
    """
    out = settlements.copy()
    reg, reg_src, pov, pov_src, problems = _attach(out, coverage, poverty)
    if problems:
        raise SchemaError(problems, source="coverage/poverty")
    out["registered_households"] = reg
    out["coverage_source"] = reg_src
    out["poor_share"] = pov
    out["poverty_source"] = pov_src
    return out


def registry_problems(
    settlements: pd.DataFrame, coverage: pd.DataFrame | None, poverty: pd.DataFrame | None
) -> list[Problem]:
    """Every problem :func:`attach_registry` would raise, as a list (empty when none)."""
    return _attach(settlements, coverage, poverty)[4]


def _attach(
    out: pd.DataFrame, coverage: pd.DataFrame | None, poverty: pd.DataFrame | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[Problem]]:
    hh = out["households"].to_numpy(dtype=float)
    problems: list[Problem] = []
    reg, reg_src = _spread(
        out, coverage, "registered_households", "coverage", problems, extensive=True
    )
    pov, pov_src = _spread(out, poverty, "poor_share", "poverty", problems, extensive=False)
    over = np.isfinite(reg) & (reg > hh + 1e-6)
    for r in out.index[over][:20]:
        i = out.index.get_loc(r)
        problems.append(
            Problem(
                f"registered households ({reg[i]:g}) exceed households ({hh[i]:g}) for "
                f"settlement {out.at[r, 'settlement_id']!s} (from {reg_src[i]} coverage); "
                "check the coverage table and the household counts",
                "coverage",
                r,
                "registered_households",
            )
        )
    return reg, reg_src, pov, pov_src, problems


def _spread(
    settlements: pd.DataFrame,
    table: pd.DataFrame | None,
    col: str,
    what: str,
    problems: list[Problem],
    *,
    extensive: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Each settlement's value of ``col`` from the finest level that gives one (vectorised)."""
    n = len(settlements)
    values = np.full(n, np.nan)
    source = np.full(n, "unknown", dtype=object)
    if table is None:
        return values, source
    hh = settlements["households"].to_numpy(dtype=float)
    # coarsest level first so finer values (settlement last) overwrite
    for level in ("province", "district", "tehsil", "union_council", "settlement"):
        rows = table[table["level"] == level]
        if rows.empty:
            continue
        key_col = "settlement_id" if level == "settlement" else level
        keys = _norm_all(rows["unit_id"])
        last = ~keys.duplicated(keep="last").to_numpy()  # a later row wins, as it always did
        rows, keys = rows[last], keys[last]
        unit_of = pd.Index(keys).get_indexer(_norm_all(settlements[key_col]))
        member = unit_of >= 0
        counts = np.bincount(unit_of[member], minlength=len(rows))
        for r, unit in zip(rows.index[counts == 0], rows["unit_id"][counts == 0], strict=True):
            problems.append(
                Problem(
                    f"{level} '{unit}' matches no settlement; check its spelling or level",
                    what,
                    r,
                    "unit_id",
                )
            )
        val = rows[col].to_numpy(dtype=float)
        if extensive:
            total = np.bincount(unit_of[member], weights=hh[member], minlength=len(rows))
            over = (val > total + 1e-6) & (counts > 0) if level != "settlement" else None
            if over is not None and over.any():
                for j in np.flatnonzero(over):
                    problems.append(
                        Problem(
                            f"registered households ({val[j]:g}) exceed the {total[j]:g} "
                            f"households of {level} '{rows['unit_id'].iloc[j]}'; check the "
                            "coverage table",
                            what,
                            rows.index[int(j)],
                            col,
                        )
                    )
                member &= ~over[np.where(member, unit_of, 0)]
            with np.errstate(invalid="ignore", divide="ignore"):
                share = np.where(total[unit_of] > 0, hh / total[unit_of], 0.0)
            values[member] = (val[unit_of] * share)[member]
        else:
            values[member] = val[unit_of[member]]
        source[member] = level
    return values, source


def _norm_all(names: pd.Series) -> pd.Series:
    """Names compared without case or extra white space (``" Kot  Addu"`` = ``"kot addu"``)."""
    return names.astype(str).str.strip().str.lower().str.split().str.join(" ")
