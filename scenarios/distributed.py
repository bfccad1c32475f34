"""Run travel-time and placement work on a Dask cluster (``dask.distributed``).

Three kinds of work, each a plain function of plain arrays sent to workers as is:

* nearest-centre times, one task per partition (:mod:`access.partition`); each partition's
  halo subgraph is scattered once to one worker and the task runs where its data lives;
* candidate coverage matrices, one task per chunk of candidate columns; the reversed graph
  and the seed arrays are scattered once to every worker (``broadcast=True``);
* scenario sweeps: many :func:`scenarios.placement.max_coverage` runs (``p`` in 1..K,
  several thresholds) on one cost matrix, scattered once.

The cluster is a :class:`distributed.LocalCluster` (two single-threaded worker processes by
default) or an existing scheduler given by its address (``tcp://host:8786``); the workers
must be able to import ``accessgap`` (same environment). Without a client every function runs
serially in this process and returns the same arrays.

Examples
--------
>>> with dask_client(n_workers=2) as client:  # doctest: +SKIP
...     times = nearest_centre_dask(region, client=client, mode="walk", limit_min=240)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix

from access.partition import (
    Halo,
    MapFn,
    assemble_coverage,
    coverage_chunk,
    coverage_chunks,
    nearest_centre_partitioned,
    prepare_coverage,
)
from access.speeds import TravelSettings
from geodata.errors import AccessGapError
from geodata.region import Region
from scenarios import placement as pl

__all__ = [
    "Scenario",
    "SweepResult",
    "coverage_matrix_dask",
    "dask_client",
    "dask_map",
    "nearest_centre_dask",
    "sweep_max_coverage",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scenario:
    """One placement what-if: open ``p`` new sites, coverage within ``within_min``."""

    p: int
    within_min: float


@dataclass(frozen=True, eq=False)
class SweepResult:
    """A scenario and the solver's result for it."""

    scenario: Scenario
    result: pl.PlacementResult


