"""The Streamlit app with AppTest: every page, a placement, and the error paths.

A small synthetic region (160 settlements) is built once per session and opened through
``ACCESSGAP_REGION``; other regions are offered through ``ACCESSGAP_REGIONS`` and chosen in
the sidebar. Streamlit's caches persist across AppTest runs in this process.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from helpers import copy_region
from streamlit.testing.v1 import AppTest

from geodata.errors import DataFileError, SchemaError
from geodata.manifest import file_sha256

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT = 120


@pytest.fixture()
def app_env(small_sample_region_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ACCESSGAP_REGION", str(small_sample_region_dir))
    monkeypatch.setenv("ACCESSGAP_UPLOADS", str(tmp_path / "uploads"))
    monkeypatch.setenv("ACCESSGAP_OUT", str(tmp_path / "out"))
    return tmp_path


def _app(**state: str) -> AppTest:
    """The app after its first run; ``state`` is put into its session state before it."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def _offer(monkeypatch: pytest.MonkeyPatch, *folders: Path) -> None:
    """Offer ``folders`` through ``ACCESSGAP_REGIONS`` (regions or parents of regions)."""
    monkeypatch.setenv("ACCESSGAP_REGIONS", os.pathsep.join(str(f) for f in folders))


def _choose(at: AppTest, folder: Path) -> AppTest:
    """Choose the region at ``folder`` in the sidebar's region list."""
    at.sidebar.selectbox(key="region_path").set_value(str(folder.resolve())).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _region_options(at: AppTest) -> list[str]:
    """The labels of the sidebar's region list ("name", "name (your upload: x)")."""
    return [str(o) for o in at.sidebar.selectbox(key="region_path").options]


def _leftover_beside(folder: Path) -> Path:
    """A moved-aside copy ``.NAME.old-99999999`` of a dead process beside ``folder``.

    :func:`geodata.files.recover_folder` (run by ``load_region``) would delete it.
    """
    leftover = folder.parent / f".{folder.name}.old-99999999"
    leftover.mkdir()
    (leftover / "keep.txt").write_text("not yours to delete")
    return leftover


