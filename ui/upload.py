"""Your data page: the open region's summary, and the upload of a zipped region.

Regions on the server are not opened here: the operator offers them in the sidebar
(``$ACCESSGAP_REGIONS``, see :func:`ui.data.allowed_regions`). An upload is unpacked
into a scratch folder inside the session's own upload folder
(``regions/uploads/<session id>/``, or ``$ACCESSGAP_UPLOADS``), validated with
:func:`geodata.load_region`, and only when valid written with
:func:`geodata.region.save_region`; the scratch folder is always removed. Archives are
capped in size and member count, and no member may land outside the scratch folder
(absolute paths, ``..`` and links are refused). The saved region is offered in the
sidebar of this session only.
"""

from __future__ import annotations

import json
import re
import shutil
import stat
import struct
import tempfile
import uuid
import zipfile
import zlib
from io import BytesIO
from pathlib import Path, PurePosixPath

import pandas as pd
import streamlit as st

from geodata.errors import AccessGapError, DataFileError, Problem, SchemaError
from ui import data
from ui.context import PENDING_KEY, UPLOAD_SESSION_KEY, LoadedRegion
from ui.errors import show_error

__all__ = [
    "FACT_LABELS",
    "MAX_MEMBERS",
    "MAX_UNPACKED_BYTES",
    "MAX_UPLOAD_BYTES",
    "import_zip",
    "region_facts",
    "render",
    "safe_extract",
    "session_dir",
    "session_uploads",
    "upload_error",
]

#: Session-state key of the upload just opened (archive name, region name), for the message.
UPLOADED_KEY = "uploaded_region"

MAX_UPLOAD_BYTES = 100 * 1024 * 1024
MAX_UNPACKED_BYTES = 400 * 1024 * 1024
MAX_MEMBERS = 200
_REGION_SUFFIXES = (".json", ".parquet", ".tif", ".tiff", ".csv")  # csv: land-cover speeds


def render(loaded: LoadedRegion | None) -> None:
    """Draw the Your data page."""
    st.header("Your data")
    if loaded is not None:
        from geodata.region import summarize

        st.markdown(f"Current region: **{loaded.region.name}**")
        st.dataframe(region_facts(summarize(loaded.region)), hide_index=True)
    st.markdown(
        "A region is one folder: `region.json` plus GeoParquet tables (roads, settlements, "
        "centres, candidates, boundaries; optional coverage and poverty). See "
        "`docs/data_contracts.md` for every column."
    )
    st.subheader("Upload a zipped region folder")
    st.caption(
        f"Up to {MAX_UPLOAD_BYTES // 2**20} MB. Your upload is kept in a folder of its own "
        "that other users do not see; it is saved only when every table is valid."
    )
    done = st.session_state.pop(UPLOADED_KEY, None)
    if done:
        st.success(
            f"'{done[0]}' is valid and open: **{done[1]}**. It is chosen in the sidebar "
            "(listed as your upload); every page now shows it.",
            icon="✅",
        )
    upload = st.file_uploader("Region (.zip)", type=["zip"], key="region_zip")
    if upload is not None and st.button("Check and open the upload", type="primary"):
        try:
            with st.status(f"Checking '{upload.name}'...", expanded=False) as status:
                status.write("Unpacking the archive, then checking every table and column")
                try:
                    saved = import_zip(
                        upload.getvalue(), session_dir=session_dir(), archive_name=upload.name
                    )
                except AccessGapError:
                    status.update(label=f"'{upload.name}' is not a valid region", state="error")
                    raise
                status.update(label="Valid", state="complete")
        except AccessGapError as err:
            show_error(err, what=f"'{upload.name}' was not opened")
        else:
            _switch_to(saved, upload.name)
    st.subheader("Regions on the server")
    st.markdown(
        "The sidebar offers the regions this server's operator made available and the "
        "regions you uploaded in this session. Other folders on the server cannot be opened "
        "from the app; ask the operator to offer a region that is too large to upload."
    )


#: The region's headline facts in words (keys of :func:`geodata.region.summarize`).
FACT_LABELS: dict[str, str] = {
    "name": "Name",
    "synthetic": "Synthetic data",
    "settlements": "Settlements",
    "households": "Households",
    "population": "Population",
    "road_nodes": "Road junctions",
    "road_edges": "Road segments",
    "existing_centres": "Registration centres",
    "candidate_sites": "Candidate sites for new centres",
    "coverage_known": "Registry coverage known",
    "n_province": "Provinces",
    "n_district": "Districts",
    "n_tehsil": "Tehsils",
    "n_union_council": "Union councils",
    "registered_households": "Households on the registry",
    "coverage_share": "Households on the registry (%)",
}


