"""Lazy public names of a package (PEP 562): heavy modules load on first use.

A package lists which of its modules holds each public name and gets the module-level
``__getattr__`` and ``__dir__`` from :func:`lazy_exports`, so ``from scenarios.routing import
VanOptions`` does not import PyVRP.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str,
    homes: Mapping[str, str],
    namespace: MutableMapping[str, Any],
    public: Iterable[str],
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package`` for the names in ``homes``.

    Parameters
    ----------
    package
        The package's ``__name__``.
    homes
        Public name -> the submodule (relative name) that defines it.
    namespace
        The package's ``globals()``: a loaded name is kept there, so it loads once.
    public
        The package's ``__all__``.

    Returns
    -------
    tuple
        ``(__getattr__, __dir__)`` to assign at module level.

    Examples
    --------
    >>> ns: dict[str, Any] = {}
    >>> get, names = lazy_exports("json", {"JSONEncoder": "encoder"}, ns, ["JSONEncoder"])
    >>> get("JSONEncoder") is ns["JSONEncoder"], names()
    (True, ['JSONEncoder'])
    """
    names = tuple(public)

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{home}"), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(names))

    return __getattr__, __dir__
