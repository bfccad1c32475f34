"""region.json checked like a table, edited regions refused until re-stamped, read limits.

Issue #15, defects 2, 3 and 8.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pyarrow.parquet as pq
import pytest

from geodata.errors import DataFileError, SchemaError
from geodata.manifest import ReadLimits, check_parquet_limits
from geodata.region import load_region, restamp_region, save_region


@pytest.fixture
def region_dir(tmp_path, small_geography):
    save_region(small_geography, tmp_path / "r")
    return tmp_path / "r"


def _edit_a_road(region_dir):
    path = region_dir / "road_edges.parquet"
    edges = gpd.read_parquet(path)
    edges.loc[edges.index[0], "length_m"] = edges["length_m"].iloc[0] * 10
    edges.to_parquet(path)


def test_an_edited_table_is_refused_with_how_to_restamp(region_dir):
    before = load_region(region_dir).fingerprint()
    _edit_a_road(region_dir)
    with pytest.raises(DataFileError, match=r"road_edges.parquet changed since .* region stamp"):
        load_region(region_dir)
    restamp_region(region_dir)
    after = load_region(region_dir)
    assert after.fingerprint() != before  # caches keyed on it cannot serve the old results
    assert after.roads.edges["length_m"].iloc[0] > 0


def test_the_fingerprint_is_the_content_not_a_field(region_dir):
    meta = region_dir / "region.json"
    doc = json.loads(meta.read_text())
    real = load_region(region_dir).fingerprint()
    doc["fingerprint"] = "0000000000000000"
    meta.write_text(json.dumps(doc))
    assert load_region(region_dir).fingerprint() == real


@pytest.mark.parametrize(
    ("key", "value", "match"),
    [
        ("files", ["settlements.parquet"], "column 'files': must be a JSON object"),
        ("sha256", {"settlements": 12}, "column 'sha256': has non-text values"),
        ("metadata", ["synthetic"], "column 'metadata': must be a JSON object"),
        ("metadata", {"metric_crs": "EPSG:999999"}, "metric_crs'.*not a known CRS"),
        ("metadata", {"metric_crs": "EPSG:4326"}, "metric_crs'.*must be a projected CRS"),
        ("name", 7, "column 'name': must be text"),
    ],
)
def test_malformed_region_json_is_a_schema_error(region_dir, key, value, match):
    meta = region_dir / "region.json"
    doc = json.loads(meta.read_text())
    doc[key] = value
    meta.write_text(json.dumps(doc))
    with pytest.raises(SchemaError, match=match):
        load_region(region_dir)


def test_every_problem_of_region_json_comes_at_once(region_dir):
    meta = region_dir / "region.json"
    doc = json.loads(meta.read_text())
    doc["files"]["extra"] = "../../etc/passwd"
    doc["metadata"] = []
    doc["sha256"]["centres"] = "not-a-hash"
    meta.write_text(json.dumps(doc))
    with pytest.raises(SchemaError) as err:
        load_region(region_dir)
    text = str(err.value)
    assert "unknown table 'extra'" in text
    assert "'extra' must be a .parquet file in the folder" in text
    assert "no valid SHA-256 for 'centres'" in text
    assert "'metadata': must be a JSON object" in text
    assert len(err.value.problems) >= 4


@pytest.mark.parametrize("doc", ["[1, 2]", '"text"', "[" * 5000 + "]" * 5000])
def test_region_json_that_is_not_an_object(region_dir, doc):
    (region_dir / "region.json").write_text(doc)
    with pytest.raises((SchemaError, DataFileError)):
        load_region(region_dir)


def test_limits_are_read_from_the_footer_before_any_data(region_dir, monkeypatch):
    edges = region_dir / "road_edges.parquet"
    rows = pq.ParquetFile(edges).metadata.num_rows

    def no_data(*args, **kwargs):
        raise AssertionError("data was read before the limits were checked")

    monkeypatch.setattr(pq, "read_table", no_data)
    with pytest.raises(DataFileError, match=f"declares {rows:,} rows"):
        check_parquet_limits(edges, ReadLimits(max_rows=rows - 1))
    with pytest.raises(DataFileError, match="MiB once decoded, over the limit"):
        load_region(region_dir, limits=ReadLimits(max_bytes=1000))


def test_a_tiny_file_declaring_many_rows_is_refused(tmp_path):
    """Constant rows compress to almost nothing: the footer's count stops them, not the size."""
    import numpy as np
    import pyarrow as pa

    table = pa.table({"x": np.zeros(3_000_000, dtype=np.int64)})
    path = tmp_path / "bomb.parquet"
    pq.write_table(table, path, compression="zstd")
    assert path.stat().st_size < 100_000
    with pytest.raises(DataFileError, match="3,000,000 rows"):
        check_parquet_limits(path, ReadLimits(max_rows=1_000_000))
    with pytest.raises(DataFileError, match="over the limit"):
        check_parquet_limits(path, ReadLimits(max_bytes=2**20))


def test_region_check_applies_the_analyses_rules(small_geography, tmp_path):
    """A region that passes its check never fails an analysis (issue #15, defect 11)."""
    import pandas as pd

    from geodata.region import validate_region

    s = small_geography.settlements
    cov = pd.DataFrame(
        {
            "level": ["settlement", "tehsil"],
            "unit_id": [s["settlement_id"].iloc[0], "No Such Tehsil"],
            "registered_households": [float(s["households"].iloc[0]) + 50, 10.0],
        }
    )
    with pytest.raises(SchemaError) as err:
        validate_region(small_geography.with_(coverage=cov))
    text = str(err.value)
    assert "exceed households" in text and "'No Such Tehsil' matches no settlement" in text
