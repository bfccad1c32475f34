"""Fuzz and property tests of every reader of user files.

Each *target* takes the bytes of one file, writes them where the reader expects a file and
reads it. The contract (issue 10): any input gives a valid result or one of our own errors
(:class:`~geodata.errors.AccessGapError`) with a readable message; never a foreign exception,
a hang or a silently wrong result. Targets check their results (e.g. an OSM road graph must
pass its schema, a census table has whole non-negative households).

Inputs are valid seed files mutated by hypothesis (truncated at random points, bytes flipped,
inserted, deleted, spliced) plus structured property tests (NaN/inf/negative/huge numbers,
duplicate ids, invalid and empty geometries, mixed CRSs, non-UTF-8 text, Urdu names that
must round-trip). The same targets run for longer in ``benchmarks/fuzz.py``.

The scenario-YAML target (``scenarios.spec`` belongs to another module owner) is last.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import signal
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geodata.errors import AccessGapError

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # ui/ is not an installed package
    sys.path.insert(0, str(ROOT))

# --------------------------------------------------------------------------------------
# seeds: small valid files of every kind, built once per process

URDU = "گوٹھ شیر خان"

TINY_OSM = f"""<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="hand">
  <bounds minlat="32.99" minlon="72.99" maxlat="33.11" maxlon="73.11"/>
  <node id="1" lat="33.0" lon="73.0"/>
  <node id="2" lat="33.0" lon="73.1"/>
  <node id="3" lat="33.1" lon="73.1"/>
  <node id="4" lat="33.1" lon="73.0"/>
  <node id="5" lat="33.05" lon="73.05">
    <tag k="place" v="village"/><tag k="name" v="Dhok"/><tag k="name:ur" v="{URDU}"/>
    <tag k="population" v="1200"/>
  </node>
  <node id="6" lat="33.06" lon="73.05"/>
  <node id="7" lat="33.07" lon="73.06"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/></way>
  <way id="11"><nd ref="3"/><nd ref="4"/><nd ref="1"/></way>
  <way id="20">
    <nd ref="5"/><nd ref="6"/><nd ref="7"/>
    <tag k="highway" v="residential"/><tag k="name" v="{URDU}"/><tag k="maxspeed" v="30 mph"/>
  </way>
  <way id="21">
    <nd ref="1"/><nd ref="5"/><nd ref="3"/>
    <tag k="highway" v="tertiary"/><tag k="oneway" v="-1"/>
  </way>
  <relation id="100">
    <member type="way" ref="10" role="outer"/><member type="way" ref="11" role="outer"/>
    <member type="node" ref="5" role="admin_centre"/>
    <tag k="type" v="boundary"/><tag k="boundary" v="administrative"/>
    <tag k="admin_level" v="5"/><tag k="name" v="Tehsil Dhok"/>
  </relation>
