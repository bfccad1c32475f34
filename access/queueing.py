"""Waiting at a registration centre: the Erlang C queue (M/M/c), per centre-day.

A centre with ``c`` desks, each completing ``mu`` registrations an hour, receives ``lambda``
visits an hour (Poisson arrivals, exponential service, first come first served). With offered
load ``a = lambda / mu`` and utilisation ``rho = a / c < 1``::

    B(c, a)  = Poisson(c; a) / P(Poisson(a) <= c)          (Erlang B, via scipy.stats.poisson)
    C(c, a)  = c B / (c - a (1 - B))                        (probability of waiting, Erlang C)
    Wq       = C(c, a) / (c mu - lambda)                    (mean wait in the queue, hours)

Erlang B through the Poisson distribution is numerically stable for any number of desks
(no factorials). The queue is a steady-state model of one working day: a centre whose demand
reaches its capacity (``rho >= 1``) has no steady state; its waiting is reported at the
utilisation cap (``max_utilisation``) and it is flagged *saturated* (see ``docs/gaps.md``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import poisson

__all__ = ["erlang_c", "mean_wait_h"]


def erlang_c(servers: ArrayLike, offered_load: ArrayLike) -> np.ndarray:
    """Probability that an arriving visitor has to wait (Erlang C), elementwise.

    Parameters
    ----------
    servers
        Desks working in parallel (``c >= 1``).
    offered_load
        ``a = lambda / mu`` in Erlangs (``>= 0``).

    Returns
    -------
    numpy.ndarray
        ``C(c, a)`` in ``[0, 1]``; 1 where ``a >= c`` (the queue grows without bound).

    Raises
    ------
    ValueError
        When a server count is below 1 or a load is negative or NaN.

    Examples
    --------
    Two desks, one Erlang: ``C = (a^2/2! * 2/(2-1)) / (1 + 1 + 1) = 1/3``.

    >>> float(erlang_c(2, 1.0).round(12))
    0.333333333333
    """
    c = np.asarray(servers, dtype=float)
    a = np.asarray(offered_load, dtype=float)
    if np.any(~(c >= 1)) or np.any(~(a >= 0)):
        raise ValueError("erlang_c needs servers >= 1 and offered_load >= 0 (no NaN)")
    c, a = np.broadcast_arrays(c, a)
    out = np.ones(c.shape)
    ok = a < c
    b = poisson.pmf(c[ok], a[ok]) / poisson.cdf(c[ok], a[ok])
    out[ok] = c[ok] * b / (c[ok] - a[ok] * (1.0 - b))
    return out


def mean_wait_h(
    arrivals_per_h: ArrayLike,
    servers: ArrayLike,
    service_per_h: ArrayLike,
    *,
    max_utilisation: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean wait in the queue (hours) of an M/M/c centre, and whether it is saturated.

    Parameters
    ----------
    arrivals_per_h
        Visits per opening hour (``lambda``).
    servers
        Desks (``c``).
    service_per_h
        Registrations one desk completes per hour (``mu > 0``).
    max_utilisation
        Utilisation at which the steady-state formula is evaluated when demand reaches it
        (``rho`` is capped here; such centres are *saturated*).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``Wq`` in hours and a boolean array, true where ``rho >= max_utilisation``.

    Raises
    ------
    ValueError
        When ``service_per_h`` is not positive, ``max_utilisation`` is outside ``(0, 1)`` or
        an input is invalid (see :func:`erlang_c`).

    Examples
    --------
    One visit an hour at two desks serving one an hour each: ``Wq = (1/3) / (2 - 1)`` h.

    >>> wq, full = mean_wait_h(1.0, 2, 1.0)
    >>> round(float(wq) * 60, 6), bool(full)
    (20.0, False)
    """
    if not 0 < max_utilisation < 1:
        raise ValueError("max_utilisation must be in (0, 1)")
    mu = np.asarray(service_per_h, dtype=float)
    if np.any(~(mu > 0)):
        raise ValueError("service_per_h must be > 0")
    c = np.asarray(servers, dtype=float)
    lam = np.asarray(arrivals_per_h, dtype=float)
    if np.any(~(lam >= 0)):
        raise ValueError("arrivals_per_h must be >= 0 (no NaN)")
    saturated = lam >= max_utilisation * c * mu
    lam_eff = np.minimum(lam, max_utilisation * c * mu)
    wq = erlang_c(c, lam_eff / mu) / (c * mu - lam_eff)
    return np.asarray(wq, dtype=float), np.asarray(saturated)
