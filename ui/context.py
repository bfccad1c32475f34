"""The region a session is looking at, passed explicitly to every page."""

from __future__ import annotations

from dataclasses import dataclass

from geodata.region import Region

__all__ = ["PENDING_KEY", "REGION_KEY", "UPLOAD_SESSION_KEY", "LoadedRegion"]

#: Session-state key of the sidebar's region choice, and of a switch asked for by a page.
REGION_KEY = "region_path"
PENDING_KEY = "pending_region_path"
#: Session-state key of the session's random upload folder id (``ui.upload.session_dir``).
UPLOAD_SESSION_KEY = "upload_session_id"


@dataclass(frozen=True)
class LoadedRegion:
    """A validated region and its cache key (resolved folder path and fingerprint)."""

    path: str
    fingerprint: str
    region: Region

    @property
    def label(self) -> str:
        """The region's synthetic label, or an empty string for real data."""
        if not self.region.synthetic:
            return ""
        return str(
            self.region.metadata.get("label") or "SYNTHETIC region: no real household is shown"
        )
