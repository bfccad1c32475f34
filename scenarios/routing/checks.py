"""Input checks shared by the routing array cores: whole-number arrays and search limits.

Each check appends :class:`~geodata.errors.Problem` entries to a list, so a core can report
every problem of its input at once in a single :class:`~geodata.errors.SchemaError`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from geodata.errors import Problem, SchemaError

__all__ = [
    "check_day_breaks",
    "check_hours",
    "check_search_limits",
    "int_array",
    "is_int",
]


def int_array(
    value: ArrayLike, name: str, problems: list[Problem], *, ndim: int
) -> NDArray[np.int64]:
    """Whole, finite, non-negative numbers as an ``int64`` array.

    Parameters
    ----------
    value
        The array as given by the caller.
    name
        Argument name used in the problem messages.
    problems
        List the problems found are appended to.
    ndim
        Required number of dimensions.

    Returns
    -------
    numpy.ndarray
        The values rounded to ``int64``; an empty array of ``ndim`` dimensions when the
        value is not numeric, has the wrong dimensions or holds non-finite values.
    """
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        problems.append(Problem(f"{name} must be numeric", source=name))
        return np.zeros((0,) * ndim, dtype=np.int64)
    if arr.ndim != ndim:
        problems.append(Problem(f"{name} must be {ndim}-dimensional, got shape {arr.shape}"))
        return np.zeros((0,) * ndim, dtype=np.int64)
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0].tolist()
        problems.append(Problem(f"{name} has non-finite values (first at {bad})"))
        return np.zeros((0,) * ndim, dtype=np.int64)
    if np.any(arr != np.round(arr)):
        bad = np.argwhere(arr != np.round(arr))[0].tolist()
        problems.append(
            Problem(
                f"{name} must hold whole numbers (first fractional value at {bad}); "
                "scale and round before calling"
            )
        )
    if np.any(arr < 0):
        bad = np.argwhere(arr < 0)[0].tolist()
        problems.append(Problem(f"{name} must be non-negative (first negative value at {bad})"))
    return np.round(arr).astype(np.int64)


def is_int(value: object) -> bool:
    """Whether ``value`` is a Python or numpy integer (``bool`` excluded)."""
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def check_search_limits(
    time_limit_s: float | None, max_iterations: int | None, problems: list[Problem]
) -> None:
    """Append a problem for a time limit that is not positive or a bad iteration limit."""
    if time_limit_s is not None and not time_limit_s > 0:
        problems.append(Problem(f"time_limit_s must be > 0, got {time_limit_s!r}"))
    if max_iterations is not None and (not is_int(max_iterations) or max_iterations < 1):
        problems.append(Problem(f"max_iterations must be a positive integer, {max_iterations!r}"))


def check_hours(
    day_start_min: int,
    day_end_min: int,
    breaks: Sequence[tuple[int, int]],
    problems: list[Problem],
) -> tuple[tuple[int, int], ...]:
    """Sorted breaks; problems with the hours or breaks appended to ``problems``."""
    if not 0 <= day_start_min < day_end_min <= 24 * 60:
        problems.append(
            Problem(f"working hours must satisfy 0 <= {day_start_min} < {day_end_min} <= 1440")
        )
    brk = tuple(sorted((int(s), int(e)) for s, e in breaks))
    for s, e in brk:
        if not day_start_min <= s < e <= day_end_min:
            problems.append(Problem(f"break ({s}, {e}) must lie inside working hours, start<end"))
    for (_, e1), (s2, _) in itertools.pairwise(brk):
        if s2 < e1:
            problems.append(Problem(f"breaks overlap: {brk}"))
    return brk


def check_day_breaks(
    day_breaks: Sequence[Sequence[tuple[int, int]]] | None,
    days: int,
    day_start_min: int,
    day_end_min: int,
    default: tuple[tuple[int, int], ...],
) -> list[tuple[tuple[int, int], ...]]:
    """Breaks of each day, checked (``default`` on every day when ``day_breaks`` is None).

    Raises
    ------
    SchemaError
        When there is not one entry per day, or a break is outside the hours or overlaps.
    """
    if day_breaks is None:
        return [default] * days
    problems: list[Problem] = []
    if len(day_breaks) != days:
        problems.append(
            Problem(f"day_breaks must have one entry per day ({days}), got {len(day_breaks)}")
        )
    out = [check_hours(day_start_min, day_end_min, b, problems) for b in day_breaks]
    if problems:
        raise SchemaError(problems, source="plan_campaign input")
    return out