def _goto(at: AppTest, page: str) -> AppTest:
    at.sidebar.radio(key="page").set_value(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(elements: object) -> str:
    return "\n".join(str(e.value) for e in elements)  # type: ignore[attr-defined]


def test_explore_page_shows_synthetic_label_metrics_and_worst_gaps(app_env: Path) -> None:
    at = _app()
    assert not at.exception, [e.value for e in at.exception]
    assert "SYNTHETIC" in _texts(at.warning)
    # one synthetic banner, not the app's and the analysis' note both
    shown = [*at.main.warning, *at.main.info]
    assert sum("SYNTHETIC" in str(w.value) for w in shown) == 1
    labels = [m.label for m in at.metric]
    assert "Households" in labels and "Unregistered poor households" in labels
    assert at.dataframe, "the worst-gaps table is missing"
    worst = at.dataframe[0].value
    assert list(worst["Rank"])[:3] == [1, 2, 3]
    assert "Worst gaps" in _texts(at.subheader)
    # headers for people, with units; the gap score explained in plain words
    assert {"Gap score (PKR 000)", "On the registry (%)", "Households"} <= set(worst.columns)
    assert not any("_" in c for c in worst.columns)
    assert "thousands of rupees" in _texts(at.caption)


def test_explore_page_shows_who_is_excluded_and_why(app_env: Path) -> None:
    """Three-way coverage, burden by group and the awareness list (issue #17)."""
    at = _app()
    assert not at.exception, [e.value for e in at.exception]
    assert "Who is excluded and why" in _texts(at.subheader)
    labels = [m.label for m in at.metric]
    assert {"Served", "Unserved: centre full", "Unserved: beyond reach"} <= set(labels)
    tables = [d.value for d in at.dataframe]
    assert any("Woman with children + companion: cost (PKR)" in t.columns for t in tables)
    assert not any("More than distance explains" in t.columns for t in tables)  # not yet fitted
    at.toggle(key="aware").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    tables = [d.value for d in at.dataframe]
    assert any("More than distance explains" in t.columns for t in tables)
    assert not any("_" in str(c) for t in tables for c in t.columns)  # headers for people


def test_explore_filters_by_tehsil_and_mode(app_env: Path) -> None:
    at = _app()
    tehsil = at.selectbox(key="explore_tehsil")
    choice = tehsil.options[1]
    tehsil.set_value(choice).run()
    at.selectbox(key="explore_mode").set_value("walk").run()
    assert not at.exception, [e.value for e in at.exception]
    assert set(at.dataframe[0].value["Tehsil"]) == {choice}
    assert "Median trip (on foot)" in [m.label for m in at.metric]
    trips = at.dataframe[0].value["Trip on foot"].tolist()
    assert all(t.endswith(" min") or t == "unreachable" for t in trips)
    long = [t for t in trips if " h" in t]
    assert long, "walking over two hours is shown in hours"


def test_explore_isochrone_toggle_and_colour_by_gap(app_env: Path) -> None:
    at = _app()
    at.toggle(key="explore_iso").set_value(True).run()
    at.selectbox(key="explore_colour").set_value("gap").run()
    assert not at.exception, [e.value for e in at.exception]


def test_place_centres_runs_and_offers_downloads(app_env: Path) -> None:
    at = _goto(_app(), "Place centres")
    assert "Run placement" in _texts(at.info)
    at.slider(key="pl_new").set_value(4)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "new centre(s)" in _texts(at.success)
    assert "maximise households covered" in _texts(at.success)
    assert "mclp" not in _texts(at.success) and "heuristic" not in _texts(at.success)
    labels = [m.label for m in at.metric]
    assert "Median trip (motorbike)" in labels
    assert "Households within 60 min" in labels
    assert all(m.delta for m in at.metric)
    sites = at.dataframe[-1].value
    assert len(sites) == 4 and "gain_at_entry" in sites.columns
    before_after = at.dataframe[0].value  # the before figures as a table, not raw JSON
    assert list(before_after.columns) == ["Figure", "Before", "After", "Change"]
    assert before_after["Before"].str.contains("%").any()
    assert not at.slider(key="pl_new").disabled
    assert "pl_share" not in [s.key for s in at.slider]  # set cover only
    # the result stays when switching pages and back (served from the cache)
    at = _goto(_goto(at, "Explore"), "Place centres")
    assert "new centre(s)" in _texts(at.success)


def test_place_centres_p_median(app_env: Path) -> None:
    at = _goto(_app(), "Place centres")
    at.selectbox(key="pl_model").set_value("p_median")
    at.slider(key="pl_new").set_value(3)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "shortest average trip" in _texts(at.success)
    assert "p_median" not in _texts(at.success)


def test_place_centres_set_cover_asks_and_answers_in_settlements(app_env: Path) -> None:
    """The set-cover target is a share of settlements; the result is reported in that unit."""
    at = _goto(_app(), "Place centres")
    at.selectbox(key="pl_model").set_value("set_cover").run()
    assert "pl_new" not in [s.key for s in at.slider]  # set cover finds the number itself
    at.slider(key="pl_share").set_value(90)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    metric = next(m for m in at.metric if m.label.startswith("Settlements within"))
    assert metric.delta == "asked for 90%"
    assert float(metric.value.rstrip("%")) >= 90.0


def test_plan_vans_page(app_env: Path) -> None:
    at = _goto(_app(), "Plan vans")
    at.select_slider(key="vans_within").set_value(15)
    at.number_input(key="vans_days").set_value(2)
    # the solver's seconds are an analyst's knob: under "Advanced", off by default
    assert at.expander[0].label == "Advanced"
    assert not at.checkbox(key="vans_longer").value
    next(b for b in at.button if b.label == "Plan vans").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Halts visited" in [m.label for m in at.metric]
    itinerary = at.dataframe[0].value
    assert {"Van", "Day", "Stop", "Halt", "Arrives (hh:mm)"} <= set(itinerary.columns)
    # one van, one day: the map and the itinerary show that van-day only
    at.selectbox(key="vans_show_van").set_value(1).run()
    at.selectbox(key="vans_show_day").set_value(1).run()
    assert not at.exception, [e.value for e in at.exception]
    one = at.dataframe[0].value
    assert len(one) and set(one["Van"]) == {1} and set(one["Day"]) == {1}


def test_plan_vans_error_is_readable(app_env: Path) -> None:
    at = _goto(_app(), "Plan vans")
    at.select_slider(key="vans_within").set_value(120)  # nobody that far in the small region
    next(b for b in at.button if b.label == "Plan vans").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "could not be made" in _texts(at.error)


def test_compare_page_without_and_with_scenario_results(
    app_env: Path, small_sample_region_dir: Path
) -> None:
    at = _goto(_app(), "Compare scenarios")
    assert "fewer than two saved scenario results" in _texts(at.info)
    assert "accessgap run" not in _texts(at.info)  # no command a web user cannot type
    from scenarios.runner import run_scenario

    examples = Path(APP).parent / "scenarios" / "examples"
    for name in ("baseline", "ten_uc_centres"):
        run_scenario(
            examples / f"{name}.yaml",
            app_env / "out" / "runs" / name,
            region=small_sample_region_dir,
        )
    at = _goto(_app(), "Compare scenarios")
    assert not at.exception, [e.value for e in at.exception]
    # the base is chosen explicitly, named by its scenario name (not the folder path)
    base = at.selectbox(key="cmp_base")
    assert base.value == "runs/baseline" and base.format_func(base.value) == "baseline"
    table = at.dataframe[0].value
    assert list(table.columns) == ["baseline", "ten_uc_centres"]
    assert "Median travel time (household-weighted) (min)" in table.index
    diff = at.dataframe[1].value
    assert float(diff.loc["Households within 60 min", "ten_uc_centres"]) >= 0
    # the households-within-reach chart draws (it once asked for keys the table did not have)
    charts = at.get("vega_lite_chart")
    assert charts, "the households-within-reach chart is missing"
    import pyarrow as pa

    frames = [
        pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in charts[0].proto.datasets
    ]
    drawn = pd.concat(frames).astype(str).to_string()
    assert "Households within 60 min" in drawn and "ten_uc_centres" in drawn
    # choosing the other scenario as the base swaps the table's order
    at.selectbox(key="cmp_base").set_value("runs/ten_uc_centres").run()
    assert not at.exception, [e.value for e in at.exception]
    assert list(at.dataframe[0].value.columns) == ["ten_uc_centres", "baseline"]
    at.selectbox(key="cmp_base").set_value("runs/baseline").run()
    next(b for b in at.button if b.label.startswith("Build the report")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert {d.label for d in at.get("download_button")} >= {
        "Download report.html",
        "Download report.pdf",
    }


def test_your_data_page_lists_the_region(app_env: Path) -> None:
    at = _goto(_app(), "Your data")
    assert "Upload a zipped region folder" in _texts(at.subheader)
    facts = at.dataframe[0].value
    assert list(facts.columns) == ["Figure", "Value"] and "Settlements" in list(facts["Figure"])
    assert not facts["Figure"].str.contains("_").any()  # words, not keys


def test_missing_region_folder_is_a_readable_error(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _offer(monkeypatch, app_env / "nowhere")
    at = _choose(_app(), app_env / "nowhere")
    assert "no such region folder" in _texts(at.error)
    assert not at.metric  # nothing ran


def test_broken_region_shows_the_problem_list_and_runs_nothing(
    app_env: Path, small_sample_region_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = _broken_copy(small_sample_region_dir, app_env / "broken")
    _offer(monkeypatch, broken)
    at = _choose(_app(), broken)
    assert "problem" in _texts(at.error)
    # a static table: "what to do" wraps instead of being cut at the column's width
    problems = at.table[0].value
    assert problems.index.name == "file"
    assert {"row", "column", "problem and what to do"} <= set(problems.columns)
    assert problems["column"].eq("households").any()
    assert not at.metric
    at = _goto(at, "Place centres")
    assert not at.metric and not at.success


def test_your_data_page_cannot_open_server_folders(app_env: Path) -> None:
    at = _goto(_app(), "Your data")
    assert not at.text_input  # no free-text folder field
    text = _texts(at.markdown)
    assert "operator" in text
    # nothing a web user cannot act on: no environment variable, no server path
    assert "ACCESSGAP_REGIONS" not in text and str(app_env) not in text


# --- which regions a session may open (issue #15, defect 12) -------------------------------


@pytest.mark.parametrize("how", ["first run", "page switch"])
def test_a_folder_outside_the_allow_list_is_refused_and_not_touched(
    app_env: Path, small_sample_region_dir: Path, how: str
) -> None:
    other = copy_region(small_sample_region_dir, app_env / "other")
    leftover = _leftover_beside(other)
    if how == "first run":  # a path put into the session's state before anything ran
        at = _app(region_path=str(other))
    else:  # a path handed to the region switch a page uses after an upload
        at = _goto(_app(), "Your data")
        at.session_state["pending_region_path"] = str(other)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "is not one of the regions offered here" in _texts(at.error)
    assert not at.metric and "Current region" not in _texts(at.markdown)  # nothing loaded
    assert not any(str(other.resolve()) in o for o in _region_options(at))
    assert at.sidebar.selectbox(key="region_path").value is None  # the picker does not hold it
    assert (leftover / "keep.txt").is_file(), "recovery ran on a folder that is not allowed"


def test_one_sessions_upload_is_not_offered_to_another(
    app_env: Path, small_sample_region_dir: Path
) -> None:
    sid_a = "a" * 32
    a = _goto(_app(upload_session_id=sid_a), "Your data")
    assert len(_region_options(a)) == 1  # nothing uploaded yet
    # session A uploads (what import_zip leaves, plus a scratch folder) and switches to it
    mine = copy_region(small_sample_region_dir, app_env / "uploads" / sid_a / "mine")
    copy_region(small_sample_region_dir, mine.parent / ".incoming-x")
    a.session_state["pending_region_path"] = str(mine)
    a.run()
    assert not a.exception, [e.value for e in a.exception]
    assert "Sample District (synthetic) (your upload: mine)" in _region_options(a)
    assert len(_region_options(a)) == 2  # the default and the upload; not the scratch
    assert a.sidebar.selectbox(key="region_path").value == str(mine.resolve())
    a = _goto(a, "Explore")  # it stays chosen across pages
    assert a.sidebar.selectbox(key="region_path").value == str(mine.resolve())
    assert a.metric
    # session B: not offered, and refused when asked for by path (no recovery there)
    leftover = _leftover_beside(mine)
    b = _app()
    assert len(_region_options(b)) == 1 and "your upload" not in _region_options(b)[0]
    b = _app(region_path=str(mine))
    assert "is not one of the regions offered here" in _texts(b.error)
    assert not b.metric
    assert (leftover / "keep.txt").is_file()
    # a forged session id cannot name another folder either
    c = _app(upload_session_id=f"{sid_a}/../{sid_a}")
    assert len(_region_options(c)) == 1


def test_regions_listed_by_the_operator_are_offered_and_open(
    app_env: Path, small_sample_region_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    single = copy_region(small_sample_region_dir, app_env / "single")
    parent = app_env / "parent"
    one = copy_region(small_sample_region_dir, parent / "one")
    two = copy_region(small_sample_region_dir, parent / "two")
    (parent / "notes").mkdir()  # not a region: not offered
    hidden = _leftover_beside(one)  # a hidden leftover: not offered, and left alone
    _offer(monkeypatch, single, parent)
    at = _goto(_app(), "Your data")
    labels = _region_options(at)
    assert len(labels) == 4
    folders = (small_sample_region_dir, single, one, two)  # the default comes first
    for label, folder in zip(labels, folders, strict=True):
        # the region's name, told apart by the folder's name; never a server path
        assert label == f"Sample District (synthetic) ({folder.name})"
    for folder in (single, two):
        at = _choose(at, folder)
        assert not at.error, _texts(at.error)
        assert at.sidebar.selectbox(key="region_path").value == str(folder.resolve())
    assert (hidden / "keep.txt").is_file()  # recovery beside `one` never ran (not opened)


def test_links_do_not_widen_the_allow_list(
    app_env: Path, small_sample_region_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.data import RegionNotAllowedError, allowed_regions, open_region

    outside = copy_region(small_sample_region_dir, app_env / "outside")
    own = app_env / "uploads" / ("b" * 32)
    own.mkdir(parents=True)
    (own / "link").symlink_to(outside)  # a link out of the session's upload folder
    allowed = allowed_regions(own)
    assert [c.path for c in allowed] == [str(small_sample_region_dir.resolve())]
    leftover = _leftover_beside(outside)
    for path in (own / "link", outside, app_env / "uploads" / ("b" * 32) / ".." / "x"):
        with pytest.raises(RegionNotAllowedError, match="not one of the regions offered"):
            open_region(str(path), allowed)
    assert (leftover / "keep.txt").is_file()
    # a link to an allowed region is the same region (paths are compared resolved)
    (app_env / "alias").symlink_to(small_sample_region_dir)
    ref, _region = open_region(str(app_env / "alias"), allowed)
    assert ref.path == str(small_sample_region_dir.resolve())


# --- the upload helpers (AppTest cannot drive st.file_uploader) ----------------------------


def test_import_zip_saves_a_valid_region_in_the_session_folder(
    small_sample_region_dir: Path, tmp_path: Path
) -> None:
    from ui.upload import import_zip

    saved = import_zip(
        _zip_folder(small_sample_region_dir, "myregion"), session_dir=tmp_path / "s1"
    )
    assert (saved / "region.json").is_file()
    assert saved.parent == tmp_path / "s1"
    assert [p.name for p in (tmp_path / "s1").iterdir()] == [saved.name]  # scratch removed


def test_import_zip_refuses_invalid_data_and_saves_nothing(
    small_sample_region_dir: Path, tmp_path: Path
) -> None:
    from ui.errors import problems_table
    from ui.upload import import_zip

    broken = _broken_copy(small_sample_region_dir, tmp_path / "broken")
    with pytest.raises(SchemaError) as info:
        import_zip(_zip_folder(broken, "broken"), session_dir=tmp_path / "s2")
    table = problems_table(info.value)
    assert table["column"].eq("households").any()
    assert list((tmp_path / "s2").iterdir()) == []
    # no server scratch path in what the user reads
    assert ".incoming-" not in str(info.value) and str(tmp_path) not in str(info.value)


@pytest.mark.parametrize(
    ("damage", "member"),
    [
        (lambda name, data: b"not parquet" * 9 if name == "settlements.parquet" else data, "s"),
        (lambda name, data: data[: len(data) // 2] if name == "road_edges.parquet" else data, "r"),
        (lambda name, data: None if name == "centres.parquet" else data, "c"),
    ],
    ids=["garbage", "truncated", "missing"],
)
def test_upload_errors_name_the_archive_member_not_the_server(
    small_sample_region_dir: Path, tmp_path: Path, damage: object, member: str
) -> None:
    """Issue #20: errors showed a server scratch path twice and the Parquet reader's text."""
    from ui.upload import import_zip

    payload = _zip_folder(small_sample_region_dir, "myregion", damage=damage)
    with pytest.raises(DataFileError) as info:
        import_zip(payload, session_dir=tmp_path / "s", archive_name="myregion.zip")
    text = str(info.value)
    assert text.startswith("myregion/"), text
    assert str(tmp_path) not in text and ".incoming-" not in text
    assert "magic bytes" not in text and "Parquet magic" not in text
    assert "accessgap " not in text  # no command a web user cannot type
    assert "zip" in text  # says what to do with the archive


def test_upload_shows_a_success_message(app_env: Path, small_sample_region_dir: Path) -> None:
    """After a valid upload the page says so (and the region is open in the sidebar)."""
    from ui.upload import UPLOADED_KEY

    at = _goto(_app(), "Your data")
    at.session_state[UPLOADED_KEY] = ("small.zip", "Small sample")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "'small.zip' is valid and open" in _texts(at.success)
    assert "accessgap sample" not in _texts(at.markdown) + _texts(at.caption)


@pytest.mark.parametrize(
    ("member", "match"),
    [("../evil.json", "outside"), ("/abs/region.json", "outside"), ("a/../../x.json", "outside")],
)
def test_safe_extract_refuses_paths_outside_the_folder(
    tmp_path: Path, member: str, match: str
) -> None:
    from ui.upload import safe_extract

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(member, "{}")
    with pytest.raises(DataFileError, match=match):
        safe_extract(buf.getvalue(), tmp_path / "t")
    assert not (tmp_path / "evil.json").exists()


def test_safe_extract_errors_for_garbage_and_missing_region_json(tmp_path: Path) -> None:
    from ui.upload import MAX_UPLOAD_BYTES, import_zip, safe_extract

    with pytest.raises(DataFileError, match="not a readable zip"):
        safe_extract(b"not a zip", tmp_path / "a")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("x/readme.json", "{}")
    with pytest.raises(DataFileError, match=r"no region\.json"):
        safe_extract(buf.getvalue(), tmp_path / "b")
    with pytest.raises(DataFileError, match="limit"):
        import_zip(b"0" * (MAX_UPLOAD_BYTES + 1), session_dir=tmp_path / "c")


# --- helpers -------------------------------------------------------------------------------


def _broken_copy(src: Path, dest: Path) -> Path:
    """A copy of the region with negative households in two settlements."""
    import shutil

    import geopandas as gpd

    shutil.copytree(src, dest)
    s = gpd.read_parquet(dest / "settlements.parquet")
    s.loc[s.index[:2], "households"] = -5
    s.to_parquet(dest / "settlements.parquet", index=False)
    # re-stamp the hashes as a careless editor's tool would: the table problems must show
    meta = json.loads((dest / "region.json").read_text())
    meta["sha256"]["settlements"] = file_sha256(dest / "settlements.parquet")
    (dest / "region.json").write_text(json.dumps(meta))
    return dest


def _zip_folder(folder: Path, inner: str, *, damage: object = None) -> bytes:
    """``folder`` zipped under ``inner/``; ``damage(name, bytes)`` may change or drop a file."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for f in sorted(folder.iterdir()):
            data: bytes | None = f.read_bytes()
            if callable(damage):
                data = damage(f.name, data)
            if data is not None:
                zf.writestr(f"{inner}/{f.name}", data)
    return buf.getvalue()


def test_saved_portfolio_and_frontier_show_on_the_compare_page(app_env: Path) -> None:
    """The outreach plan (`accessgap plan`): totals, channels in plain words, the frontier."""
    folder = app_env / "out" / "demo" / "portfolio"
    folder.mkdir(parents=True)
    doc = {
        "budget_pkr": 1e8,
        "horizon_years": 5,
        "totals": {"expected_registrations": 4231.4, "pkr_per_registration": 23632.3},
        "channels": {
            "van": {
                "options_available": 252,
                "options_chosen": 115,
                "cost_horizon_pkr": 3642367.5,
                "expected_registrations": 477.5,
                "pkr_per_registration": 7628.1,
            }
        },
        "notes": [],
    }
    (folder / "portfolio.json").write_text(json.dumps(doc))
    (folder / "frontier.csv").write_text(
        "step,budget_pkr,expected_registrations\n1,10000000,2285.6\n2,20000000,3107.3\n"
    )
    at = _goto(_app(), "Compare scenarios")
    assert "The best mix of channels" in _texts(at.markdown)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Expected new registrations"] == "4,231"
    channels = at.dataframe[0].value
    assert channels.loc[0, "Channel"] == "Mobile van halts"
    assert channels.loc[0, "Options chosen"] == "115 of 252"
    assert at.get("vega_lite_chart"), "the frontier chart is missing"
