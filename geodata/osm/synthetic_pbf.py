"""Write a seeded synthetic ``.osm.pbf`` of a country (and its census table) for benchmarks.

:func:`write_synthetic_country` writes what :func:`geodata.build.build_region` reads from a
national OSM extract, at the size and tag mix of one: about 12 million road nodes and
1.5 million highway ways at ``scale=1.0`` over about 8 x 8 degrees inside Pakistan's box,
place nodes (cities, towns, villages, hamlets; names, some ``population`` tags),
``boundary=administrative`` relations for provinces, districts and tehsils made of shared
boundary ways, and a census table in the PBS 2017 layout with one row per tehsil.

The geometry is vectorised with numpy; the objects are written as OPL text and converted to
PBF by libosmium (``osmium.apply`` with a ``WriteHandler``), about twice as fast as adding
them one by one with ``SimpleWriter``.

Road network
------------
A jittered lattice of junctions ``d`` degrees apart (about 350 m). Every lattice row and
column is a road line; its ways span ``k`` lattice cells (2 for minor roads, 8 for main
roads) with two shape points per cell, so consecutive ways share their end junction and
crossing ways share the junction they cross at: the network is connected like a real one.
Line ``L`` is a tertiary road when ``L % 12 == 6``, secondary when ``L % 24 == 12``,
primary when ``L % 48 == 24``, trunk when ``L % 96 == 48``; rows with ``L % 192`` in
``(0, 1)`` are the two carriageways of a motorway (the second ``oneway=-1``). Main roads are
always kept; a minor way (residential, unclassified, track, service, path; a few
``construction`` and ``access=private``, which the reader drops) is kept with a probability
that falls with the distance to the nearest town, so towns are dense and the land between
them sparse. Some ways are bridges, oneway, named or carry ``ref``/``maxspeed``/``surface``.

Admin units and places
----------------------
Tehsils are a grid of cells of ``1/3`` degree (about 35 km, 600 at ``scale=1.0``), districts
2 x 2 blocks of tehsils, provinces up to 2 x 2 blocks of districts. Relations carry ``name``
(``"<Name> Tehsil"``, ``"<Name> District"``, province names bare), ``admin_level`` (3, 5,
6: what :func:`geodata.osm.read_osm_boundaries` reads) and outer members: the boundary ways
along the cell sides, shared between neighbours. Each tehsil has a town named like it (its
headquarters; the first tehsil of a district a city named like the district), 70 villages
and 30 hamlets.

Area and every count scale with ``scale``; densities stay those of the full country.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import osmium
from scipy.spatial import cKDTree

from geodata.osm.synthetic_admin import (
    AdminGrid,
    Places,
    admin_grid,
    census_table,
    synthetic_places,
)

__all__ = ["FULL_COUNTRY", "GENERATOR_VERSION", "SyntheticCountry", "write_synthetic_country"]

#: Raised whenever the generator writes other objects for the same parameters (cache key).
GENERATOR_VERSION = 1

#: Approximate sizes at ``scale=1.0`` (the targets of issue 21).
FULL_COUNTRY = {"road_nodes": 12_000_000, "ways": 1_500_000, "tehsils": 600}

_STEP_DEG = 0.0036  # lattice spacing
_SHAPE = 2  # shape points per lattice cell
_K_MINOR, _K_MAIN = 2, 8  # cells per way
_MINOR = ("residential", "unclassified", "track", "service", "path", "construction")
_MINOR_P = (0.50, 0.15, 0.15, 0.12, 0.075, 0.005)
_NODE_ID0 = 1


@dataclass(frozen=True)
class SyntheticCountry:
    """What :func:`write_synthetic_country` wrote.

    Attributes
    ----------
    pbf, census
        The ``.osm.pbf`` file and the census CSV (PBS 2017 layout).
    scale, seed
        The parameters.
    road_nodes, ways, places, relations, tehsils
        Counts written (``ways`` counts highway ways; boundary ways are extra).
    highway
        Highway ways per ``highway=*`` value.
    bytes, seconds
        Size of the PBF and wall time of the generation.
    """

    pbf: Path
    census: Path
    scale: float
    seed: int
    road_nodes: int
    ways: int
    places: int
    relations: int
    tehsils: int
    highway: dict[str, int]
    bytes: int
    seconds: float

    def lines(self) -> list[str]:
        """Human-readable summary lines."""
        mix = ", ".join(
            f"{k} {v:,}" for k, v in sorted(self.highway.items(), key=lambda kv: -kv[1])
        )
        return [
            f"synthetic country scale {self.scale:g} seed {self.seed}: {self.pbf} "
            f"({self.bytes / 1e6:,.1f} MB) in {self.seconds:.1f} s",
            f"  {self.road_nodes:,} road nodes, {self.ways:,} highway ways, {self.places:,} "
            f"places, {self.relations:,} admin relations ({self.tehsils:,} tehsils)",
            f"  highway mix: {mix}",
        ]


def write_synthetic_country(
    out_dir: str | os.PathLike[str], *, scale: float = 1.0, seed: int = 0
) -> SyntheticCountry:
    """Write ``country.osm.pbf`` and ``census.csv`` of a synthetic country into ``out_dir``.

    Parameters
    ----------
    out_dir
        Folder to write to (created); files there of the same names are replaced.
    scale
        Fraction of the full country (area and counts); ``1.0`` is about 12 M road nodes.
    seed
        Seed of every random choice: the same parameters write the same objects.

    Returns
    -------
    SyntheticCountry
        Paths, counts, size and time.

    Raises
    ------
    ValueError
        When ``scale`` is not in ``(0, 4]``.

    Examples
    --------
    >>> c = write_synthetic_country("/tmp/synthetic", scale=0.002)  # doctest: +SKIP
    >>> c.tehsils, c.ways > 1000  # doctest: +SKIP
    (4, True)
    """
    if not 0 < scale <= 4:
        raise ValueError(f"scale must be in (0, 4], not {scale!r}")
    t0 = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    admin = admin_grid(scale, rng)
    places = synthetic_places(admin, rng)
    roads = _roads(admin, places, rng)
    pbf, census = out / "country.osm.pbf", out / "census.csv"
    tmp_opl, tmp_pbf = out / ".country.tmp.opl", out / ".country.tmp.osm.pbf"
    try:
        with tmp_opl.open("w", encoding="utf-8") as f:
            b0 = _write_road_nodes(f, roads)
            p0 = _write_boundary_nodes(f, admin, b0)
            _write_places(f, places, p0)
            _write_ways(f, roads)
            n_rel = _write_relations(f, admin, b0, len(roads.refs) + 1)
        tmp_pbf.unlink(missing_ok=True)
        osmium.apply(str(tmp_opl), osmium.WriteHandler(str(tmp_pbf)))
        tmp_pbf.replace(pbf)
    finally:
        tmp_opl.unlink(missing_ok=True)
        tmp_pbf.unlink(missing_ok=True)
    census_table(admin, places, rng).to_csv(census, index=False)
    kinds, counts = np.unique(roads.highway, return_counts=True)
    return SyntheticCountry(
        pbf=pbf,
        census=census,
        scale=scale,
        seed=seed,
        road_nodes=len(roads.lon),
        ways=len(roads.highway),
        places=len(places.name),
        relations=n_rel,
        tehsils=len(admin.names),
        highway={str(k): int(n) for k, n in zip(kinds, counts, strict=True)},
        bytes=pbf.stat().st_size,
        seconds=time.perf_counter() - t0,
    )


# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Roads:
    lon: np.ndarray  # per road node, id = index + 1
    lat: np.ndarray
    refs: list[np.ndarray]  # per way, node indices
    highway: np.ndarray
    tags: list[str]  # per way, OPL tag text after highway


def _line_class(line: np.ndarray, rows: bool) -> np.ndarray:
    """Main class of each lattice line ('' for a minor line)."""
    m = line % 192
    out = np.full(len(line), "", dtype=object)
    out[line % 12 == 6] = "tertiary"
    out[line % 24 == 12] = "secondary"
    out[line % 48 == 24] = "primary"
    out[line % 96 == 48] = "trunk"
    if rows:
        out[(m == 0) | (m == 1)] = "motorway"
    return out


def _roads(admin: AdminGrid, places: Places, rng: np.random.Generator) -> _Roads:
    """The road lattice: kept ways, their node indices and tags, and node coordinates."""
    side = admin.nx * admin.cell
    cells = max(24, round(side / _STEP_DEG / 24) * 24)  # divisible by 3 and 8
    nj = cells + 1  # junctions per line
    step = side / cells
    jx = admin.x0 + np.arange(nj) * step + rng.uniform(-0.25, 0.25, (nj, nj)) * step
    jy = admin.y0 + np.arange(nj)[:, None] * step + rng.uniform(-0.25, 0.25, (nj, nj)) * step
    towns = np.isin(places.kind, ("city", "town"))
    tree = cKDTree(np.column_stack([places.lon[towns], places.lat[towns]]))
    refs, hw = [], []
    for rows in (True, False):
        lines = np.arange(nj)
        cls = _line_class(lines, rows)
        for main in (True, False):
            sel = lines[(cls != "") == main]
            k = _K_MAIN if main else _K_MINOR
            per = cells // k
            line = np.repeat(sel, per)
            c0 = np.tile(np.arange(per) * k, len(sel))
            r = _way_refs(line, c0, k, nj, cells, rows)
            if main:
                kind = cls[line]
            else:
                jr, jc = (line, c0 + k // 2) if rows else (c0 + k // 2, line)
                dist, _ = tree.query(np.column_stack([jx[jr, jc], jy[jr, jc]]))
                keep_p = 0.1 + 0.85 * np.exp(-dist / 0.09)
                keep = rng.random(len(line)) < keep_p
                r, line = r[keep], line[keep]
                kind = rng.choice(np.array(_MINOR), size=len(line), p=_MINOR_P)
            refs.append(r)
            hw.append(np.asarray(kind, dtype=object))
    lon, lat, ways = _node_coords(refs, jx, jy, step, nj, cells, rng)
    highway = np.concatenate(hw)
    tags = _way_tags(highway, rng)
    return _Roads(lon=lon, lat=lat, refs=ways, highway=highway, tags=tags)


def _way_refs(
    line: np.ndarray, c0: np.ndarray, k: int, nj: int, cells: int, rows: bool
) -> np.ndarray:
    """Lattice node keys of each way: junction, shape points ..., end junction."""
    lattice = nj * nj
    shapes_per_dir = nj * cells * _SHAPE
    c = c0[:, None] + np.arange(k)[None, :]  # (n, k)
    if rows:
        junction = line[:, None] * nj + c
        end = line * nj + c0 + k
    else:
        junction = c * nj + line[:, None]
        end = (c0 + k) * nj + line
    base = lattice + (0 if rows else shapes_per_dir)
    shape = base + (line[:, None, None] * cells + c[:, :, None]) * _SHAPE + np.arange(_SHAPE)
    body = np.concatenate([junction[:, :, None], shape], axis=2).reshape(len(line), -1)
    return np.concatenate([body, end[:, None]], axis=1)


def _node_coords(
    refs: list[np.ndarray],
    jx: np.ndarray,
    jy: np.ndarray,
    step: float,
    nj: int,
    cells: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Coordinates of the referenced lattice nodes (renumbered 0..n-1) and each way's nodes."""
    flat = np.concatenate([r.ravel() for r in refs])
    used, inverse = np.unique(flat, return_inverse=True)
    lattice = nj * nj
    shapes_per_dir = nj * cells * _SHAPE
    lon = np.empty(len(used))
    lat = np.empty(len(used))
    j = used < lattice
    lon[j] = jx.ravel()[used[j]]
    lat[j] = jy.ravel()[used[j]]
    s = ~j
    key = used[s] - lattice
    rows = key < shapes_per_dir
    key = np.where(rows, key, key - shapes_per_dir)
    lc, t = np.divmod(key, _SHAPE)
    line, c = np.divmod(lc, cells)
    ar = np.where(rows, line, c)
    ac = np.where(rows, c, line)
    br = np.where(rows, line, c + 1)
    bc = np.where(rows, c + 1, line)
    f = (t + 1) / (_SHAPE + 1)
    across = rng.uniform(-0.08, 0.08, len(key)) * step
    lon[s] = jx[ar, ac] + f * (jx[br, bc] - jx[ar, ac]) + np.where(rows, 0.0, across)
    lat[s] = jy[ar, ac] + f * (jy[br, bc] - jy[ar, ac]) + np.where(rows, across, 0.0)
    ways: list[np.ndarray] = []
    pos = 0
    for r in refs:
        ways.extend(inverse[pos : pos + r.size].reshape(r.shape))
        pos += r.size
    return lon, lat, ways