def region_facts(summary: dict[str, object]) -> pd.DataFrame:
    """The summary as a two-column table for people: labels, separators, yes/no, %.

    >>> region_facts({"road_nodes": 7350, "coverage_share": 0.8401, "synthetic": True}).values
    array([['Road junctions', '7,350'],
           ['Households on the registry (%)', '84.0%'],
           ['Synthetic data', 'yes']], dtype=object)
    """
    rows = []
    for key, value in summary.items():
        if isinstance(value, bool):
            text = "yes" if value else "no"
        elif key == "coverage_share" and isinstance(value, int | float):
            text = f"{100 * value:.1f}%"
        elif isinstance(value, int | float):
            text = f"{value:,}"
        else:
            text = "" if value is None else str(value)
        rows.append((FACT_LABELS.get(key, key.replace("_", " ").capitalize()), text))
    return pd.DataFrame(rows, columns=["Figure", "Value"])


def session_dir() -> Path:
    """The session's own upload folder (created on first use)."""
    sid = st.session_state.get(UPLOAD_SESSION_KEY)
    path = data.session_uploads_dir(sid)
    if path is None:  # no id yet (or not one the app drew): draw a new one
        sid = uuid.uuid4().hex
        st.session_state[UPLOAD_SESSION_KEY] = sid
        path = data.upload_root() / sid
    path.mkdir(parents=True, exist_ok=True)
    return path


def session_uploads() -> Path | None:
    """The session's upload folder if it has one (not created here), else None."""
    return data.session_uploads_dir(st.session_state.get(UPLOAD_SESSION_KEY))


def import_zip(payload: bytes, *, session_dir: Path, archive_name: str = "the upload") -> Path:
    """Unpack, validate and save a zipped region into ``session_dir``; return its folder.

    Error messages speak of the files inside the archive (``sample/centres.parquet``), never
    of the server's scratch folder, and say what to do in terms a person
    with the zip can act on (:func:`upload_error`).

    Raises
    ------
    DataFileError
        Not a zip, too large, unsafe member paths, no or several ``region.json``, a table
        that cannot be read.
    SchemaError
        A table breaks its contract (every problem listed); nothing is saved.
    """
    from geodata import load_region
    from geodata.region import save_region

    if len(payload) > MAX_UPLOAD_BYTES:
        raise DataFileError(
            f"the upload is {len(payload) / 2**20:.0f} MB, over the {MAX_UPLOAD_BYTES // 2**20} MB "
            "limit; upload a smaller region or ask the operator to offer it from the server"
        )
    session_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".incoming-", dir=session_dir))
    try:
        folder = safe_extract(payload, scratch)
        region = load_region(folder)
        slug = re.sub(r"[^a-z0-9]+", "-", region.name.lower()).strip("-")[:40] or "region"
        return save_region(region, session_dir / slug)
    except AccessGapError as err:
        raise upload_error(err, scratch=scratch, archive_name=archive_name) from err
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def upload_error(err: AccessGapError, *, scratch: Path, archive_name: str) -> AccessGapError:
    """``err`` told in terms of the uploaded archive: no server path, no raw reader text.

    Paths inside ``scratch`` become the member's path in the archive; the Parquet reader's
    own words become "cannot be read as a Parquet table"; the checksum error's command-line
    hint becomes what a person with the zip can do. A :class:`SchemaError` keeps its
    problems, each rewritten the same way.

    Examples
    --------
    >>> e = DataFileError("/srv/up/.incoming-x/r/settlements.parquet: cannot be read as "
    ...                   "Parquet (Parquet magic bytes not found in footer. Either...); the "
    ...                   "file is damaged, rebuild the region or copy it again")
    >>> text = str(upload_error(e, scratch=Path("/srv/up/.incoming-x"), archive_name="r.zip"))
    >>> text.startswith("r/settlements.parquet: cannot be read as a Parquet table")
    True
    >>> "/srv/up" in text or "magic bytes" in text
    False
    """
    if isinstance(err, SchemaError):
        problems = [
            Problem(
                _plain(p.message, scratch, archive_name),
                source=_plain(p.source, scratch, archive_name) if p.source else archive_name,
                row=p.row,
                column=p.column,
            )
            for p in err.problems
        ]
        return SchemaError(problems)
    return type(err)(_plain(str(err), scratch, archive_name))


