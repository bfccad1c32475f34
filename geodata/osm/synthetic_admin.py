"""Admin units, places and census of the synthetic country (:mod:`geodata.osm.synthetic_pbf`).

Tehsils are a grid of cells of ``1/3`` degree (about 35 km), districts 2 x 2 blocks of
tehsils, provinces up to 2 x 2 blocks of districts, all inside a square centred at 70.0 E,
29.5 N (inside Pakistan's box) whose side is ``8 x sqrt(scale)`` degrees. Each cell side is
one boundary way of 10 nodes (inner nodes jittered across the side), shared by the units on
both sides. Each tehsil has a headquarters town named like it (in a district's first tehsil
a city named like the district), 70 villages (30 % with a ``population`` tag) and 30
hamlets. The census has one PBS 2017 row per tehsil: rural persons drawn, urban persons its
headquarters town's ``population``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["AdminGrid", "Places", "admin_grid", "census_table", "synthetic_places"]

_CENTRE = (70.0, 29.5)  # lon, lat: inside Pakistan's box (60.9..77.8, 23.7..37.1)
_SIDE_DEG = 8.0  # side of the full country's square
_TEHSIL_DEG = 1.0 / 3.0
_SYLLABLES = (
    *("kot", "ab", "pur", "gar", "han", "chak", "dar", "wal", "mir", "sha", "bad", "jan"),
    *("ali", "nag", "lal", "khan", "pir", "sar", "kal", "man", "tar", "dera", "bah"),
    *("raw", "jam", "naw", "sang", "hay", "kar", "mal"),
)
_VILLAGES, _HAMLETS = 70, 30  # per tehsil


@dataclass(frozen=True)
class AdminGrid:
    """The tehsil grid: corners, cell indices, names and the districts and provinces."""

    x0: float
    y0: float
    nx: int  # tehsil cells along x
    ny: int
    cell: float  # degrees
    names: list[str]  # per tehsil, index iy * nx + ix
    district: np.ndarray  # district index per tehsil
    district_names: list[str]
    province: np.ndarray  # province index per district
    province_names: list[str]
    bnodes: np.ndarray  # (n, 2) lon/lat of boundary nodes
    bways: list[np.ndarray]  # boundary node indices of each side way
    side_h: dict[tuple[int, int], int]  # (ix, iy) of a horizontal side's west end -> way
    side_v: dict[tuple[int, int], int]

    def perimeter(self, ix: np.ndarray, iy: np.ndarray) -> list[int]:
        """Boundary way indices on the outline of a set of tehsil cells (sides of one cell)."""
        seen: dict[int, int] = {}
        for x, y in zip(ix.tolist(), iy.tolist(), strict=True):
            for w in (
                self.side_h[(x, y)],
                self.side_h[(x, y + 1)],
                self.side_v[(x, y)],
                self.side_v[(x + 1, y)],
            ):
                seen[w] = seen.get(w, 0) + 1
        return sorted(w for w, k in seen.items() if k == 1)


@dataclass(frozen=True)
class Places:
    """Place nodes: lon/lat, ``place=*`` kind, name and ``population`` tag (0: none)."""

    lon: np.ndarray
    lat: np.ndarray
    kind: np.ndarray
    name: list[str]
    population: np.ndarray  # 0: no tag


def admin_grid(scale: float, rng: np.random.Generator) -> AdminGrid:
    """Tehsil cells, districts (2 x 2 tehsils), provinces and their shared boundary ways."""
    side = _SIDE_DEG * np.sqrt(scale)
    n = max(2, round(side / _TEHSIL_DEG))
    cell = side / n
    x0, y0 = _CENTRE[0] - side / 2, _CENTRE[1] - side / 2
    iy, ix = np.divmod(np.arange(n * n), n)
    ndx = (n + 1) // 2
    district = (iy // 2) * ndx + ix // 2
    nd = ndx * ndx
    dy, dx = np.divmod(np.arange(nd), ndx)
    half = max(1, (ndx + 1) // 2)
    province = (dy // half) * ((ndx + half - 1) // half) + dx // half
    _, province = np.unique(province, return_inverse=True)
    taken: set[str] = set()
    names = _names(n * n, rng, taken)
    district_names = _names(nd, rng, taken)
    province_names = _names(int(province.max()) + 1, rng, taken)
    # boundary ways: one per cell side, 8 inner points jittered across the side
    pts: list[np.ndarray] = []
    ways: list[np.ndarray] = []
    side_h: dict[tuple[int, int], int] = {}
    side_v: dict[tuple[int, int], int] = {}
    corner = {
        (i, j): k for k, (i, j) in enumerate((i, j) for j in range(n + 1) for i in range(n + 1))
    }
    gx, gy = np.meshgrid(np.arange(n + 1), np.arange(n + 1))
    pts.append(np.column_stack([x0 + gx.ravel() * cell, y0 + gy.ravel() * cell]))
    count = (n + 1) ** 2
    frac = np.linspace(0, 1, 10)[1:-1]
    for horizontal in (True, False):
        for j in range(n + 1):
            for i in range(n):
                a = (i, j) if horizontal else (j, i)
                b = (i + 1, j) if horizontal else (j, i + 1)
                pa, pb = pts[0][corner[a]], pts[0][corner[b]]
                inner = pa + frac[:, None] * (pb - pa)
                jit = rng.uniform(-0.05, 0.05, len(frac)) * cell
                inner[:, 1 if horizontal else 0] += jit
                pts.append(inner)
                ids = np.r_[corner[a], count + np.arange(len(frac)), corner[b]]
                count += len(frac)
                (side_h if horizontal else side_v)[a] = len(ways)
                ways.append(ids)
    return AdminGrid(
        x0=x0,
        y0=y0,
        nx=n,
        ny=n,
        cell=cell,
        names=names,
        district=district,
        district_names=district_names,
        province=province,
        province_names=province_names,
        bnodes=np.vstack(pts),
        bways=ways,
        side_h=side_h,
        side_v=side_v,
    )


def synthetic_places(admin: AdminGrid, rng: np.random.Generator) -> Places:
    """A headquarters town (or city) per tehsil, villages and hamlets."""
    n = admin.nx * admin.ny
    iy, ix = np.divmod(np.arange(n), admin.nx)
    first = np.zeros(n, bool)
    first[np.unique(admin.district, return_index=True)[1]] = True
    hq_x = admin.x0 + (ix + rng.uniform(0.3, 0.7, n)) * admin.cell
    hq_y = admin.y0 + (iy + rng.uniform(0.3, 0.7, n)) * admin.cell
    hq_kind = np.where(first, "city", "town")
    hq_name = [
        admin.district_names[admin.district[t]] if first[t] else admin.names[t] for t in range(n)
    ]
    hq_pop = np.where(first, rng.integers(200_000, 2_000_000, n), rng.integers(20_000, 150_000, n))
    k = _VILLAGES + _HAMLETS
    cell_of = np.repeat(np.arange(n), k)
    vx = admin.x0 + (ix[cell_of] + rng.uniform(0.06, 0.94, n * k)) * admin.cell
    vy = admin.y0 + (iy[cell_of] + rng.uniform(0.06, 0.94, n * k)) * admin.cell
    vkind = np.tile(np.r_[np.full(_VILLAGES, "village"), np.full(_HAMLETS, "hamlet")], n)
    vpop = np.where(
        (vkind == "village") & (rng.random(n * k) < 0.3), rng.integers(500, 8_000, n * k), 0
    )
    syl = np.array(_SYLLABLES)
    parts = rng.choice(syl, size=(n * k, 2))
    prefix = rng.choice(np.array(["", "", "", "Chak ", "Basti ", "Dera ", "Kot "]), n * k)
    vname = [f"{p}{a.capitalize()}{b}" for p, (a, b) in zip(prefix, parts, strict=True)]
    return Places(
        lon=np.r_[hq_x, vx],
        lat=np.r_[hq_y, vy],
        kind=np.r_[hq_kind, vkind],
        name=hq_name + vname,
        population=np.r_[hq_pop, vpop].astype(np.int64),
    )


#: Columns of the PBS 2017 table (``../shared/data/census2017/``), in its order.
_PBS_COLUMNS = [
    "PROVINCE", "DIVISION", "DISTRICT", "SUB DIVISION", "",
    *(f"{c} ({part})" for part in ("RURAL", "URBAN") for c in (
        "ALL SEXES", "MALE", "FEMALE", "TRANSGENDER", "SEX RATIO", "AVG HOUSEHOLD SIZE",
        "POPULATION 1998", "ANNUAL GROWTH RATE",
    )),
]  # fmt: skip


def census_table(admin: AdminGrid, places: Places, rng: np.random.Generator) -> pd.DataFrame:
    """One PBS-style row per tehsil: rural persons drawn, urban = its headquarters town's."""
    n = admin.nx * admin.ny
    rural = rng.integers(150_000, 450_000, n)
    urban = places.population[:n]
    cols: dict[str, object] = {
        "PROVINCE": [admin.province_names[admin.province[d]].upper() for d in admin.district],
        "DIVISION": [
            f"{admin.province_names[admin.province[d]].upper()} DIVISION" for d in admin.district
        ],
        "DISTRICT": [f"{admin.district_names[d].upper()} DISTRICT" for d in admin.district],
        "SUB DIVISION": [f"{t.upper()} TEHSIL" for t in admin.names],
        "": "",
    }
    for part, pop in (("RURAL", rural), ("URBAN", urban)):
        male = np.round(pop * 0.51).astype(np.int64)
        cols[f"ALL SEXES ({part})"] = pop
        cols[f"MALE ({part})"] = male
        cols[f"FEMALE ({part})"] = pop - male
        cols[f"TRANSGENDER ({part})"] = 0
        cols[f"SEX RATIO ({part})"] = np.round(male / np.maximum(pop - male, 1) * 100, 2)
        cols[f"AVG HOUSEHOLD SIZE ({part})"] = np.round(rng.uniform(5.6, 7.0, n), 2)
        cols[f"POPULATION 1998 ({part})"] = np.round(pop / 1.6).astype(np.int64)
        cols[f"ANNUAL GROWTH RATE ({part})"] = 2.4
    return pd.DataFrame(cols, columns=_PBS_COLUMNS)


# ---------------------------------------------------------------------------------------


def _names(n: int, rng: np.random.Generator, taken: set[str]) -> list[str]:
    """``n`` new distinct pseudo place names of two or three syllables."""
    out: list[str] = []
    syl = np.array(_SYLLABLES)
    while len(out) < n:
        parts = rng.choice(syl, size=(n, 3))
        three = rng.random(n) < 0.3
        for p, t in zip(parts, three, strict=True):
            name = ("".join(p) if t else "".join(p[:2])).capitalize()
            if name not in taken:
                taken.add(name)
                out.append(name)
                if len(out) == n:
                    break
    return out