@contextmanager
def dask_client(
    scheduler: str | None = None,
    *,
    n_workers: int = 2,
    threads_per_worker: int = 1,
    processes: bool = True,
    memory_limit: str | float | None = "auto",
) -> Iterator[Any]:
    """A ``distributed.Client``: to ``scheduler`` if given, else on a new local cluster.

    Parameters
    ----------
    scheduler
        Address of a running scheduler (``"tcp://10.0.0.5:8786"``); ``None`` starts a
        :class:`distributed.LocalCluster` for the duration of the ``with`` block.
    n_workers, threads_per_worker, processes, memory_limit
        Local cluster shape (ignored with ``scheduler``). ``processes=False`` runs the
        workers as threads of this process (quick to start; used by tests).

    Raises
    ------
    AccessGapError
        When ``dask.distributed`` is not installed.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError as err:  # pragma: no cover - dask is a dependency
        raise AccessGapError(
            "dask.distributed is not installed; pip install 'dask[distributed]'"
        ) from err
    if scheduler is not None:
        client = Client(scheduler)  # type: ignore[no-untyped-call]
        try:
            yield client
        finally:
            client.close()  # type: ignore[no-untyped-call]
        return
    cluster = LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=n_workers,
        threads_per_worker=threads_per_worker,
        processes=processes,
        dashboard_address=None,
        memory_limit=memory_limit,
    )
    client = Client(cluster)  # type: ignore[no-untyped-call]
    try:
        yield client
    finally:
        client.close()  # type: ignore[no-untyped-call]
        cluster.close()


def dask_map(client: Any) -> MapFn:
    """A ``map_fn`` for :func:`access.partition.nearest_centre_partitioned` on ``client``.

    Each item is scattered once (to one worker, not hashed), the function runs where its
    item lives, and results are yielded as they complete (their futures then released).
    """
    from distributed import as_completed

    def run(fn: Callable[[Any], Any], items: Sequence[Any]) -> Iterable[Any]:
        if not items:
            return []
        data = client.scatter(list(items), hash=False)
        futures = client.map(fn, data, pure=False)
        del data

        def results() -> Iterator[Any]:
            for fut in as_completed(futures):  # type: ignore[no-untyped-call]
                yield fut.result()
                fut.release()

        return results()

    return run


def nearest_centre_dask(
    region: Region,
    *,
    client: Any | None,
    limit_min: float,
    by: str = "province",
    halo: Halo = "network",
    settings: TravelSettings | None = None,
    mode: str | None = None,
    centres: gpd.GeoDataFrame | str = "centres",
    dtype: type[np.floating[Any]] = np.float32,
) -> pd.DataFrame:
    """:func:`access.partition.nearest_centre_partitioned` with one Dask task per partition.

    ``client=None`` runs the partitions serially here; the answer is the same.
    """
    return nearest_centre_partitioned(
        region,
        limit_min=limit_min,
        by=by,
        halo=halo,
        settings=settings,
        mode=mode,
        centres=centres,
        map_fn=None if client is None else dask_map(client),
        dtype=dtype,
    )


def coverage_matrix_dask(
    region: Region,
    *,
    client: Any | None,
    sites: gpd.GeoDataFrame | str = "candidates",
    cutoff_min: float = 120.0,
    settings: TravelSettings | None = None,
    mode: str | None = None,
    n_chunks: int | None = None,
    timings: dict[str, float] | None = None,
) -> csr_matrix:
    """:func:`access.engine.coverage_matrix` computed in chunks of site columns.

    The reversed graph and seeds are scattered once to every worker; each task runs the
    bounded searches of one chunk (single-threaded: the workers are the parallelism).
    ``client=None`` runs the chunks here. The matrix equals ``coverage_matrix``'s.
    ``timings``, when given, receives the seconds of each step (``prepare`` in this process,
    ``scatter``, ``search`` on the workers, ``assemble``).
    """
    clock = _Clock(timings)
    inputs = prepare_coverage(
        region, sites=sites, cutoff_min=cutoff_min, settings=settings, mode=mode
    )
    clock.lap("prepare")
    if client is None:
        chunks = coverage_chunks(inputs, n_chunks or 1)
        parts = [
            coverage_chunk(
                inputs.reverse,
                inputs.sources,
                inputs.targets,
                c,
                limit_s=inputs.limit_s,
                n_threads=None,
                core=inputs.core,
            )
            for c in chunks
        ]
        clock.lap("search")
        out = assemble_coverage(inputs, parts)
        clock.lap("assemble")
        return out
    n_workers = max(1, len(client.scheduler_info().get("workers", {})))
    chunks = coverage_chunks(inputs, n_chunks or 4 * n_workers)
    graph_f, src_f, tgt_f, core_f = client.scatter(
        [inputs.reverse, inputs.sources, inputs.targets, inputs.core], broadcast=True, hash=False
    )
    clock.lap("scatter")
    futures = client.map(
        _chunk_task,
        chunks,
        graph=graph_f,
        sources=src_f,
        targets=tgt_f,
        core=core_f,
        limit_s=inputs.limit_s,
        pure=False,
    )
    parts = client.gather(futures)
    del futures, graph_f, src_f, tgt_f, core_f
    clock.lap("search")
    out = assemble_coverage(inputs, parts)
    clock.lap("assemble")
    return out


def sweep_max_coverage(
    cost: Any,
    weights: np.ndarray,
    scenarios: Sequence[Scenario],
    *,
    client: Any | None = None,
    fixed: Sequence[int] | np.ndarray = (),
    method: pl.Method = "heuristic",
    time_limit_s: float | None = None,
    seed: int = 0,
) -> list[SweepResult]:
    """Solve one MCLP per scenario on the same cost matrix, in parallel on ``client``.

    The matrix and weights are scattered once to every worker. With ``time_limit_s=None``
    and the heuristic, each result is deterministic, so serial and Dask runs agree.

    Returns
    -------
    list of SweepResult
        In the order of ``scenarios``.

    Raises
    ------
    SchemaError
        From :func:`scenarios.placement.max_coverage` (bad ``p``, radius, matrix).
    """
    kw = {"fixed": np.asarray(fixed), "method": method, "time_limit_s": time_limit_s, "seed": seed}
    if client is None:
        return [
            SweepResult(s, pl.max_coverage(cost, weights, s.within_min, s.p, **kw))  # type: ignore[arg-type]
            for s in scenarios
        ]
    cost_f, w_f = client.scatter([cost, np.asarray(weights)], broadcast=True, hash=False)
    futures = client.map(_sweep_task, list(scenarios), cost=cost_f, weights=w_f, pure=False, **kw)
    results = client.gather(futures)
    return [SweepResult(s, r) for s, r in zip(scenarios, results, strict=True)]


# ---------------------------------------------------------------------------------------


class _Clock:
    """Seconds between laps, written into ``out`` (nothing when ``out`` is ``None``)."""

    def __init__(self, out: dict[str, float] | None) -> None:
        self.out = out
        self.t = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        if self.out is not None:
            self.out[name] = self.out.get(name, 0.0) + now - self.t
        self.t = now


def _chunk_task(
    columns: np.ndarray, *, graph: Any, sources: Any, targets: Any, core: Any, limit_s: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return coverage_chunk(graph, sources, targets, columns, limit_s=limit_s, n_threads=1, core=core)


def _sweep_task(scenario: Scenario, *, cost: Any, weights: np.ndarray, **kw: Any) -> Any:
    return pl.max_coverage(cost, weights, scenario.within_min, scenario.p, **kw)