</osm>
"""


@dataclass(frozen=True)
class Target:
    """One reader under test: ``run(data, work)`` reads ``data`` written into ``work``."""

    name: str
    run: Callable[[bytes, Path], Any]
    seeds: Callable[[], list[bytes]]


@cache
def _seed_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="accessgap-fuzz-seeds-"))


@cache
def tiny_region() -> Any:
    """A very small synthetic region with coverage and poverty (no routing needed)."""
    from geodata.sample import SampleParams, make_sample_geography

    p = SampleParams(
        seed=5,
        n_settlements=40,
        n_union_councils=4,
        n_tehsils=2,
        households_target=12_000,
        width_km=12,
        height_km=10,
    )
    g = make_sample_geography(p)
    s = g.settlements
    cov = pd.DataFrame(
        {
            "level": "settlement",
            "unit_id": s["settlement_id"],
            "registered_households": (s["households"] * 0.8).round(),
        }
    )
    pov = pd.DataFrame({"level": "settlement", "unit_id": s["settlement_id"], "poor_share": 0.4})
    cand = g.candidates
    if cand.empty:  # take two settlements as candidate sites
        cand = g.centres.iloc[:1].copy()
        cand["centre_id"], cand["kind"] = "UCC001", "candidate"
    return g.with_(coverage=cov, poverty=pov, candidates=cand)


@cache
def tiny_region_dir() -> Path:
    from geodata.region import save_region

    return save_region(tiny_region(), _seed_dir() / "region")


@cache
def _vector_seed(driver: str) -> bytes:
    """Settlement points as GeoJSON / GeoPackage bytes (Urdu names, a projected copy too)."""
    s = tiny_region().settlements[["settlement_id", "name", "name_ur", "households", "geometry"]]
    suffix = {"GeoJSON": ".geojson", "GPKG": ".gpkg"}[driver]
    path = _seed_dir() / f"points{suffix}"
    s.head(12).to_file(path, driver=driver)
    return path.read_bytes()


@cache
def _shapefile_seed() -> bytes:
    """A shapefile's parts in one zip (the target unpacks it and reads the .shp)."""
    s = tiny_region().settlements[["settlement_id", "households", "geometry"]].head(8)
    s = s.rename(columns={"settlement_id": "sid"})
    folder = _seed_dir() / "shp"
    folder.mkdir(exist_ok=True)
    s.to_crs(s.estimate_utm_crs()).to_file(folder / "points.shp")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for f in sorted(folder.iterdir()):
            zf.write(f, f.name)
    return buf.getvalue()


@cache
def _boundary_seed() -> bytes:
    b = tiny_region().boundaries
    return b[b["level"] == "tehsil"][["name", "geometry"]].to_json().encode()


@cache
def _pbf_seed() -> bytes:
    import osmium

    xml = _seed_dir() / "tiny.osm"
    xml.write_text(TINY_OSM, encoding="utf-8")
    pbf = _seed_dir() / "tiny.osm.pbf"
    pbf.unlink(missing_ok=True)
    with osmium.SimpleWriter(str(pbf)) as w:
        for obj in osmium.FileProcessor(str(xml)):
            w.add(obj)
    return pbf.read_bytes()


def _points_csv_seed() -> list[bytes]:
    s = tiny_region().settlements.head(10)
    df = pd.DataFrame(
        {
            "settlement_id": s["settlement_id"],
            "name": s["name"],
            "name_ur": s["name_ur"],
            "households": s["households"],
            "lon": s.geometry.x.round(6),
            "lat": s.geometry.y.round(6),
        }
    )
    return [df.to_csv(index=False).encode("utf-8")]


CENSUS_SIMPLE = (
    "tehsil,district,province,population,households\n"
    "Dhok,Rawalpindi,Punjab,120000,18000\nMurree,Rawalpindi,Punjab,233000,35000\n"
)
CENSUS_PBS = (
    "PROVINCE,DIVISION,DISTRICT,SUB DIVISION,ALL SEXES (RURAL),AVG HOUSEHOLD SIZE (RURAL),"
    "ALL SEXES (URBAN),AVG HOUSEHOLD SIZE (URBAN)\n"
    "PUNJAB,RAWALPINDI,RAWALPINDI DISTRICT,MURREE TEHSIL,209000,6.1,24000,5.9\n"
    "PUNJAB,RAWALPINDI,RAWALPINDI DISTRICT,KAHUTA TEHSIL,190000,5.8,32000,5.7\n"
)


def _coverage_seeds() -> list[bytes]:
    s = tiny_region().settlements
    rows = ["level,unit_id,registered_households"]
    rows += [
        f"settlement,{sid},{hh // 2}"
        for sid, hh in zip(s["settlement_id"][:8], s["households"][:8], strict=True)
    ]
    rows.append(f"tehsil,{s['tehsil'].iloc[-1]},10")
    by_name = [f"settlement,{n},1" for n in s["name"][10:12]]
    return ["\n".join(rows + by_name).encode("utf-8")]


def _poverty_seeds() -> list[bytes]:
    s = tiny_region().settlements
    rows = ["level,unit_id,poor_share"] + [
        f"settlement,{sid},0.35" for sid in s["settlement_id"][:8]
    ]
    rows.append(f"district,{s['district'].iloc[0]},0.4")
    return ["\n".join(rows).encode("utf-8")]