def _way_tags(highway: np.ndarray, rng: np.random.Generator) -> list[str]:
    """OPL tag text of each way (after ``highway=``): names, refs, oneway, bridges, ..."""
    n = len(highway)
    u = rng.random((6, n))
    num = rng.integers(1, 999, n).tolist()
    second = np.zeros(n, bool)
    second[np.flatnonzero(highway == "motorway")[1::2]] = True  # carriageways come in pairs
    bridge = (u[3] < 0.02) & (highway != "path")
    surface = np.isin(highway, ("unclassified", "residential")) & (u[4] < 0.2)
    out: list[str] = []
    for i, h in enumerate(highway.tolist()):
        t = _class_tags(h, num[i], u[0, i], u[1, i], u[2, i], bool(second[i]))
        if bridge[i]:
            t += ["bridge=yes", "layer=1"]
        if surface[i]:
            t.append("surface=paved" if u[5, i] < 0.7 else "surface=unpaved")
        out.append(",".join(t))
    return out


def _class_tags(h: str, num: int, u0: float, u1: float, u2: float, second: bool) -> list[str]:
    """Tags of a way of class ``h`` from its number and three uniform draws."""
    if h == "motorway":
        return [f"ref=M-{1 + num % 9}", "maxspeed=120", *(["oneway=-1"] if second else [])]
    if h in ("trunk", "primary"):
        t = [f"ref=N-{num}", f"name={_esc(f'National Highway {num}')}"]
        if u0 < 0.3:
            t.append("maxspeed=100" if h == "trunk" else "maxspeed=80")
        return t
    if h in ("secondary", "tertiary"):
        return [f"name={_esc(f'Road {num}')}"] if u0 < 0.6 else []
    if h == "track":
        return ["surface=unpaved"]
    if h not in ("residential", "service"):
        return []
    t = [f"name={_esc(f'Gali {num}')}"] if u0 < 0.3 else []
    if u1 < 0.05:
        t.append("oneway=yes")
    elif u1 < 0.055:
        t.append("oneway=-1")
    if h == "service" and u2 < 0.05:
        t.append("access=private")
    return t


