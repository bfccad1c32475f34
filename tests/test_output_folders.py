"""Output folders: a run replaces only what the tool wrote itself (issue #15, defect 1)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from geodata.errors import AccessGapError, OutputFolderError
from geodata.files import MARKER_NAME, check_output_folder, output_kind, write_folder_atomically


def _write_one(name: str = "a.txt", text: str = "new"):
    def write(tmp: Path) -> None:
        (tmp / name).write_text(text)

    return write


def test_a_users_folder_is_never_replaced(tmp_path):
    work = tmp_path / "work"
    (work / "sub").mkdir(parents=True)
    (work / "thesis.docx").write_text("years of work")
    with pytest.raises(OutputFolderError, match="not written by accessgap"):
        write_folder_atomically(work, _write_one())
    assert (work / "thesis.docx").read_text() == "years of work"
    assert (work / "sub").is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]  # no leftovers


def test_the_tools_own_folder_is_replaced_and_marked(tmp_path):
    out = tmp_path / "gaps"
    write_folder_atomically(out, _write_one(text="first"), kind="gaps")
    assert output_kind(out) == "gaps"
    files = write_folder_atomically(out, _write_one(text="second"), kind="gaps")
    assert (out / "a.txt").read_text() == "second"
    assert MARKER_NAME not in files  # the marker is ours, not an output the caller lists


def test_another_kind_of_output_is_not_replaced(tmp_path):
    region = tmp_path / "region"
    region.mkdir()
    (region / "region.json").write_text("{}")  # a region of an earlier version: no marker
    assert output_kind(region) == "region"
    with pytest.raises(OutputFolderError, match="holds a region written by accessgap"):
        write_folder_atomically(region, _write_one(), kind="gaps")
    assert (region / "region.json").read_text() == "{}"


def test_an_empty_folder_may_be_used(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    write_folder_atomically(out, _write_one())
    assert (out / "a.txt").is_file()


def test_new_folders_get_ordinary_permissions(tmp_path):
    out = tmp_path / "o"
    write_folder_atomically(out, _write_one())
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~umask


@pytest.mark.parametrize("case", ["file", "dot", "dotdot", "home"])
def test_impossible_targets_are_refused_before_any_work(tmp_path, monkeypatch, case):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keep.txt").write_text("x")
    target = {"file": "keep.txt", "dot": ".", "dotdot": "..", "home": str(Path.home())}[case]
    called = []
    with pytest.raises(OutputFolderError) as err:
        write_folder_atomically(target, lambda tmp: called.append(tmp))
    assert not called  # refused before the write (the computation) ran
    assert isinstance(err.value, AccessGapError)
    assert (tmp_path / "keep.txt").read_text() == "x"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into read-only folders")
def test_read_only_parent_is_refused(tmp_path):
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o500)
    try:
        with pytest.raises(OutputFolderError, match="cannot write here"):
            check_output_folder(parent / "out")
    finally:
        parent.chmod(0o700)


def test_read_only_parent_is_refused_even_for_root(tmp_path, monkeypatch):
    parent = tmp_path / "ro"
    parent.mkdir()
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != parent)
    with pytest.raises(OutputFolderError, match="cannot write here"):
        check_output_folder(parent / "out")


def test_a_symlink_is_not_followed_into_someone_elses_folder(tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "data").write_text("x")
    link = tmp_path / "out"
    link.symlink_to(victim)
    with pytest.raises(OutputFolderError, match="not a folder"):
        write_folder_atomically(link, _write_one())
    assert (victim / "data").read_text() == "x"