def _region_seeds() -> list[bytes]:
    """One seed per region file: a byte naming the file, then the file's bytes."""
    folder = tiny_region_dir()
    names = sorted(p.name for p in folder.iterdir())
    return [bytes([i]) + (folder / n).read_bytes() for i, n in enumerate(names)]


@cache
def _zip_seed() -> bytes:
    folder = tiny_region_dir()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(folder.iterdir()):
            zf.write(f, f"myregion/{f.name}")
    return buf.getvalue()


# --------------------------------------------------------------------------------------
# targets


def _write(work: Path, name: str, data: bytes) -> Path:
    p = work / name
    p.write_bytes(data)
    return p


def run_osm(data: bytes, work: Path, *, suffix: str = ".osm") -> None:
    from geodata.osm import read_osm_boundaries, read_osm_places, read_osm_roads

    path = _write(work, f"extract{suffix}", data)
    first: AccessGapError | None = None
    try:
        roads = read_osm_roads(path)
    except AccessGapError as err:
        first = err
    else:
        checked = roads.validated()  # a road graph we return must meet its contract
        assert (checked.edges["length_m"] >= 0).all()
    places = read_osm_places(path)
    assert places.crs is not None and places.crs.to_epsg() == 4326
    assert places.geom_type.eq("Point").all() if len(places) else True
    units, _report = read_osm_boundaries(path)
    if len(units):
        assert units.geom_type.isin(["Polygon", "MultiPolygon"]).all()
        assert units.geometry.is_valid.all()
    if first is not None:
        raise first


def run_osm_pbf(data: bytes, work: Path) -> None:
    run_osm(data, work, suffix=".osm.pbf")


def _check_points(gdf: gpd.GeoDataFrame) -> None:
    assert isinstance(gdf, gpd.GeoDataFrame)
    assert gdf.crs is not None and gdf.crs.to_epsg() == 4326
    ok = ~(gdf.geometry.isna() | gdf.geometry.is_empty)
    assert gdf.geometry[ok].geom_type.eq("Point").all()


def run_points_csv(data: bytes, work: Path) -> None:
    from geodata.build import read_points

    _check_points(read_points(_write(work, "points.csv", data)))


def run_points_geojson(data: bytes, work: Path) -> None:
    from geodata.build import read_points

    _check_points(read_points(_write(work, "points.geojson", data)))


def run_points_gpkg(data: bytes, work: Path) -> None:
    from geodata.build import read_points

    _check_points(read_points(_write(work, "points.gpkg", data)))


def run_points_shp(data: bytes, work: Path) -> None:
    """The input is a zip of shapefile parts (mutated as a whole); read its .shp."""
    from geodata.build import read_points

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        parts = {i.filename: zf.read(i) for i in zf.infolist()[:8] if "/" not in i.filename}
    except Exception:  # not our reader: the shapefile bytes are what matter
        parts = {"points.shp": data}
    for name, body in parts.items():
        if name.startswith("points."):
            _write(work, name, body)
    _check_points(read_points(work / "points.shp"))


def run_boundary(data: bytes, work: Path) -> None:
    from geodata.build import read_study_area

    geom = read_study_area(_write(work, "area.geojson", data))
    assert geom.geom_type in ("Polygon", "MultiPolygon", "GeometryCollection")
    assert geom.is_valid and not geom.is_empty


def run_census(data: bytes, work: Path) -> None:
    from geodata.census import CENSUS_COLUMNS, read_census

    df = read_census(_write(work, "census.csv", data))
    assert tuple(df.columns) == CENSUS_COLUMNS and len(df)
    assert (df["households"] >= 0).all() and (df["population"] >= 0).all()
    assert df["households"].dtype == np.int64


def _run_join(data: bytes, work: Path, kind: str) -> None:
    from geodata.joins import join_admin_table

    table, report = join_admin_table(
        _write(work, f"{kind}.csv", data), tiny_region().settlements, kind=kind
    )
    col = "registered_households" if kind == "coverage" else "poor_share"
    assert np.isfinite(table[col].to_numpy(dtype=float)).all() and (table[col] >= 0).all()
    assert report.matched == len(table) <= report.rows
    assert not table.duplicated(["level", "unit_id"]).any()


