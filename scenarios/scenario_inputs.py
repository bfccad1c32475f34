"""What a scenario names, read and checked before anything runs.

- :func:`as_scenario`: a scenario file, spec or :class:`~scenarios.spec.Scenario` as a
  validated :class:`~scenarios.spec.Scenario`;
- :func:`scenario_region`: the region it runs on (its fingerprint computed once);
- :func:`read_closures`: its closed roads (polygons and/or ``u, v`` edges), checked against
  the region's roads;
- :func:`check_references`: every centre, candidate and depot id it names exists;
- :func:`centre_set`: the open centres (existing minus closed plus added) and the set-up cost
  of each new one;
- :func:`derive_region`: a region with replaced tables and a fingerprint derived from theirs.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import hashlib
import logging
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from access.speeds import Closures
from access.synthetic import build_sample_region
from geodata.errors import DataFileError, Problem, SchemaError
from geodata.region import Region, load_region
from geodata.schema import STORAGE_CRS
from scenarios.spec import NewCentre, Scenario, ScenarioSpec, load_scenario, scenario_from_dict
from scenarios.travel_cache import table_hash

__all__ = [
    "DEFAULT_SETUP_PKR",
    "as_scenario",
    "centre_set",
    "check_references",
    "concat_centres",
    "derive_region",
    "pinned_region",
    "read_closures",
    "scenario_region",
    "setup_cost",
    "without_ids",
]

log = logging.getLogger(__name__)

#: Set-up cost of a new centre given by coordinates without a cost of its own.
DEFAULT_SETUP_PKR = 3_000_000.0


def as_scenario(scenario: Scenario | ScenarioSpec | str | os.PathLike[str]) -> Scenario:
    """A validated scenario from a scenario file, a spec or a scenario.

    Raises
    ------
    DataFileError, SchemaError
        As :func:`scenarios.spec.load_scenario`.
    """
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, ScenarioSpec):
        return scenario_from_dict(scenario.model_dump(exclude_none=True))
    return load_scenario(scenario)


def scenario_region(
    scenario: Scenario, region: Region | str | os.PathLike[str] | None = None
) -> Region:
    """The region a scenario runs on, with its fingerprint pinned (:func:`pinned_region`).

    Parameters
    ----------
    scenario
        The scenario; its region folder, or the sample region when it names none.
    region
        A region object or folder that replaces the scenario's.
    """
    if isinstance(region, Region):
        return pinned_region(region)
    if region is not None:
        return pinned_region(load_region(region))
    if scenario.region_path is None:
        return _sample_region()
    return pinned_region(load_region(scenario.region_path))


def pinned_region(region: Region) -> Region:
    """The region with its content fingerprint computed once and stored in its metadata.

    The engine asks for the fingerprint on every call.
    """
    if region.metadata.get("fingerprint"):
        return region
    return dataclasses.replace(
        region, metadata={**region.metadata, "fingerprint": region.fingerprint()}
    )


def derive_region(region: Region, **tables: gpd.GeoDataFrame) -> Region:
    """``region.with_(**tables)`` with a fingerprint derived from the parent's and the tables'.

    Caches keyed by the fingerprint stay correct for the derived region.
    """
    h = hashlib.sha256(region.fingerprint().encode())
    for name in sorted(tables):
        h.update(name.encode())
        h.update(table_hash(tables[name]).encode())
    new = region.with_(**tables)
    return dataclasses.replace(new, metadata={**new.metadata, "fingerprint": h.hexdigest()[:16]})


def read_closures(
    scenario: Scenario, region: Region, where: str
) -> tuple[Closures, gpd.GeoDataFrame | None]:
    """The scenario's closures and the polygons of its closures file (if it has polygons).

    Parameters
    ----------
    scenario
        The scenario (``closures.edges`` and ``closures.file``).
    region
        The region whose roads the edges must be.
    where
        Source named in errors.

    Raises
    ------
    DataFileError
        The closures file cannot be read.
    SchemaError
        The file lacks columns, has no CRS or holds no polygons, or an edge is not a road of
        the region.
    """
    polys: gpd.GeoDataFrame | None = None
    pairs: list[tuple[int, int]] = [(int(u), int(v)) for u, v in scenario.spec.closures.edges]
    f = scenario.closures_file
    if f is not None:
        if f.suffix.lower() == ".csv":
            pairs += _read_edge_csv(f, where)
        else:
            polys = _read_polygons(f, where)
    if pairs:
        _check_edges(pairs, region, where)
    closures = Closures.from_any([*(polys.geometry if polys is not None else []), *pairs])
    return closures, polys


def check_references(spec: ScenarioSpec, region: Region, where: str) -> None:
    """Check that every centre, candidate and depot the spec names exists.

    Raises
    ------
    SchemaError
        Every unknown id (with a close match when there is one), a reused id, no centre left
        open, or placement without a candidate left to choose.
    """
    centre_ids = set(region.centres["centre_id"].astype(str))
    cand_ids = set(region.candidates["centre_id"].astype(str))
    problems = [
        Problem(f"centres.close: '{cid}' is not a centre of the region{_hint(cid, centre_ids)}")
        for cid in spec.centres.close
        if cid not in centre_ids
    ]
    final = centre_ids - set(spec.centres.close)
    for i, item in enumerate(spec.centres.add):
        problems += _added_problems(i, item, centre_ids, cand_ids)
        final.add(item if isinstance(item, str) else item.id)
    if not final and spec.placement is None:
        problems.append(Problem("centres: no centre is left open; add one or remove a close"))
    if spec.vans is not None:
        problems += [
            Problem(f"vans.depots: '{d}' is not an open centre of the scenario{_hint(d, final)}")
            for d in spec.vans.depots
            if d not in final
        ]
    if spec.placement is not None and not (cand_ids - final):
        problems.append(Problem("placement: the region has no candidate site left to choose"))
    if problems:
        raise SchemaError(problems, source=where)


def centre_set(spec: ScenarioSpec, region: Region) -> tuple[gpd.GeoDataFrame, list[float]]:
    """Open centres with a ``status`` (existing, added) and the set-up cost of each new one."""
    c = region.centres
    keep = c[~c["centre_id"].astype(str).isin(spec.centres.close)].assign(status="existing")
    parts = [keep]
    setup: list[float] = []
    cands = region.candidates.set_index(region.candidates["centre_id"].astype(str))
    for item in spec.centres.add:
        if isinstance(item, str):
            row = cands.loc[[item]].reset_index(drop=True).assign(status="added")
            setup.append(setup_cost(spec, row.iloc[0]))
        else:
            own = item.setup_cost_pkr
            cost = own if own is not None else (spec.costs.centre_setup_pkr or DEFAULT_SETUP_PKR)
            row = _point_centre(item, cost)
            setup.append(float(cost))
        parts.append(row)
    out = parts[0]
    for p in parts[1:]:
        out = concat_centres(out, p)
    return out, setup


def setup_cost(spec: ScenarioSpec, row: pd.Series) -> float:
    """Set-up cost of a new centre.

    The spec's ``costs.centre_setup_pkr``, else the site's ``opening_cost_pkr``, else
    :data:`DEFAULT_SETUP_PKR`.
    """
    if spec.costs.centre_setup_pkr is not None:
        return float(spec.costs.centre_setup_pkr)
    v = row.get("opening_cost_pkr")
    return float(v) if v is not None and np.isfinite(v) else DEFAULT_SETUP_PKR


def concat_centres(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Rows of ``a`` then ``b`` (in ``a``'s CRS), with the union of their columns."""
    b = b.to_crs(a.crs) if b.crs != a.crs else b
    cols = list(dict.fromkeys([*a.columns, *b.columns]))
    out = pd.concat([a.reindex(columns=cols), b.reindex(columns=cols)], ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=a.crs)


