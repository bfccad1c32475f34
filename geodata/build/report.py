"""What :func:`geodata.build.build_region` read, assumed, matched and dropped."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from geodata.build.boundaries import BoundaryFileReport
from geodata.census import CensusMatch
from geodata.joins import JoinReport
from geodata.osm import BoundaryReadReport, RoadReadReport

__all__ = ["BuildReport"]


@dataclass(frozen=True)
class BuildReport:
    """Everything :func:`~geodata.build.build_region` read, assumed, matched and dropped.

    Attributes
    ----------
    roads, boundaries
        Reports of the OSM readers (boundaries: of the user's file when one is given).
    census
        Census matching (``None`` without a census table).
    coverage, poverty
        Join reports (``None`` when not given).
    notes
        Assumptions and warnings in plain words (assumed centres, partial tehsils ...).
    households_census, households_settlements
        Households of the census-matched tehsils, and in the settlements derived from them.
    seconds
        Wall time per step.
    tehsil_shares
        Per census tehsil: its census households, share inside the extract (and how it was
        found) and the households placed (:class:`geodata.build.allocation.TehsilShare`).
    review
        Plain lines of the region review and its geography warnings (what to do included):
        :func:`geodata.region_review.review_region` and
        :func:`geodata.geography.check_geography`.
    """

    roads: RoadReadReport
    boundaries: BoundaryReadReport | BoundaryFileReport
    census: CensusMatch | None = None
    coverage: JoinReport | None = None
    poverty: JoinReport | None = None
    notes: tuple[str, ...] = ()
    households_census: int = 0
    households_settlements: int = 0
    seconds: Mapping[str, float] = field(default_factory=dict)
    tehsil_shares: tuple[Any, ...] = ()
    review: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """Human-readable report (what the CLI prints)."""
        out = [*self.roads.lines(), *self.boundaries.lines()]
        if self.census is not None:
            c = self.census
            out.append(f"census: {len(c.pairs)} tehsils matched")
            out += [f"  spelling match: '{a}' -> '{b}'" for a, b in c.fuzzy.items()]
            out += [f"  tehsil without census row: {n}" for n in c.unmatched_region]
            out += [f"  census tehsil not in the extract: {n}" for n in c.unmatched_census]
            out.append(
                f"  households: census {self.households_census:,}, "
                f"settlements {self.households_settlements:,}"
            )
            out += [
                f"  {t.name}: census {t.census_households:,} households x share inside "
                f"{t.share:.1%} ({t.method}) -> {t.households:,} placed"
                for t in self.tehsil_shares
            ]
        for rep in (self.coverage, self.poverty):
            if rep is not None:
                out += rep.lines()
        out += [f"note: {n}" for n in self.notes]
        out += list(self.review)
        out.append("timing: " + ", ".join(f"{k} {v:.1f} s" for k, v in self.seconds.items()))
        return out