def run_coverage(data: bytes, work: Path) -> None:
    _run_join(data, work, "coverage")


def run_poverty(data: bytes, work: Path) -> None:
    _run_join(data, work, "poverty")


def run_region(data: bytes, work: Path) -> None:
    from geodata.region import load_region, validate_region

    folder = work / "region"
    shutil.copytree(tiny_region_dir(), folder)
    names = sorted(p.name for p in folder.iterdir())
    if not data:
        data = b"\x00"
    (folder / names[data[0] % len(names)]).write_bytes(data[1:])
    # a hostile user can re-stamp the hashes: the readers behind them must hold up too
    region = load_region(folder, verify=False)
    validate_region(region)


def run_upload_zip(data: bytes, work: Path) -> None:
    from ui.upload import import_zip

    saved = import_zip(data, session_dir=work / "session")
    assert saved.is_relative_to(work / "session")
    assert not any(p.name.startswith(".incoming-") for p in (work / "session").iterdir())


TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target("osm_xml", run_osm, lambda: [TINY_OSM.encode()]),
        Target("osm_pbf", run_osm_pbf, lambda: [_pbf_seed()]),
        Target("points_csv", run_points_csv, _points_csv_seed),
        Target("points_geojson", run_points_geojson, lambda: [_vector_seed("GeoJSON")]),
        Target("points_gpkg", run_points_gpkg, lambda: [_vector_seed("GPKG")]),
        Target("points_shp", run_points_shp, lambda: [_shapefile_seed()]),
        Target("boundary", run_boundary, lambda: [_boundary_seed()]),
        Target("census", run_census, lambda: [CENSUS_SIMPLE.encode(), CENSUS_PBS.encode()]),
        Target("coverage", run_coverage, _coverage_seeds),
        Target("poverty", run_poverty, _poverty_seeds),
        Target("region", run_region, _region_seeds),
        Target("upload_zip", run_upload_zip, lambda: [_zip_seed()]),
    )
}


# --------------------------------------------------------------------------------------
# mutations and the run contract


class Hang(Exception):
    """A target ran past its time limit."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`Hang` in the main thread after ``seconds`` (SIGALRM)."""

    def _alarm(signum: int, frame: Any) -> None:
        raise Hang(f"no answer within {seconds:g} s")

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


MUTATIONS = ("truncate", "flip", "insert", "delete", "replace", "splice", "duplicate")


def mutate(seed: bytes, ops: list[tuple[str, float, bytes]]) -> bytes:
    """Apply ``ops`` (kind, position in [0, 1], payload) to ``seed``."""
    data = bytearray(seed)
    for kind, where, payload in ops:
        i = min(int(where * len(data)), max(len(data) - 1, 0))
        if kind == "truncate":
            del data[i:]
        elif kind == "flip" and data:
            data[i] ^= payload[0] if payload else 0xFF
        elif kind == "insert":
            data[i:i] = payload
        elif kind == "delete":
            del data[i : i + 1 + len(payload) * 8]
        elif kind == "replace":
            data[i : i + len(payload)] = payload
        elif kind == "splice":
            j = min(len(data), i + 64)
            data[i:i] = data[i:j] * (1 + len(payload) % 4)
        elif kind == "duplicate":
            data += data[i:]
    return bytes(data)


def check_one(target: Target, data: bytes, *, seconds: float = 20.0) -> str:
    """Run ``target`` on ``data`` in a scratch folder; return ``"ok"`` or ``"error"``.

    Raises anything that breaks the contract (a foreign exception, a failed result check, a
    hang, an unreadable message).
    """
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp, time_limit(seconds):
        try:
            target.run(data, Path(tmp))
        except AccessGapError as err:
            msg = str(err)
            assert msg.strip(), f"{type(err).__name__} without a message"
            assert "Traceback" not in msg
            return "error"
    return "ok"


