"""The sample region with synthetic registry coverage driven by real engine travel times.

:func:`geodata.sample.make_sample_geography` makes the geography; this module computes each
settlement's motorbike travel time to its nearest centre with the travel-time engine and
draws synthetic coverage and poverty from it (:func:`geodata.sample.add_synthetic_registry`),
so the exclusion gradient the gap analysis recovers is defined on the same travel times it
measures.
"""

from __future__ import annotations

from geodata.region import Region
from geodata.sample import (
    RegistryTruth,
    SampleParams,
    add_synthetic_registry,
    make_sample_geography,
)

__all__ = ["SAMPLE_LOW_AWARENESS_UNITS", "TRUTH_MODE", "build_sample_region"]

#: Union councils of the shipped sample (``accessgap sample``, the demo, ``make app``)
#: generated with low awareness of how to register, so the awareness analysis has something
#: real to find (#17). The library default stays 0: tests build plain districts.
SAMPLE_LOW_AWARENESS_UNITS = 3

#: The mode whose travel times drive synthetic exclusion.
TRUTH_MODE = "motorbike"


def build_sample_region(
    params: SampleParams | None = None, *, low_awareness_units: int = 0
) -> tuple[Region, RegistryTruth]:
    """Build the synthetic sample region with coverage and poverty.

    Parameters
    ----------
    params
        Generator parameters; defaults give the sample district.
    low_awareness_units
        Union councils near a centre generated with low awareness of how to register (a
        logit shift that is not distance; listed in the truth). 0, the default, gives the
        sample district's long-standing coverage.

    Returns
    -------
    (Region, RegistryTruth)
        The region (all figures synthetic, labelled in ``metadata``) and the true
        coefficients of the exclusion model used to draw coverage.

    Examples
    --------
    >>> region, truth = build_sample_region(SampleParams(n_settlements=150, n_union_councils=8))
    >>> region.coverage_known
    True
    """
    from access.engine import nearest_centre

    p = params or SampleParams()
    geo = make_sample_geography(p)
    times = nearest_centre(geo, mode=TRUTH_MODE)
    return add_synthetic_registry(
        geo, times["travel_min"].to_numpy(), seed=p.seed, low_awareness_units=low_awareness_units
    )
