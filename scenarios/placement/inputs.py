"""Reading and checking the inputs of the placement models: arrays in, problems listed.

Every model reads its cost matrix, weights and fixed sites here and checks its scalars (``p``,
radius, budget, options). Each reader appends a :class:`~geodata.errors.Problem` per fault
instead of raising, so a caller can report every fault at once (:func:`raise_problems`).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from geodata.errors import Problem, SchemaError
from scenarios.placement.options import METHOD_NAMES, MethodName
from scenarios.placement.pairs import CostPairs, sort_rows

__all__ = [
    "METHODS",
    "Method",
    "ModelArrays",
    "ReadArrays",
    "check_p",
    "check_radius",
    "check_solver_options",
    "head",
    "is_int",
    "is_integral",
    "is_real",
    "raise_problems",
    "read_arrays",
    "read_budget",
    "read_cost",
    "read_fixed",
    "read_weights",
]

Method = MethodName
#: The solver choices every model accepts.
METHODS: tuple[str, ...] = METHOD_NAMES


@dataclass(frozen=True)
class ModelArrays:
    """The checked arrays of one model call.

    Parameters
    ----------
    pairs
        Reachable pairs of the cost matrix.
    w
        Demand weight per row.
    fixed
        Fixed columns, sorted.
    """

    pairs: CostPairs
    w: NDArray[np.float64]
    fixed: NDArray[np.int64]


@dataclass(frozen=True)
class ReadArrays:
    """Cost, weights and fixed columns as read, each None when it could not be used.

    Parameters
    ----------
    pairs, w, fixed
        As in :class:`ModelArrays`, or None.
    """

    pairs: CostPairs | None
    w: NDArray[np.float64] | None
    fixed: NDArray[np.int64] | None

    @property
    def n_cols(self) -> int:
        """Number of candidate columns (0 when the cost matrix could not be read)."""
        return 0 if self.pairs is None else self.pairs.n_cols

    def checked(self, problems: list[Problem], source: str) -> ModelArrays:
        """The arrays, once every check of the call has run.

        Raises
        ------
        SchemaError
            Listing every problem, when there is any.
        """
        raise_problems(problems, source)
        if self.pairs is None or self.w is None or self.fixed is None:  # pragma: no cover
            raise SchemaError(problems, source=source)
        return ModelArrays(self.pairs, self.w, self.fixed)


def read_arrays(
    cost: Any, weights: Any, fixed: Any, problems: list[Problem], *, weights_required: bool = True
) -> ReadArrays:
    """Read the cost matrix, the weights and the fixed columns of a model call.

    Parameters
    ----------
    cost
        See :func:`read_cost`.
    weights
        See :func:`read_weights`.
    fixed
        See :func:`read_fixed`.
    problems
        List the faults are appended to.
    weights_required
        False: ``weights=None`` means 1 per row.

    Returns
    -------
    ReadArrays
    """
    pairs = read_cost(cost, problems)
    n, m = (pairs.n_rows, pairs.n_cols) if pairs is not None else (0, 0)
    w = read_weights(weights, n, problems, required=weights_required)
    return ReadArrays(pairs, w, read_fixed(fixed, m, problems))


def read_cost(cost: Any, problems: list[Problem]) -> CostPairs | None:
    """The reachable pairs of a dense or sparse cost matrix, rows sorted by cost.

    Parameters
    ----------
    cost
        Dense array (``inf`` = unreachable) or ``scipy.sparse`` matrix (entries not stored =
        unreachable; a stored 0 is a real cost of 0).
    problems
        List the faults are appended to (shape, NaN, negative, duplicate entries).

    Returns
    -------
    CostPairs or None
        None when the matrix cannot be used.
    """
    read = _sparse_entries(cost, problems) if sp.issparse(cost) else _dense_entries(cost, problems)
    if read is None:
        return None
    n, m, rows, cols, vals = read
    if n == 0 or m == 0:
        problems.append(
            Problem(
                f"cost has shape ({n}, {m}); it needs at least one demand row and one candidate",
                column="cost",
            )
        )
        return None
    if not _values_ok(rows, cols, vals, problems):
        return None
    keep = np.isfinite(vals)
    if not keep.all():
        rows, cols, vals = rows[keep], cols[keep], vals[keep]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    cols, vals = sort_rows(indptr, cols, vals)
    return CostPairs(int(n), int(m), indptr, cols, vals)


def read_weights(
    weights: Any, n: int, problems: list[Problem], *, required: bool
) -> NDArray[np.float64] | None:
    """Demand weights, one finite value ``>= 0`` per row (all 1 when optional and None)."""
    if weights is None and not required:
        return np.ones(n)
    try:
        w = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError):
        problems.append(Problem("weights must be numbers", column="weights"))
        return None
    if w.ndim != 1 or (n and w.size != n):
        problems.append(
            Problem(
                f"weights must be 1-D with one value per demand row ({n}), got shape {w.shape}",
                column="weights",
            )
        )
        return None
    bad = ~np.isfinite(w)
    if bad.any():
        problems.append(
            Problem(
                f"{int(bad.sum())} weight(s) are NaN or infinite, first at row "
                f"{int(np.flatnonzero(bad)[0])}",
                column="weights",
            )
        )
    neg = w < 0
    if neg.any():
        problems.append(
            Problem(
                f"{int(neg.sum())} negative weight(s), first at row "
                f"{int(np.flatnonzero(neg)[0])}; demand is >= 0",
                column="weights",
            )
        )
    return None if bad.any() or neg.any() else w


def read_fixed(fixed: Any, m: int, problems: list[Problem]) -> NDArray[np.int64] | None:
    """Fixed (already open) columns, sorted; distinct integers in ``0..m - 1``."""
    arr = np.asarray(fixed if fixed is not None else (), dtype=object).ravel()
    if arr.size and not all(is_int(v) for v in arr):
        problems.append(Problem("fixed must hold integer candidate column indices", column="fixed"))
        return None
    idx = arr.astype(np.int64)
    out = (idx < 0) | (idx >= m)
    if out.any():
        problems.append(
            Problem(
                f"fixed holds column(s) {idx[out][:10].tolist()} outside 0..{m - 1}", column="fixed"
            )
        )
        return None
    if np.unique(idx).size != idx.size:
        problems.append(Problem("fixed lists a column more than once", column="fixed"))
        return None
    return np.sort(idx)


def check_p(p: Any, m: int, fixed_idx: NDArray[np.int64] | None, problems: list[Problem]) -> None:
    """``p`` is an integer ``>= 0`` and at most the number of candidates that are not fixed."""
    if not is_int(p) or p < 0:
        problems.append(Problem(f"p must be an integer >= 0, got {p!r}", column="p"))
        return
    n_free = m - (0 if fixed_idx is None else fixed_idx.size)
    if m and p > n_free:
        problems.append(
            Problem(
                f"p={p} is larger than the {n_free} candidate(s) that are not "
                "fixed; lower p or add candidates",
                column="p",
            )
        )


def check_radius(radius: Any, problems: list[Problem]) -> None:
    """The coverage radius is a number ``>= 0``."""
    if not is_real(radius) or radius < 0:
        problems.append(Problem(f"radius must be a number >= 0, got {radius!r}", column="radius"))


def check_solver_options(time_limit_s: Any, method: Any, problems: list[Problem]) -> None:
    """The time limit is ``> 0`` or None and the method one of :data:`METHODS`."""
    if time_limit_s is not None and not (is_real(time_limit_s) and time_limit_s > 0):
        problems.append(
            Problem(
                f"time_limit_s must be > 0 or None, got {time_limit_s!r}", column="time_limit_s"
            )
        )
    if method not in METHODS:
        problems.append(
            Problem(f"method must be one of {METHODS}, got {method!r}", column="method")
        )


def read_budget(
    opening_cost: Any, budget: Any, m: int, problems: list[Problem]
) -> NDArray[np.float64] | None:
    """Opening costs (one finite value ``>= 0`` per column) when a budget is given, else None."""
    if opening_cost is None and budget is None:
        return None
    if opening_cost is None or budget is None:
        problems.append(
            Problem("opening_cost and budget go together: pass both or neither", column="budget")
        )
        return None
    if not (is_real(budget) and math.isfinite(budget) and budget >= 0):
        problems.append(
            Problem(f"budget must be a finite number >= 0, got {budget!r}", column="budget")
        )
    try:
        oc = np.asarray(opening_cost, dtype=np.float64)
    except (TypeError, ValueError):
        problems.append(Problem("opening_cost must be numbers", column="opening_cost"))
        return None
    if oc.shape != (m,):
        problems.append(
            Problem(
                f"opening_cost must have one value per candidate ({m}), got shape {oc.shape}",
                column="opening_cost",
            )
        )
        return None
    if not np.all(np.isfinite(oc)) or np.any(oc < 0):
        problems.append(Problem("opening_cost must be finite and >= 0", column="opening_cost"))
        return None
    return oc


def raise_problems(problems: list[Problem], source: str) -> None:
    """Raise every collected problem at once.

    Raises
    ------
    SchemaError
        When ``problems`` is not empty.
    """
    if problems:
        raise SchemaError(problems, source=source)


def is_int(x: Any) -> bool:
    """Whether ``x`` is an integer (not a bool)."""
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def is_real(x: Any) -> bool:
    """Whether ``x`` is a real number (not a bool, not NaN)."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and not math.isnan(float(x))