ops_strategy = st.lists(
    st.tuples(
        st.sampled_from(MUTATIONS),
        st.floats(0, 1, allow_nan=False),
        st.binary(min_size=1, max_size=24),
    ),
    min_size=1,
    max_size=4,
)

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


@pytest.mark.parametrize("name", list(TARGETS))
def test_seeds_are_valid(name: str) -> None:
    """Every seed file is read without error (so mutations start from valid files)."""
    target = TARGETS[name]
    for seed in target.seeds():
        if name == "region":
            assert check_one(target, seed) == "ok", seed[:1]
        else:
            assert check_one(target, seed) == "ok"


@pytest.mark.parametrize("name", list(TARGETS))
@FUZZ
@given(data=st.data(), ops=ops_strategy)
def test_mutated_inputs(
    name: str, data: st.DataObject, ops: list[tuple[str, float, bytes]]
) -> None:
    target = TARGETS[name]
    seeds = target.seeds()
    seed = seeds[data.draw(st.integers(0, len(seeds) - 1), label="seed")]
    if name == "region":  # keep the file-choice byte, mutate the file
        check_one(target, seed[:1] + mutate(seed[1:], ops))
    else:
        check_one(target, mutate(seed, ops))


@pytest.mark.parametrize("name", list(TARGETS))
@FUZZ
@given(data=st.data(), cut=st.floats(0, 1, allow_nan=False))
def test_truncated_files(name: str, data: st.DataObject, cut: float) -> None:
    """Files that end mid-way (downloads cut off, full disks)."""
    target = TARGETS[name]
    seeds = target.seeds()
    seed = seeds[data.draw(st.integers(0, len(seeds) - 1), label="seed")]
    head = 1 if name == "region" else 0
    check_one(target, seed[: head + int(cut * (len(seed) - head))])


@pytest.mark.parametrize("name", list(TARGETS))
@settings(max_examples=10, deadline=None, database=None)
@given(blob=st.binary(max_size=2048))
def test_random_bytes(name: str, blob: bytes) -> None:
    check_one(TARGETS[name], blob)


@pytest.mark.parametrize("name", [n for n in TARGETS if n not in ("region", "upload_zip")])
def test_empty_and_non_utf8(name: str) -> None:
    target = TARGETS[name]
    for blob in (b"", b"\xff\xfe\x00\x00", "گوٹھ".encode("utf-16"), b"\x00" * 100):
        check_one(target, blob)


# --------------------------------------------------------------------------------------
# scenario YAML (scenarios/spec.py belongs to another module owner: tested here, not fixed)

EXAMPLES = ROOT / "scenarios" / "examples"


def run_scenario_yaml(data: bytes, work: Path) -> None:
    """Write ``data`` as a scenario beside copies of the examples and load it."""
    from scenarios.spec import load_scenario

    for f in EXAMPLES.iterdir():
        if f.is_file():
            shutil.copy(f, work / f.name)
    path = _write(work, "fuzzed.yaml", data)
    scenario = load_scenario(path)
    for value in vars(scenario).values():  # every resolved path stays inside the folder
        if isinstance(value, Path) and value.is_absolute() and value.exists():
            assert value.resolve().is_relative_to(work.resolve()), value


TARGETS["scenario_yaml"] = Target(
    "scenario_yaml",
    run_scenario_yaml,
    lambda: [f.read_bytes() for f in sorted(EXAMPLES.glob("*.yaml"))],
)

YAML_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=8), st.integers(), max_size=2),
)
SCENARIO_KEYS = (
    "name",
    "description",
    "region",
    "extends",
    "travel",
    "closures",
    "centres",
    "placement",
    "vans",
    "costs",
    "horizon_years",
)