def without_ids(sites: gpd.GeoDataFrame, ids: set[str]) -> gpd.GeoDataFrame:
    """The sites whose ``centre_id`` is not in ``ids`` (index reset)."""
    return gpd.GeoDataFrame(
        sites[~sites["centre_id"].astype(str).isin(ids)].reset_index(drop=True),
        geometry="geometry",
        crs=sites.crs,
    )


# ---------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _sample_region() -> Region:
    region, _ = build_sample_region()
    return pinned_region(region)


def _read_edge_csv(f: Path, where: str) -> list[tuple[int, int]]:
    try:
        df = pd.read_csv(f)
    except (OSError, ValueError) as err:
        raise DataFileError(f"{f}: cannot be read as CSV ({err})") from err
    missing = [c for c in ("u", "v") if c not in df.columns]
    if missing:
        raise SchemaError(
            [
                Problem(
                    f"closures.file: column(s) {', '.join(missing)} missing; a CSV "
                    "of closed roads needs u, v (node ids of road_edges)"
                )
            ],
            source=where,
        )
    return [(int(u), int(v)) for u, v in zip(df["u"], df["v"], strict=True)]


def _check_edges(pairs: list[tuple[int, int]], region: Region, where: str) -> None:
    known = set(
        zip(
            region.roads.edges["u"].astype(int),
            region.roads.edges["v"].astype(int),
            strict=True,
        )
    )
    bad = [p for p in pairs if p not in known and (p[1], p[0]) not in known]
    if bad:
        shown = ", ".join(f"({u}, {v})" for u, v in bad[:5])
        raise SchemaError(
            [
                Problem(
                    f"closures: {len(bad)} edge(s) are not roads of the region: {shown}"
                    f"{' ...' if len(bad) > 5 else ''}; use u, v node ids of road_edges"
                )
            ],
            source=where,
        )