def is_integral(a: NDArray[np.float64]) -> bool:
    """Whether every value of ``a`` is a whole number small enough to be exact."""
    return bool(np.all(a == np.round(a))) and bool(np.all(np.abs(a) < 2**50))


def head(idx: NDArray[np.int64], k: int = 10) -> str:
    """The first ``k`` indices, comma-separated (for messages)."""
    s = ", ".join(str(int(i)) for i in idx[:k])
    return s + (", ..." if idx.size > k else "")


_Entries = tuple[int, int, NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]


def _sparse_entries(cost: Any, problems: list[Problem]) -> _Entries | None:
    if len(cost.shape) != 2:
        problems.append(Problem("cost must be 2-D (demand rows x candidates)", column="cost"))
        return None
    canonical = cost.format == "csr" and bool(cost.has_canonical_format)
    coo = sp.coo_array(cost)
    n, m = (int(s) for s in coo.shape)
    rows = np.asarray(coo.row, dtype=np.int64)
    cols = np.asarray(coo.col, dtype=np.int64)
    try:
        vals = np.asarray(coo.data, dtype=np.float64)
    except (TypeError, ValueError):
        problems.append(Problem("cost entries must be numbers", column="cost"))
        return None
    if not canonical:  # bring to row-major, column-sorted order and look for duplicates
        order = np.lexsort((cols, rows))
        rows, cols, vals = rows[order], cols[order], vals[order]
        if rows.size > 1 and np.any((rows[1:] == rows[:-1]) & (cols[1:] == cols[:-1])):
            problems.append(
                Problem(
                    "sparse cost stores the same (row, column) more than once; "
                    "call .sum_duplicates() or keep one entry",
                    column="cost",
                )
            )
    return n, m, rows, cols, vals