@FUZZ
@given(
    doc=st.dictionaries(
        st.sampled_from(SCENARIO_KEYS),
        st.one_of(YAML_VALUES, st.dictionaries(st.text(max_size=10), YAML_VALUES, max_size=3)),
        max_size=6,
    )
)
def test_scenario_yaml_structured(doc: dict[str, Any]) -> None:
    """Well-formed YAML with wrong types, NaN/inf, huge numbers and unknown keys."""
    import yaml

    doc.setdefault("name", "fuzz")
    check_one(TARGETS["scenario_yaml"], yaml.safe_dump(doc, allow_unicode=True).encode())


@pytest.mark.parametrize(
    "body",
    [
        "name: x\nregion: ../../../etc\n",
        "name: x\nregion: /etc\n",
        "name: x\nextends: ../outside.yaml\n",
        "name: x\nextends: /etc/passwd\n",
        "name: x\nregion: sample\nclosures:\n  file: ../../secret.geojson\n",
        "name: x\nregion: sample\ntravel:\n  speeds: /etc/hostname\n",
        "name: x\nregion: link\n",  # a symlink pointing outside the folder
        "!!python/object/apply:os.system ['echo pwned']\n",  # yaml.safe_load refuses tags
    ],
)
def test_scenario_paths_cannot_escape_the_folder(body: str, tmp_path: Path) -> None:
    from geodata.errors import DataFileError, SchemaError
    from scenarios.spec import load_scenario

    work = tmp_path / "scen"
    work.mkdir()
    (tmp_path / "outside.yaml").write_text("name: outside\nregion: sample\n")
    (work / "link").symlink_to(tmp_path)
    (work / "s.yaml").write_text(body)
    with pytest.raises((SchemaError, DataFileError)):
        load_scenario(work / "s.yaml")


@FUZZ
@given(data=st.data(), ops=ops_strategy)
def test_scenario_yaml_mutated(data: st.DataObject, ops: list[tuple[str, float, bytes]]) -> None:
    target = TARGETS["scenario_yaml"]
    seeds = target.seeds()
    seed = seeds[data.draw(st.integers(0, len(seeds) - 1), label="seed")]
    check_one(target, mutate(seed, ops))


# --------------------------------------------------------------------------------------
# structured properties: numbers, geometries, CRSs and text the mutations rarely produce

NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**25), 10**25),
    st.sampled_from(["", "abc", "1e400", "-0", "٣٤", "NaN", "inf"]),
)


