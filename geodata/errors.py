"""Error classes of the whole tool.

One base class, :class:`AccessGapError`; each specific error also subclasses the
matching built-in so callers that catch ``ValueError`` or ``RuntimeError`` keep working.
Messages say what is wrong, where (file, row, column) and what to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from geodata.identifiers import redact

__all__ = [
    "AccessGapError",
    "CRSError",
    "DataFileError",
    "InfeasibleError",
    "OutputFolderError",
    "Problem",
    "SchemaError",
    "UnreachableError",
]


class AccessGapError(Exception):
    """Base class of every error the tool raises on purpose.

    Its text never shows a CNIC or phone number, whatever value a message quotes.
    """

    def __str__(self) -> str:
        """The message, with personal identifiers blanked."""
        return redact(super().__str__())


@dataclass(frozen=True)
class Problem:
    """One problem found while validating a table.

    Parameters
    ----------
    message
        What is wrong and what to do about it.
    source
        File name or table name the problem is in.
    row
        Row label (index value or id) where the problem is, if it is row-specific.
    column
        Column the problem is in, if any.
    """

    message: str
    source: str = ""
    row: object | None = None
    column: str | None = None

    def __post_init__(self) -> None:
        """Blank personal identifiers in the message and a text row label."""
        object.__setattr__(self, "message", redact(self.message))
        if isinstance(self.row, str):
            object.__setattr__(self, "row", redact(self.row))

    def __str__(self) -> str:
        """``source, row R, column 'C': message`` (the parts known)."""
        where = []
        if self.source:
            where.append(self.source)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class SchemaError(AccessGapError, ValueError):
    """A table does not meet its data contract.

    Carries every problem found (``problems``), not only the first one.
    """

    def __init__(self, problems: Sequence[Problem] | str, *, source: str = "") -> None:
        if isinstance(problems, str):
            problems = [Problem(problems, source=source)]
        self.problems: tuple[Problem, ...] = tuple(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} found"
        if source:
            head += f" in {source}"
        lines = [head + ":"] + [f"  - {p}" for p in self.problems[:50]]
        if n > 50:
            lines.append(f"  ... and {n - 50} more")
        super().__init__("\n".join(lines))


class CRSError(AccessGapError, ValueError):
    """A layer has a missing, geographic (where metres are needed) or mismatched CRS."""


class DataFileError(AccessGapError, OSError):
    """A file is missing, empty, unreadable or of a format the tool does not read."""


class UnreachableError(AccessGapError, RuntimeError):
    """A point cannot reach any destination over the road network."""


class InfeasibleError(AccessGapError, RuntimeError):
    """An optimisation or plan has no feasible solution under the given limits."""


class OutputFolderError(AccessGapError, OSError):
    """An output folder that may not be written: a user's folder, a file, or no permission."""