def _esc(text: str) -> str:
    """OPL escaping of a tag value (spaces, commas, equals signs, at signs, percent)."""
    return "".join(c if c.isalnum() or c in "-_.:/" else f"%{ord(c):x}%" for c in text)


def _write_road_nodes(f: object, roads: _Roads) -> int:
    """Road nodes with ids 1..n; the first free id."""
    write = f.write  # type: ignore[attr-defined]
    n = len(roads.lon)
    chunk = 1_000_000
    for a in range(0, n, chunk):
        ids = range(_NODE_ID0 + a, _NODE_ID0 + min(n, a + chunk))
        write(
            "".join(
                f"n{i} x{x:.7f} y{y:.7f}\n"
                for i, x, y in zip(
                    ids,
                    roads.lon[a : a + chunk].tolist(),
                    roads.lat[a : a + chunk].tolist(),
                    strict=True,
                )
            )
        )
    return _NODE_ID0 + n


def _write_boundary_nodes(f: object, admin: AdminGrid, first: int) -> int:
    """Boundary nodes from ``first``; the first free id."""
    write = f.write  # type: ignore[attr-defined]
    for k, (x, y) in enumerate(admin.bnodes.tolist()):
        write(f"n{first + k} x{x:.7f} y{y:.7f}\n")
    return first + len(admin.bnodes)