def _read_polygons(f: Path, where: str) -> gpd.GeoDataFrame:
    try:
        gdf = gpd.read_file(f)
    except Exception as err:  # pyogrio raises several kinds; all mean "unreadable"
        raise DataFileError(
            f"{f}: cannot be read as a vector file (GeoJSON, GeoPackage) ({err})"
        ) from err
    if len(gdf) == 0:
        raise SchemaError([Problem(f"closures.file: {f.name} holds no feature")], source=where)
    if gdf.crs is None:
        raise SchemaError(
            [Problem(f"closures.file: {f.name} has no CRS; save it in EPSG:4326")], source=where
        )
    kinds = set(gdf.geometry.geom_type.dropna())
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise SchemaError(
            [
                Problem(
                    f"closures.file: {f.name} holds {', '.join(sorted(kinds))}; closures are "
                    "polygons (for single roads, list their u, v node ids)"
                )
            ],
            source=where,
        )
    if not gdf.crs.equals(STORAGE_CRS):
        log.info("reprojecting %s from %s to %s", f, gdf.crs, STORAGE_CRS)
        gdf = gdf.to_crs(STORAGE_CRS)
    return gpd.GeoDataFrame(gdf[["geometry"]], geometry="geometry", crs=STORAGE_CRS)


def _added_problems(
    i: int, item: str | NewCentre, centre_ids: set[str], cand_ids: set[str]
) -> list[Problem]:
    if isinstance(item, str):
        if item in cand_ids:
            return []
        return [
            Problem(
                f"centres.add[{i}]: '{item}' is not a candidate site of the region"
                f"{_hint(item, cand_ids)}; give a candidate id or "
                "{id, lon, lat}"
            )
        ]
    if item.id in centre_ids | cand_ids:
        return [Problem(f"centres.add[{i}]: id '{item.id}' is already used by the region")]
    return []


def _point_centre(item: NewCentre, cost: float) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "centre_id": [item.id],
            "name": [item.name or item.id],
            "kind": ["candidate"],
            "capacity_per_day": [60.0],
            "opening_cost_pkr": [cost],
            "status": ["added"],
        },
        geometry=gpd.points_from_xy([item.lon], [item.lat]),
        crs=STORAGE_CRS,
    )


def _hint(value: str, known: set[str]) -> str:
    m = difflib.get_close_matches(value, sorted(known), n=1)
    return f" (did you mean {m[0]}?)" if m else ""
