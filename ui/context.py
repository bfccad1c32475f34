"""The region a session is looking at, passed explicitly to every page."""

from __future__ import annotations

from dataclasses import dataclass

from geodata.region import Region

__all__ = ["PENDING_KEY", "REGION_KEY", "LoadedRegion"]

#: Session-state key of the region folder field, and of a switch asked for by a page.
REGION_KEY = "region_path"
PENDING_KEY = "pending_region_path"


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