@settings(max_examples=40, deadline=None, database=None)
@given(
    rows=st.lists(
        st.tuples(NUMBERS, NUMBERS, NUMBERS, st.sampled_from(["S1", "S2", "S1", URDU])),
        min_size=1,
        max_size=6,
    )
)
def test_points_csv_with_odd_numbers(rows: list[tuple[Any, Any, Any, str]]) -> None:
    """NaN/inf/huge/negative coordinates and counts, duplicate ids, Urdu ids."""
    df = pd.DataFrame(rows, columns=["lon", "lat", "households", "settlement_id"])
    data = df.to_csv(index=False).encode("utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        from geodata.build import read_points

        try:
            gdf = read_points(_write(Path(tmp), "p.csv", data))
        except AccessGapError:
            return
        back = pd.read_csv(io.BytesIO(data))
        np.testing.assert_allclose(gdf.geometry.x, pd.to_numeric(back["lon"]))
        np.testing.assert_allclose(gdf.geometry.y, pd.to_numeric(back["lat"]))
        assert np.isfinite(gdf.geometry.x).all() and (gdf.geometry.x.abs() <= 180).all()


def test_urdu_names_round_trip(tmp_path: Path) -> None:
    from geodata.build import read_points
    from geodata.osm import read_osm_places
    from geodata.region import load_region, save_region

    region = tiny_region()
    back = load_region(save_region(region, tmp_path / "r"))
    assert back.settlements["name_ur"].tolist() == region.settlements["name_ur"].tolist()
    assert any("\u0600" <= c <= "\u06ff" for c in back.settlements["name_ur"].iloc[0])
    pts = region.settlements[["settlement_id", "name_ur", "geometry"]].head(5)
    for suffix, driver in ((".geojson", "GeoJSON"), (".gpkg", "GPKG")):
        pts.to_file(tmp_path / f"p{suffix}", driver=driver)
        got = read_points(tmp_path / f"p{suffix}")
        assert got["name_ur"].tolist() == pts["name_ur"].tolist()
    csv = pd.DataFrame({"name": pts["name_ur"], "lon": pts.geometry.x, "lat": pts.geometry.y})
    csv.to_csv(tmp_path / "p.csv", index=False)
    assert read_points(tmp_path / "p.csv")["name"].tolist() == pts["name_ur"].tolist()
    (tmp_path / "t.osm").write_text(TINY_OSM, encoding="utf-8")
    assert read_osm_places(tmp_path / "t.osm")["name_ur"].tolist() == [URDU]


def test_non_utf8_csv_is_a_clear_error(tmp_path: Path) -> None:
    from geodata.census import read_census

    p = tmp_path / "census.csv"
    p.write_bytes("tehsil,population,households\nمری,10,2\n".encode("utf-16"))
    with pytest.raises(AccessGapError):
        read_census(p)
    p.write_bytes(b"tehsil,population,households\n\xe9\xff,10,2\n")
    with pytest.raises(AccessGapError, match=r"census.csv"):
        read_census(p)


def test_mixed_crs_inputs_are_reprojected(tmp_path: Path) -> None:
    from geodata.build import read_points

    pts = tiny_region().settlements[["settlement_id", "geometry"]].head(5)
    pts.to_crs(pts.estimate_utm_crs()).to_file(tmp_path / "utm.gpkg")
    pts.to_crs("EPSG:3857").to_file(tmp_path / "web.geojson")
    for f in ("utm.gpkg", "web.geojson"):
        got = read_points(tmp_path / f)
        assert got.crs.to_epsg() == 4326
        np.testing.assert_allclose(got.geometry.x, pts.geometry.x, atol=1e-7)
    # a projected layer labelled EPSG:4326 is refused, not silently misplaced
    wrong = pts.to_crs(pts.estimate_utm_crs()).set_crs("EPSG:4326", allow_override=True)
    wrong.to_file(tmp_path / "mislabelled.gpkg")
    with pytest.raises(AccessGapError, match="lon/lat range"):
        read_points(tmp_path / "mislabelled.gpkg")


def test_invalid_and_empty_geometries(tmp_path: Path) -> None:
    from geodata.build import read_points, read_study_area

    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"a": 1}, "geometry": None},
            {
                "type": "Feature",
                "properties": {"a": 2},
                "geometry": {"type": "Point", "coordinates": [73, 33]},
            },
        ],
    }
    (tmp_path / "p.geojson").write_text(json.dumps(fc))
    with pytest.raises(AccessGapError, match="row 0 is empty"):
        read_points(tmp_path / "p.geojson")
    bowtie = [[[73.0, 33.0], [73.1, 33.1], [73.1, 33.0], [73.0, 33.1], [73.0, 33.0]]]
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Polygon", "coordinates": bowtie},
            }
        ],
    }
    (tmp_path / "b.geojson").write_text(json.dumps(fc))
    geom = read_study_area(tmp_path / "b.geojson")  # repaired, not refused
    assert geom.is_valid and geom.area > 0


def test_parquet_with_invalid_utf8_is_a_clear_error(tmp_path: Path) -> None:
    """Found by the fuzzer: pandas met the bad text only later, as a pyarrow error."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from geodata.errors import DataFileError
    from geodata.region import load_region

    folder = tmp_path / "r"
    shutil.copytree(tiny_region_dir(), folder)
    t = pq.read_table(folder / "settlements.parquet")
    col = t.column("name").combine_chunks()
    data = bytearray(col.buffers()[2].to_pybytes())
    data[0] = 0xFF
    bad = pa.Array.from_buffers(
        pa.string(), len(col), [None, col.buffers()[1], pa.py_buffer(bytes(data))]
    )
    pq.write_table(
        t.set_column(t.schema.get_field_index("name"), "name", bad), folder / "settlements.parquet"
    )
    with pytest.raises(DataFileError, match=r"settlements.parquet.*UTF8"):
        load_region(folder, verify=False)
