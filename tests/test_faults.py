"""Faults: runs killed mid-write, leftovers of killed runs, a corrupt graph cache, two users.

- ``save_region`` and ``accessgap gaps`` run in a subprocess that is SIGKILLed at random
  times: the previous results stay intact and readable, and the next run recovers (restores a
  moved-aside folder, removes ``.NAME.tmp-*`` / ``.NAME.old-*`` leftovers);
- a compiled-graph cache file with changed bytes is detected (zip CRC or content hash) and
  rebuilt, giving the same answer;
- two app sessions get their own upload folders and never see each other's uploads.
"""

from __future__ import annotations

import io
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from geodata.files import MARKER_NAME, recover_folder, write_folder_atomically

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
ACCESSGAP = Path(PY).with_name("accessgap")
if str(ROOT) not in sys.path:  # ui/ is not an installed package
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="module")
def region_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from test_fuzz_readers import tiny_region  # 40 settlements with coverage and poverty

    from geodata.region import save_region

    return save_region(tiny_region(), tmp_path_factory.mktemp("faults") / "region")


def _leftovers(target: Path) -> list[str]:
    return sorted(p.name for p in target.parent.iterdir() if p.name.startswith(f".{target.name}."))


def _start(code: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [PY, "-c", textwrap.dedent(code)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # "ready" once imports and set-up are done
    assert line.strip() == "ready", proc.stderr.read() if proc.stderr else line
    return proc


def _kill(proc: subprocess.Popen[str] | subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)  # reaps it and closes its pipes


def test_save_region_killed_mid_write_keeps_a_readable_region(
    region_dir: Path, tmp_path: Path
) -> None:
    from geodata.region import load_region, save_region

    target = tmp_path / "saved"
    save_region(load_region(region_dir), target)
    rng = random.Random(7)
    names = set()
    for _ in range(4):
        proc = _start(
            f"""
            import itertools
            from geodata.region import load_region, save_region
            r = load_region({str(region_dir)!r})
            print("ready", flush=True)
            for i in itertools.count():
                save_region(r.with_(name=f"version {{i}}"), {str(target)!r})
            """
        )
        time.sleep(rng.uniform(0.05, 1.5))
        _kill(proc)
        region = load_region(target)  # recovers a moved-aside folder if the kill hit the swap
        names.add(region.name)
        assert len(region.settlements) == 40
    assert any(n.startswith("version") for n in names)
    save_region(load_region(target), target)  # the next run cleans what the kills left
    assert _leftovers(target) == []


def test_gaps_cli_killed_mid_run_keeps_previous_results(region_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "gaps"
    cmd = [str(ACCESSGAP), "gaps", str(region_dir), "--out", str(out)]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT, timeout=300)
    full_s = time.perf_counter() - t0
    reference = {p.name: p.read_bytes() for p in out.iterdir() if p.suffix in (".csv", ".json")}
    files = sorted(p.name for p in out.iterdir())
    rng = random.Random(3)
    for _ in range(1):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        time.sleep(rng.uniform(0.6, 1.0) * full_s)
        _kill(proc)
        recover_folder(out)
        assert sorted(p.name for p in out.iterdir()) == files
        for name, body in reference.items():
            assert (out / name).read_bytes() == body, name
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT, timeout=300)
    assert _leftovers(out) == []
    assert json.loads((out / "gaps_summary.json").read_text()) == json.loads(
        reference["gaps_summary.json"]
    )


def test_gap_writes_killed_in_a_loop(region_dir: Path, tmp_path: Path) -> None:
    """Kills that land inside write_gap_outputs (the loop spends its time writing)."""
    out = tmp_path / "gaps"
    rng = random.Random(11)
    for _ in range(2):
        proc = _start(
            f"""
            import itertools
            from access.analysis import gap_analysis
            from access.gap_outputs import write_gap_outputs
            from geodata.region import load_region
            r = load_region({str(region_dir)!r})
            result = gap_analysis(r)
            write_gap_outputs(result, {str(out)!r}, boundaries=r.boundaries)
            print("ready", flush=True)
            for i in itertools.count():
                write_gap_outputs(result, {str(out)!r}, boundaries=r.boundaries)
            """
        )
        time.sleep(rng.uniform(0.05, 1.0))
        _kill(proc)
        recover_folder(out)
        summary = json.loads((out / "gaps_summary.json").read_text())
        assert summary["settlements"] == 40
        assert (out / "settlements.gpkg").stat().st_size > 0


def test_leftovers_of_dead_runs_are_restored_or_removed(tmp_path: Path) -> None:
    target = tmp_path / "out"
    dead = 2**22 + 12345  # above the usual pid_max: no such process
    old = tmp_path / f".out.old-{dead}"
    old.mkdir()
    (old / "a.txt").write_text("previous")
    (old / MARKER_NAME).write_text('{"tool": "accessgap", "kind": "output"}')
    tmp = tmp_path / f".out.tmp-{dead}-x1"
    tmp.mkdir()
    alive = tmp_path / f".out.tmp-{os.getppid()}-x2"  # a write in progress elsewhere
    alive.mkdir()
    recover_folder(target)
    assert (target / "a.txt").read_text() == "previous"  # the moved-aside folder came back
    assert not tmp.exists() and alive.exists()
    tmp.mkdir()
    write_folder_atomically(target, lambda d: (d / "b.txt").write_text("new"))
    assert sorted(p.name for p in target.iterdir()) == sorted(["b.txt", MARKER_NAME])
    assert _leftovers(target) == [alive.name]


def test_failed_write_keeps_the_old_folder(tmp_path: Path) -> None:
    target = tmp_path / "out"
    write_folder_atomically(target, lambda d: (d / "a.txt").write_text("one"))

    def boom(d: Path) -> None:
        (d / "a.txt").write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_folder_atomically(target, boom)
    assert (target / "a.txt").read_text() == "one" and _leftovers(target) == []


# --------------------------------------------------------------------------------------
# compiled-graph cache


@pytest.mark.parametrize("damage", ["flip", "truncate", "swap_array"])
def test_corrupt_graph_cache_is_rebuilt(region_dir: Path, tmp_path: Path, damage: str) -> None:
    from access.engine import nearest_centre
    from access.graph import clear_memory_cache, compile_graph
    from access.speeds import TravelSettings
    from geodata.region import load_region

    region = load_region(region_dir)
    settings = TravelSettings(mode="walk", cache_dir=tmp_path)
    clear_memory_cache()
    first = compile_graph(region, settings=settings)
    answer = nearest_centre(region, settings=settings)
    (path,) = tmp_path.glob("graph-*.npz")
    blob = bytearray(path.read_bytes())
    if damage == "flip":
        rng = np.random.default_rng(1)
        for i in rng.integers(64, len(blob) - 64, 8):
            blob[i] ^= 0x5A
        path.write_bytes(bytes(blob))
    elif damage == "truncate":
        path.write_bytes(bytes(blob[: len(blob) // 2]))
    else:  # a well-formed file whose content changed: only the content hash can tell
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        name = "weight_s" if "weight_s" in arrays else sorted(arrays)[-1]
        arrays[name] = arrays[name] * 0.5
        with path.open("wb") as fh:
            np.savez(fh, **arrays)
    clear_memory_cache()
    again = compile_graph(region, settings=settings)
    assert again is not first
    for f in ("indptr", "indices", "weight_s", "length_m"):
        np.testing.assert_array_equal(getattr(again, f), getattr(first, f))
    clear_memory_cache()
    assert nearest_centre(region, settings=settings).equals(answer)
    with np.load(path, allow_pickle=False) as z:  # the bad file was replaced
        np.testing.assert_array_equal(z["weight_s"], first.weight_s)


# --------------------------------------------------------------------------------------
# two users at once


def _zip_region(folder: Path, name: str) -> bytes:
    from geodata.region import load_region, save_region

    region = load_region(folder).with_(name=name)
    tmp = folder.parent / f"zip-{name}"
    save_region(region, tmp)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for f in sorted(tmp.iterdir()):
            zf.write(f, f"{name}/{f.name}")
    return buf.getvalue()


def test_two_sessions_keep_their_uploads_apart(region_dir: Path, tmp_path: Path) -> None:
    from ui.upload import import_zip

    uploads = tmp_path / "uploads"
    a, b = uploads / "sessionA", uploads / "sessionB"
    payload_a = _zip_region(region_dir, "Alpha")
    payload_b = _zip_region(region_dir, "Beta")
    saved: dict[str, Path] = {}
    errors: list[BaseException] = []

    def upload(key: str, payload: bytes, folder: Path) -> None:
        try:
            saved[key] = import_zip(payload, session_dir=folder)
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [
        threading.Thread(target=upload, args=("a", payload_a, a)),
        threading.Thread(target=upload, args=("b", payload_b, b)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert saved["a"].is_relative_to(a) and saved["b"].is_relative_to(b)
    assert [p.name for p in a.iterdir()] == ["alpha"]
    assert [p.name for p in b.iterdir()] == ["beta"]
    # the same region name uploaded by both users: still two folders, one per session
    upload("a2", payload_b, a)
    assert not errors and saved["a2"] == a / "beta" and (b / "beta").is_dir()


def test_two_app_sessions_get_different_upload_folders(tmp_path: Path) -> None:
    from streamlit.testing.v1 import AppTest

    def script() -> None:
        import streamlit as st

        from ui.upload import session_dir

        st.write(str(session_dir()))

    old = os.environ.get("ACCESSGAP_UPLOADS")
    os.environ["ACCESSGAP_UPLOADS"] = str(tmp_path / "uploads")
    try:
        runs = [AppTest.from_function(script).run(timeout=60) for _ in range(2)]
    finally:
        if old is None:
            os.environ.pop("ACCESSGAP_UPLOADS", None)
        else:
            os.environ["ACCESSGAP_UPLOADS"] = old
    folders = [Path(r.markdown[0].value) for r in runs]
    assert folders[0] != folders[1]
    assert all(f.parent == tmp_path / "uploads" and f.is_dir() for f in folders)
