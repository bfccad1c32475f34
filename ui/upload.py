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

from geodata.errors import AccessGapError, DataFileError
from ui import data
from ui.context import PENDING_KEY, UPLOAD_SESSION_KEY, LoadedRegion
from ui.errors import show_error

__all__ = [
    "MAX_MEMBERS",
    "MAX_UNPACKED_BYTES",
    "MAX_UPLOAD_BYTES",
    "import_zip",
    "render",
    "safe_extract",
    "session_dir",
    "session_uploads",
]

MAX_UPLOAD_BYTES = 100 * 1024 * 1024
MAX_UNPACKED_BYTES = 400 * 1024 * 1024
MAX_MEMBERS = 200
_REGION_SUFFIXES = (".json", ".parquet", ".tif", ".tiff", ".csv")  # csv: land-cover speeds


def render(loaded: LoadedRegion | None) -> None:
    """Draw the Your data page."""
    st.header("Your data")
    if loaded is not None:
        from geodata.region import summarize

        st.markdown(f"Current region: **{loaded.region.name}** (`{loaded.path}`)")
        summary = summarize(loaded.region)
        st.dataframe(
            pd.DataFrame({"figure": list(summary), "value": [str(v) for v in summary.values()]}),
            hide_index=True,
        )
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
    upload = st.file_uploader("Region (.zip)", type=["zip"], key="region_zip")
    if upload is not None and st.button("Check and open the upload", type="primary"):
        try:
            with st.spinner("Unpacking and validating..."):
                saved = import_zip(upload.getvalue(), session_dir=session_dir())
        except AccessGapError as err:
            show_error(err, what=f"'{upload.name}' was not opened")
        else:
            _switch_to(saved)
    st.subheader("Regions on the server")
    st.markdown(
        "The sidebar offers the regions this server's operator made available "
        f"(`{data.REGIONS_ENV}`, see `docs/app.md`) and the regions you uploaded in this "
        "session. Other folders on the server cannot be opened from the app."
    )


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


def import_zip(payload: bytes, *, session_dir: Path) -> Path:
    """Unpack, validate and save a zipped region into ``session_dir``; return its folder.

    Raises
    ------
    DataFileError
        Not a zip, too large, unsafe member paths, no or several ``region.json``.
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
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


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


def _switch_to(path: Path) -> None:
    st.session_state[PENDING_KEY] = str(path)
    st.success(f"Opened {path}.")
    st.rerun()