def _dense_entries(cost: Any, problems: list[Problem]) -> _Entries | None:
    try:
        arr = np.asarray(cost, dtype=np.float64)
    except (TypeError, ValueError):
        problems.append(
            Problem("cost must be a numeric array or scipy.sparse matrix", column="cost")
        )
        return None
    if arr.ndim != 2:
        problems.append(
            Problem(
                f"cost must be 2-D (demand rows x candidates), got shape {arr.shape}",
                column="cost",
            )
        )
        return None
    n, m = arr.shape
    rows, cols = np.nonzero(~np.isposinf(arr))  # row-major, columns ascending
    rows = rows.astype(np.int64)
    cols = cols.astype(np.int64)
    return int(n), int(m), rows, cols, arr[rows, cols]


def _values_ok(
    rows: NDArray[np.int64],
    cols: NDArray[np.int64],
    vals: NDArray[np.float64],
    problems: list[Problem],
) -> bool:
    bad = np.isnan(vals)
    if bad.any():
        problems.append(
            Problem(
                f"{int(bad.sum())} NaN cost(s), first at (row {rows[bad][0]}, column "
                f"{cols[bad][0]}); use inf (dense) or leave the entry out (sparse) for "
                "unreachable pairs",
                column="cost",
            )
        )
    neg = vals < 0
    if neg.any():
        problems.append(
            Problem(
                f"{int(neg.sum())} negative cost(s), first at (row {rows[neg][0]}, column "
                f"{cols[neg][0]}); travel costs are >= 0",
                column="cost",
            )
        )
    return not (bad.any() or neg.any())
