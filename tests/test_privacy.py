"""Privacy: household-level coverage with identifiers never reaches a region, map or export.

The end-to-end test builds a region (``accessgap region build``) from a small OSM grid, a
settlements file and a **household-level** coverage file carrying CNIC numbers, phone numbers
and names; runs ``gaps``, ``place`` and ``vans`` through the CLI; then searches the bytes of
every file written (parquet decoded, xlsx/zip unpacked, PDF streams inflated), and the CLI
output, for every identifier of the input.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from geodata.errors import SchemaError
from geodata.privacy import (
    PrivacySettings,
    aggregate_households,
    identifier_columns,
    is_household_table,
    redact,
    suppress_small_groups,
)

# --------------------------------------------------------------------------------------
# a tiny world: a 7 x 7 road grid (0.01 degree spacing) near Rawalpindi

LON0, LAT0, STEP, N = 73.0, 33.5, 0.01, 7


def _grid_osm() -> str:
    nodes, ways = [], []
    nid = lambda i, j: 1 + i * N + j  # noqa: E731
    for i in range(N):
        for j in range(N):
            nodes.append(
                f'<node id="{nid(i, j)}" lat="{LAT0 + i * STEP:.5f}" lon="{LON0 + j * STEP:.5f}"/>'
            )
    wid = 1000
    for i in range(N):
        refs = "".join(f'<nd ref="{nid(i, j)}"/>' for j in range(N))
        ways.append(f'<way id="{wid}">{refs}<tag k="highway" v="residential"/></way>')
        wid += 1
        refs = "".join(f'<nd ref="{nid(j, i)}"/>' for j in range(N))
        ways.append(f'<way id="{wid}">{refs}<tag k="highway" v="tertiary"/></way>')
        wid += 1
    # a tehsil and a district around the grid (one closed border way)
    lo_x, lo_y, hi_x, hi_y = LON0 - 0.005, LAT0 - 0.005, LON0 + N * STEP, LAT0 + N * STEP
    corners = [(lo_x, lo_y), (hi_x, lo_y), (hi_x, hi_y), (lo_x, hi_y)]
    for k, (x, y) in enumerate(corners):
        nodes.append(f'<node id="{900 + k}" lat="{y:.5f}" lon="{x:.5f}"/>')
    ring = "".join(f'<nd ref="{900 + k}"/>' for k in (0, 1, 2, 3, 0))
    ways.append(f'<way id="9999">{ring}</way>')
    rels = [
        f'<relation id="{rid}"><member type="way" ref="9999" role="outer"/>'
        '<tag k="type" v="boundary"/><tag k="boundary" v="administrative"/>'
        f'<tag k="admin_level" v="{lvl}"/><tag k="name" v="{name}"/></relation>'
        for rid, lvl, name in ((7001, 5, "Tehsil Dhok"), (7002, 4, "Dhok District"))
    ]
    return (
        '<?xml version="1.0" encoding="UTF-8"?><osm version="0.6" generator="test">'
        + "".join(nodes)
        + "".join(ways)
        + "".join(rels)
        + "</osm>"
    )


def _households(settlements: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    k = 0
    for sid, hh, lon, lat in settlements[["settlement_id", "households", "lon", "lat"]].itertuples(
        index=False
    ):
        for _ in range(int(hh)):
            k += 1
            cnic = f"{rng.integers(10000, 99999)}-{rng.integers(1000000, 9999999)}-{k % 10}"
            phone = f"03{rng.integers(0, 50):02d}-{rng.integers(1000000, 9999999)}"
            rows.append(
                {
                    "household_id": f"HH-{k:05d}",
                    "CNIC": cnic,
                    "Head Name": f"Shahida Parveen Qazilbash {k:04d}",
                    "name_ur": f"شاہدہ پروین قزلباش {k:04d}",
                    "Mobile": phone,
                    "notes": f"call back on {phone}",
                    "settlement_id": sid if k % 3 else None,
                    "lon": lon + rng.normal(0, 0.0005),
                    "lat": lat + rng.normal(0, 0.0005),
                    "registered": "yes" if rng.random() < 0.7 else "no",
                }
            )
    df = pd.DataFrame(rows)
    # a third of the rows locate the household by coordinates only
    by_xy = df["settlement_id"].isna()
    df.loc[~by_xy, ["lon", "lat"]] = np.nan
    return df


def _identifiers(hh: pd.DataFrame) -> list[str]:
    out: list[str] = []
    for cnic in hh["CNIC"]:
        out += [cnic, cnic.replace("-", "")]
    for phone in hh["Mobile"]:
        out += [phone, phone.replace("-", ""), phone.replace("-", "")[1:]]
    out += list(hh["Head Name"]) + list(hh["name_ur"]) + list(hh["household_id"])
    return out


def _readable_bytes(path: Path) -> list[bytes]:
    """The raw bytes of a file plus decoded forms where the raw bytes are compressed."""
    raw = path.read_bytes()
    out = [raw]
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        out.append(pd.read_parquet(path).to_csv().encode("utf-8"))
    if suffix in (".xlsx", ".zip", ".docx"):
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            out += [zf.read(m) for m in zf.namelist()]
    if suffix == ".pdf":
        for m in re.finditer(rb"stream\r?\n(.*?)endstream", raw, flags=re.S):
            try:
                out.append(zlib.decompress(m.group(1)))
            except zlib.error:
                out.append(m.group(1))
    return out


NAME_IDS = {3: "0300-1239999", 5: "35202-7654321-3"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("privacy")
    rng = np.random.default_rng(10)
    (d / "grid.osm").write_text(_grid_osm(), encoding="utf-8")
    k = 14
    sett = pd.DataFrame(
        {
            "settlement_id": [f"V{i:02d}" for i in range(k)],
            # identifiers where nobody should have put them: in names (issue #15, defect 7)
            "name": [
                f"Village {i}" if i not in NAME_IDS else f"Village {i} {NAME_IDS[i]}"
                for i in range(k)
            ],
            "households": [3, 2, *rng.integers(20, 60, k - 2).tolist()],
            "lon": LON0 + STEP * rng.uniform(0.2, N - 1.2, k),
            "lat": LAT0 + STEP * rng.uniform(0.2, N - 1.2, k),
        }
    )
    sett.to_csv(d / "settlements.csv", index=False)
    pd.DataFrame(
        {"centre_id": ["C1"], "name": ["DRC"], "lon": [LON0 + 0.005], "lat": [LAT0 + 0.005]}
    ).to_csv(d / "centres.csv", index=False)
    pd.DataFrame(
        {
            "centre_id": ["S1", "S2", "S3"],
            "name": ["Site 1", "Site 2", "Site 3"],
            "lon": [LON0 + 0.05, LON0 + 0.03, LON0 + 0.055],
            "lat": [LAT0 + 0.05, LAT0 + 0.02, LAT0 + 0.01],
        }
    ).to_csv(d / "candidates.csv", index=False)
    (d / "poverty.csv").write_text("level,unit_id,poor_share\ntehsil,Dhok,0.4\n")
    hh = _households(sett, rng)
    hh.to_csv(d / "households.csv", index=False)
    return {"dir": d, "households": d / "households.csv", "settlements": d / "settlements.csv"}


def test_no_identifier_reaches_any_output(world: dict[str, Path]) -> None:
    from cli import app

    d = world["dir"]
    runner = CliRunner()
    outputs = []
    build = runner.invoke(
        app,
        [
            "region",
            "build",
            "--osm",
            str(d / "grid.osm"),
            "--settlements",
            str(d / "settlements.csv"),
            "--centres",
            str(d / "centres.csv"),
            "--candidates",
            str(d / "candidates.csv"),
            "--coverage",
            str(world["households"]),
            "--poverty",
            str(d / "poverty.csv"),
            "--out",
            str(d / "region"),
        ],
    )
    assert build.exit_code == 0, build.output + repr(build.exception)
    assert "identifier column dropped: 'CNIC'" in build.output
    outputs.append(build.output)
    for args in (
        ["gaps", str(d / "region"), "--out", str(d / "out" / "gaps")],
        ["place", str(d / "region"), "--out", str(d / "out" / "place"), "--new", "2"],
        [
            "vans",
            str(d / "region"),
            "--out",
            str(d / "out" / "vans"),
            "--vans",
            "1",
            "--days",
            "2",
            "--within",
            "1",
        ],
    ):
        res = runner.invoke(app, args)
        assert res.exit_code == 0, f"{args[0]}: {res.output} {res.exception!r}"
        outputs.append(res.output)

    hh = pd.read_csv(world["households"])
    needles = [n.encode("utf-8") for n in [*_identifiers(hh), *NAME_IDS.values()]]
    files = [p for p in d.joinpath("region").rglob("*") if p.is_file()]
    files += [p for p in d.joinpath("out").rglob("*") if p.is_file()]
    kinds = {p.suffix.lower() for p in files}
    assert {".parquet", ".gpkg", ".csv", ".json"} <= kinds, kinds
    assert {".xlsx", ".html", ".pdf", ".gpx"} <= kinds, kinds  # the van exports were written
    leaks = []
    blobs = [(p, b) for p in files for b in _readable_bytes(p)]
    blobs += [(Path("<cli output>"), o.encode("utf-8")) for o in outputs]
    for path, blob in blobs:
        for n in needles:
            if n in blob:
                leaks.append(f"{path.name}: {n.decode()}")
    assert not leaks, leaks[:20]

    # coverage was aggregated, not lost: registered households per settlement
    from geodata.region import load_region

    region = load_region(d / "region")
    cov = region.coverage.set_index("unit_id")["registered_households"]
    hh_ids = hh["settlement_id"].fillna("?")
    expected = hh[hh["registered"].eq("yes") & hh_ids.ne("?")].groupby("settlement_id").size()
    for sid, n in expected.items():
        assert cov[sid] >= n  # plus the households located by coordinates
    assert cov.sum() == hh["registered"].eq("yes").sum()
    assert list(region.coverage.columns) == ["level", "unit_id", "registered_households"]

    # small settlements (3 and 2 households) are suppressed in the exports
    out = pd.read_csv(d / "out" / "gaps" / "settlements.csv").set_index("settlement_id")
    assert out.loc["V00", "suppressed"] and out.loc["V01", "suppressed"]
    assert np.isnan(out.loc["V00", "registered_households"])
    assert np.isnan(out.loc["V01", "unregistered_poor_households"])
    assert not out.loc["V02", "suppressed"] and np.isfinite(out.loc["V02", "registered_households"])
    # ... but still counted in the totals of the region
    units = pd.read_csv(d / "out" / "gaps" / "units_region.csv")
    assert units["registered_households"].iloc[0] == cov.sum()


def test_identifier_columns_by_name_and_value() -> None:
    df = pd.DataFrame(
        {
            "cnic_no": ["x"],
            "Contact": ["none"],
            "head of household": ["Ali"],
            "settlement_name": ["Dhok"],
            "tehsil": ["Murree"],
            "remarks": ["cnic 3520212345671"],
            "num": [3001234567],
            "landline": ["a"],
            "fine": ["33.123456"],
            "registered": [1],
        }
    )
    found = identifier_columns(df)
    assert set(found) == {"cnic_no", "Contact", "head of household", "remarks", "num"}
    assert "landline" not in found  # a name alone does not flag every column


def test_household_table_is_detected_and_aggregated() -> None:
    import geopandas as gpd

    sett = gpd.GeoDataFrame(
        {"settlement_id": ["A", "B"]},
        geometry=gpd.points_from_xy([73.0, 73.1], [33.0, 33.0]),
        crs="EPSG:4326",
    )
    hh = pd.DataFrame(
        {
            "CNIC": ["12345-1234567-1", "12345-1234567-2", "12345-1234567-3", "1"],
            "Registered": ["Yes", "no", "1", "TRUE"],
            "settlement_id": ["A", "A", "B", "Z"],
        }
    )
    assert is_household_table(hh)
    table, report = aggregate_households(hh, sett)
    assert table.to_dict("list") == {
        "level": ["settlement", "settlement"],
        "unit_id": ["A", "B"],
        "registered_households": [1.0, 1.0],
    }
    assert report.unmatched == 1 and "CNIC" in report.dropped_columns
    assert "12345" not in "\n".join(report.lines())


def test_bad_flags_are_reported_without_values() -> None:
    import geopandas as gpd

    sett = gpd.GeoDataFrame(
        {"settlement_id": ["A"]}, geometry=gpd.points_from_xy([73.0], [33.0]), crs="EPSG:4326"
    )
    hh = pd.DataFrame({"registered": ["maybe-0300-1234567"], "settlement_id": ["A"]})
    with pytest.raises(SchemaError, match="registered flag") as info:
        aggregate_households(hh, sett)
    assert "0300" not in str(info.value)


def test_households_by_coordinates_far_away_are_unmatched() -> None:
    import geopandas as gpd

    sett = gpd.GeoDataFrame(
        {"settlement_id": ["A"]}, geometry=gpd.points_from_xy([73.0], [33.0]), crs="EPSG:4326"
    )
    hh = pd.DataFrame({"registered": [1, 1], "lon": [73.001, 74.0], "lat": [33.0, 33.0]})
    table, report = aggregate_households(hh, sett, settings=PrivacySettings(max_match_m=2000))
    assert table["registered_households"].tolist() == [1.0] and report.unmatched == 1


def test_suppression_threshold_is_a_setting() -> None:
    t = pd.DataFrame({"households": [4, 5, np.nan], "registered_households": [1.0, 2.0, 3.0]})
    out = suppress_small_groups(t, ["registered_households"], min_households=5)
    assert out["suppressed"].tolist() == [True, False, True]
    assert (
        np.isnan(out.loc[0, "registered_households"]) and out.loc[1, "registered_households"] == 2
    )
    assert suppress_small_groups(t, ["registered_households"], min_households=1)[
        "suppressed"
    ].tolist() == [False, False, True]
    with pytest.raises(ValueError):
        PrivacySettings(min_group_households=0)


def test_errors_never_echo_an_identifier() -> None:
    from geodata.errors import DataFileError, Problem, SchemaError

    err = SchemaError([Problem("value '0300-1239999' is not a flag", "coverage.csv", 4, "reg")])
    assert "0300-1239999" not in str(err) and "[redacted]" in str(err)
    assert "0300-1239999" not in str(err.problems[0])
    assert "35202" not in str(DataFileError("no unit '35202-1234567-1' in the region"))
    row = Problem("duplicate id", "settlements", "35202-1234567-1", "settlement_id")
    assert "35202" not in str(row)


def test_identifiers_in_names_are_removed_on_validation(small_geography) -> None:
    from geodata.region import validate_region

    s = small_geography.settlements.copy()
    s.loc[s.index[0], "name"] = "Basti +92 300 1234567"
    region = validate_region(small_geography.with_(settlements=s, name="Dist 0300-1112223"))
    assert region.settlements["name"].iloc[0] == "Basti [redacted]"
    assert region.name == "Dist [redacted]"
    assert region.settlements["name"].iloc[1:].tolist() == s["name"].iloc[1:].tolist()


def test_redact() -> None:
    assert redact("a 12345-1234567-1 b +92 300 1234567") == "a [redacted] b [redacted]"


def test_region_package_keeps_only_allowed_columns(tmp_path: Path) -> None:
    from geodata.region import load_region, save_region
    from geodata.sample import SampleParams, make_sample_geography

    g = make_sample_geography(SampleParams(seed=3, n_settlements=30, n_union_councils=4))
    s = g.settlements.assign(phone="0300-1234567", headman="Malik Riaz")
    cand = g.centres.iloc[:1].assign(kind="candidate", centre_id="X1")
    save_region(g.with_(settlements=s, candidates=cand), tmp_path / "r")
    back = load_region(tmp_path / "r")
    assert "phone" not in back.settlements.columns and "headman" not in back.settlements.columns
    for f in (tmp_path / "r").iterdir():
        for blob in _readable_bytes(f):
            assert b"0300-1234567" not in blob and b"Malik Riaz" not in blob