def safe_extract(payload: bytes, target: Path) -> Path:
    """Extract the region files of a zip into ``target``; return the folder of region.json.

    Raises
    ------
    DataFileError
        When the archive is unreadable, too big, has unsafe paths or not exactly one
        ``region.json``.
    """
    try:
        return _extract(payload, target.resolve())
    except AccessGapError:
        raise
    except OSError as err:  # member names that cannot be files here (too long, a/ and a)
        raise DataFileError(
            f"the archive cannot be unpacked ({err.strerror or err}); zip the region folder "
            "again, with plain file names"
        ) from err
    except _ZIP_ERRORS as err:
        raise DataFileError(
            f"the upload is not a readable zip archive ({type(err).__name__}: {err}); "
            "zip the region folder again"
        ) from err


#: What zipfile raises on broken archives: bad headers/CRCs, bad deflate streams, seeks
#: before the start, unsupported compression or encryption, truncated members.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    UnicodeDecodeError,
    struct.error,
)


def _extract(payload: bytes, root: Path) -> Path:
    zf = zipfile.ZipFile(BytesIO(payload))
    with zf:
        members = [m for m in zf.infolist() if not m.is_dir()]
        if len(members) > MAX_MEMBERS:
            raise DataFileError(
                f"the archive holds {len(members)} files (limit {MAX_MEMBERS}); zip only the "
                "region folder"
            )
        declared = sum(max(m.file_size, 0) for m in members)
        if declared > MAX_UNPACKED_BYTES:
            raise DataFileError(
                f"the archive unpacks to {declared / 2**20:.0f} MB, over the "
                f"{MAX_UNPACKED_BYTES // 2**20} MB limit; upload a smaller region"
            )
        total = 0
        for m in members:
            parts = PurePosixPath(m.filename.replace("\\", "/")).parts
            if parts and parts[0] == "__MACOSX":
                continue
            if (
                m.filename.startswith(("/", "\\"))
                or ".." in parts
                or (parts and ":" in parts[0])
                or stat.S_ISLNK(m.external_attr >> 16)
            ):
                raise DataFileError(
                    f"archive member '{m.filename}' would land outside the upload folder "
                    "(absolute path, '..' or a link); zip the region folder itself"
                )
            if not m.filename.lower().endswith(_REGION_SUFFIXES):
                continue
            dest = root.joinpath(*parts).resolve()
            if not dest.is_relative_to(root):
                raise DataFileError(f"archive member '{m.filename}' is outside the upload folder")
            dest.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(m) as src, dest.open("wb") as out:
                while chunk := src.read(1 << 20):
                    total += len(chunk)
                    if total > MAX_UNPACKED_BYTES:
                        raise DataFileError(
                            f"the archive unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MB; "
                            "upload a smaller region"
                        )
                    out.write(chunk)
    found = sorted(root.rglob("region.json"))
    if not found:
        raise DataFileError(
            "the archive holds no region.json; zip a region folder written by "
            "`accessgap sample` or `accessgap region build`"
        )
    if len(found) > 1:
        raise DataFileError(
            f"the archive holds {len(found)} region.json files; upload one region at a time"
        )
    return found[0].parent


def _switch_to(path: Path, archive_name: str) -> None:
    """Open the saved upload in the sidebar; the success message shows after the rerun."""
    st.session_state[PENDING_KEY] = str(path)
    st.session_state[UPLOADED_KEY] = (archive_name, _region_name(path))
    st.rerun()


def _region_name(folder: Path) -> str:
    try:
        doc = json.loads((folder / "region.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return folder.name
    name = doc.get("name") if isinstance(doc, dict) else None
    return str(name) if isinstance(name, str) and name.strip() else folder.name


#: What the readers say about a damaged table -> what a person with the zip reads.
_UNREADABLE = re.compile(
    r"cannot be read as (?:\(Geo\))?Parquet \(.*?\); the file is damaged, rebuild "
    r"the region or copy it again",
    re.S,
)
_STAMP = re.compile(
    r"If you edited the region on purpose, re-stamp it with `[^`]*`; otherwise "
    r"copy the region again",
    re.S,
)


def _plain(text: str, scratch: Path, archive_name: str) -> str:
    """A message with the scratch folder's paths made archive paths, reader text made plain."""
    out = text
    for root in {str(scratch), str(scratch.resolve())}:
        out = re.sub(re.escape(root) + r"[/\\]?", "", out)
    if out.startswith(("/", "\\")):
        out = out.lstrip("/\\")
    out = _UNREADABLE.sub(
        "cannot be read as a Parquet table (the file is damaged or is not Parquet); export it "
        "again, zip the region folder again and upload it",
        out,
    )
    out = _STAMP.sub(
        "If you edited it on purpose, rebuild (or re-stamp) the region where it was made and "
        "zip it again; otherwise zip the original region folder again",
        out,
    )
    out = out.replace(
        "the region package is incomplete",
        "the archive does not hold it; add "
        "it to the region folder, zip the folder again and upload it",
    )
    return out
