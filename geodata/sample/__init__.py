"""A deterministic synthetic region: the tool's own sample district.

Everything here is **synthetic** and labelled so in the region's metadata. The generator makes a
plausible district of a few tehsils with a dense, well-connected plain in the east and a sparse
mountainous part in the west, where roads are tracks and some villages have no road at all.
It is reusable with size parameters (:class:`SampleParams`), so the national-scale benchmark
can use it too.

Steps (see ``docs/sample_region.md``):

1. A population density field (plains vs mountains) on a ``width_km x height_km`` rectangle.
2. Union council seeds drawn from the density; their Voronoi cells are the union councils.
   Tehsil, district and province seeds are spread by farthest-point sampling and each unit is
   the union of the cells nearest to its seed, so the hierarchy nests exactly.
3. Settlements drawn from the density (plus clusters around union-council seeds), with
   lognormal household counts scaled to ``households_target``; one headquarters town per
   tehsil.
4. Roads: Delaunay triangulation of settlement road anchors, its minimum spanning tree plus
   short extra links (fewer in the mountains); classes from the household flow along a
   shortest-path tree rooted at the headquarters towns (trunk between headquarters); surfaces
   by class and terrain; each link densified into ~700 m segments with a detour wiggle.
5. One existing registration centre per tehsil headquarters; candidate Union Council sites at
   the largest settlements, spaced apart.

The steps live in :mod:`geodata.sample.geography` (units, settlements, sites),
:mod:`geodata.sample.roads` (step 4) and :mod:`geodata.sample.names`;
:mod:`geodata.sample.registry` attaches synthetic coverage once travel times are known.

Registry coverage and poverty are *not* made here (they depend on travel times, which are
``access``'s job); see ``access.synthetic``.

Examples
--------
>>> region = make_sample_geography(SampleParams(n_settlements=200, n_union_councils=10))
>>> int(region.centres.shape[0])
3
"""

from __future__ import annotations

from geodata.sample.geography import SampleParams, make_sample_geography
from geodata.sample.names import synthetic_name
from geodata.sample.registry import RegistryTruth, add_synthetic_registry

__all__ = [
    "RegistryTruth",
    "SampleParams",
    "add_synthetic_registry",
    "make_sample_geography",
    "synthetic_name",
]