def _write_places(f: object, places: Places, first: int) -> None:
    write = f.write  # type: ignore[attr-defined]
    for k, (x, y) in enumerate(zip(places.lon.tolist(), places.lat.tolist(), strict=True)):
        tags = f"place={places.kind[k]},name={_esc(places.name[k])}"
        if places.population[k]:
            tags += f",population={places.population[k]}"
        write(f"n{first + k} T{tags} x{x:.7f} y{y:.7f}\n")


def _write_ways(f: object, roads: _Roads) -> None:
    """Highway ways with ids 1..n."""
    write = f.write  # type: ignore[attr-defined]
    buf: list[str] = []
    for w, (r, h, t) in enumerate(zip(roads.refs, roads.highway, roads.tags, strict=True)):
        nodes = ",".join(f"n{v}" for v in (r + _NODE_ID0).tolist())
        buf.append(f"w{w + 1} Thighway={h}{',' + t if t else ''} N{nodes}\n")
        if len(buf) == 100_000:
            write("".join(buf))
            buf = []
    write("".join(buf))


def _write_relations(f: object, admin: AdminGrid, bnode0: int, way0: int) -> int:
    """Boundary ways from id ``way0``, then the tehsil, district and province relations.

    Returns the number of relations.
    """
    write = f.write  # type: ignore[attr-defined]
    for w, ids in enumerate(admin.bways):
        nodes = ",".join(f"n{v}" for v in (ids + bnode0).tolist())
        write(f"w{way0 + w} Tboundary=administrative,admin_level=6 N{nodes}\n")
    n = admin.nx * admin.ny
    iy, ix = np.divmod(np.arange(n), admin.nx)
    groups: list[tuple[np.ndarray, str, str]] = [
        (np.array([t]), "6", f"{admin.names[t]} Tehsil") for t in range(n)
    ]
    groups += [
        (np.flatnonzero(admin.district == d), "5", f"{name} District")
        for d, name in enumerate(admin.district_names)
    ]
    groups += [
        (np.flatnonzero(admin.province[admin.district] == p), "3", name)
        for p, name in enumerate(admin.province_names)
    ]
    for rid, (cells, level, name) in enumerate(groups, start=1):
        sides = admin.perimeter(ix[cells], iy[cells])
        members = ",".join(f"w{way0 + w}@outer" for w in sides)
        write(
            f"r{rid} Tboundary=administrative,type=boundary,admin_level={level},"
            f"name={_esc(name)},name:en={_esc(name)} M{members}\n"
        )
    return len(groups)


def _main() -> None:  # pragma: no cover - a command for the benchmark's users
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    country = write_synthetic_country(args.out, scale=args.scale, seed=args.seed)
    print("\n".join(country.lines()))


if __name__ == "__main__":  # pragma: no cover
    _main()
