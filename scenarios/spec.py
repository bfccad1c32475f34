"""Scenario files: a what-if for a region, written in YAML and validated before anything runs.

A scenario names a region (a folder relative to the scenario file, or ``sample`` for the
generated sample region) and says what changes: travel mode and season, closed roads, centres
added or closed, new Union Council centres to place, a van campaign, and the costs to count.
The format, with an annotated example, is in ``docs/scenarios.md``.

Rules enforced by :func:`load_scenario`:

- unknown keys are errors, with the key's path and a close match
  (``placement.new_centers: unknown key (did you mean new_centres?)``);
- ``extends: base.yaml`` deep-merges the scenario over a base scenario (mappings merge key by
  key, anything else, lists included, is replaced; ``null`` removes a section); cycles are
  errors;
- every path (``region``, ``extends``, ``closures.file``, ``travel.speeds``) is relative to
  the file that names it and must stay inside that file's folder once resolved (symlinks
  included);
- a referenced file that does not exist is a :class:`~geodata.errors.DataFileError`; every
  other problem is collected and raised once as a :class:`~geodata.errors.SchemaError`.

Examples
--------
>>> scenario = load_scenario("scenarios/examples/ten_uc_centres.yaml")  # doctest: +SKIP
>>> scenario.spec.placement.new_centres  # doctest: +SKIP
10
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    model_validator,
)

from access.speeds import Mode, Season
from geodata.errors import DataFileError, Problem, SchemaError
from scenarios.placement.options import (
    DEFAULT_TIME_LIMIT_S,
    DemandName,
    ModelName,
    PlacementOptions,
)
from scenarios.portfolio.settings import PortfolioSettings
from scenarios.spec_field import ReviewsSpec, SweepsSpec
from scenarios.spec_vans import VansSpec

__all__ = [
    "SAMPLE",
    "CentresSpec",
    "ClosuresSpec",
    "CostsSpec",
    "NewCentre",
    "PlacementSpec",
    "Scenario",
    "ScenarioSpec",
    "TravelSpec",
    "VansSpec",
    "load_scenario",
    "scenario_from_dict",
]

#: ``region: sample`` means the generated sample region.
SAMPLE = "sample"

#: The costing defaults (horizon, discounting, running costs): one place, the portfolio's.
_COSTING = PortfolioSettings()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TravelSpec(_Strict):
    """How people travel.

    ``mode`` (walk, motorbike, car), ``season`` (dry, monsoon), an optional speed profile
    file (CSV or YAML, see :func:`access.speeds.load_speed_profile`) and ``offroad``: walk
    over the region's off-road surface (``true``; the region must have one), roads only
    (``false``), or as the region says (unset; ``docs/travel_model.md``).
    """

    mode: Mode = "motorbike"
    season: Season = "dry"
    speeds: str | None = None
    offroad: bool | None = None


class ClosuresSpec(_Strict):
    """Closed roads.

    A ``file`` of polygons (GeoJSON/GPKG: every road touching one is closed) or of edges (CSV
    with ``u, v`` node ids), and/or ``edges`` given inline as ``[u, v]``.
    """

    file: str | None = None
    edges: tuple[tuple[int, int], ...] = ()


class NewCentre(_Strict):
    """A new centre at given coordinates (EPSG:4326)."""

    id: str = Field(min_length=1)
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    name: str | None = None
    setup_cost_pkr: float | None = Field(default=None, ge=0)


def _centre_tag(v: Any) -> str:
    return "candidate" if isinstance(v, str) else "point"


CentreRef = Annotated[
    Annotated[str, Tag("candidate")] | Annotated[NewCentre, Tag("point")],
    Discriminator(_centre_tag),
]


class CentresSpec(_Strict):
    """Centres opened (``add``: candidate ids or points) and closed (``close``: centre ids)."""

    add: tuple[CentreRef, ...] = ()
    close: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> CentresSpec:
        ids = [a if isinstance(a, str) else a.id for a in self.add]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"add: centre id(s) {', '.join(dup)} given more than once")
        both = sorted(set(ids) & set(self.close))
        if both:
            raise ValueError(f"centre id(s) {', '.join(both)} are both added and closed")
        return self


_PLACE = PlacementOptions()


class PlacementSpec(_Strict):
    """New Union Council centres chosen among the region's candidates.

    Run by :func:`scenarios.placement.place_centres`; the defaults are those of
    :class:`~scenarios.placement.PlacementOptions`.
    """

    model: ModelName = _PLACE.model
    new_centres: int = Field(default=_PLACE.new_centres, ge=1, le=10_000)
    within_min: float = Field(default=_PLACE.within_min, gt=0, le=24 * 60)
    budget_pkr: float | None = Field(default=_PLACE.budget_pkr, gt=0)
    demand: DemandName = _PLACE.demand
    share: float = Field(default=_PLACE.share, gt=0, le=1)
    time_limit_s: float = Field(default=DEFAULT_TIME_LIMIT_S, gt=0)

    def options(self, mode: str) -> PlacementOptions:
        """The placement job of this section, travelling by ``mode`` (the scenario's mode)."""
        return PlacementOptions(
            model=self.model,
            new_centres=self.new_centres,
            within_min=self.within_min,
            mode=mode,
            demand=self.demand,
            budget_pkr=self.budget_pkr,
            share=self.share,
            time_limit_s=self.time_limit_s,
        )


class CostsSpec(_Strict):
    """Costs in PKR (defaults are planning assumptions, documented in ``docs/scenarios.md``).

    ``centre_setup_pkr``: one-off cost of a new centre; ``None`` uses each candidate site's
    ``opening_cost_pkr`` and PKR 3,000,000 for a centre given by coordinates.
    ``centre_yearly_pkr``: running cost of a centre per year (a closed centre saves it).
    ``van_per_day_pkr``: one van working one day (hire, fuel, crew allowances).
    Defaults, as ``horizon_years`` and ``discount_rate``, are :class:`PortfolioSettings`'.
    """

    centre_setup_pkr: float | None = Field(default=None, ge=0)
    centre_yearly_pkr: float = Field(default=_COSTING.centre_yearly_pkr, ge=0)
    van_per_day_pkr: float = Field(default=_COSTING.van_per_day_pkr, ge=0)


class ScenarioSpec(_Strict):
    """One scenario, as written in the file (after ``extends`` is merged)."""

    name: str | None = None
    description: str = ""
    region: str | None = None
    extends: str | None = None
    travel: TravelSpec = TravelSpec()
    closures: ClosuresSpec = ClosuresSpec()
    centres: CentresSpec = CentresSpec()
    placement: PlacementSpec | None = None
    vans: VansSpec | None = None
    reviews: ReviewsSpec | None = None
    sweeps: SweepsSpec | None = None
    costs: CostsSpec = CostsSpec()
    horizon_years: int = Field(default=_COSTING.horizon_years, ge=1, le=50)
    discount_rate: float = Field(default=_COSTING.discount_rate, ge=0, le=1)


@dataclass(frozen=True)
class Scenario:
    """A validated scenario with every path resolved.

    Attributes
    ----------
    spec
        The merged, validated specification (paths in it are as written).
    name
        ``spec.name`` or the file's stem.
    source
        The scenario file (``None`` when built from a dict).
    region_path
        Region folder, or ``None`` for the sample region.
    closures_file, speeds_file
        Resolved files, or ``None``.
    files
        Every scenario file read, the scenario first, then its bases.
    """

    spec: ScenarioSpec
    name: str
    source: Path | None
    region_path: Path | None
    closures_file: Path | None
    speeds_file: Path | None
    files: tuple[Path, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The merged specification as plain data (for ``scenario.json`` next to results)."""
        doc = self.spec.model_dump(mode="json", exclude={"extends"})
        doc["name"] = self.name
        return doc


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read, merge (``extends``) and validate a scenario file.

    Parameters
    ----------
    path
        The YAML file.

    Returns
    -------
    Scenario

    Raises
    ------
    DataFileError
        When the file, a base it extends, the region folder, the closures file or the speed
        file is missing or not readable YAML.
    SchemaError
        For unknown keys, wrong values, paths escaping the scenario's folder and ``extends``
        cycles; every problem of a file is listed in one error.

    Examples
    --------
    >>> s = load_scenario("scenarios/examples/monsoon_flood.yaml")  # doctest: +SKIP
    >>> s.spec.travel.season, s.closures_file.name  # doctest: +SKIP
    ('monsoon', 'flood_closures.geojson')
    """
    p = Path(path)
    merged, files = _read_chain(p.resolve() if p.exists() else p, ())
    spec = _validate(merged, source=str(p))
    return _resolve(spec, merged, files, source=p)


def scenario_from_dict(
    doc: Mapping[str, Any], *, base_dir: str | os.PathLike[str] = "."
) -> Scenario:
    """Validate a scenario given as a mapping; paths are relative to ``base_dir``.

    Raises
    ------
    DataFileError, SchemaError
        As :func:`load_scenario`.
    """
    base = Path(base_dir).resolve()
    raw = _absolutise(dict(doc), base, source="scenario")
    if raw.get("extends"):
        merged, files = _read_chain(Path(raw["extends"]), ())
        merged.pop("name", None)
        raw = _deep_merge(merged, {k: v for k, v in raw.items() if k != "extends"})
    else:
        files = ()
    spec = _validate(raw, source="scenario")
    return _resolve(spec, raw, files, source=None)


# ---------------------------------------------------------------------------------------


_PATH_KEYS: tuple[tuple[str, ...], ...] = (
    ("region",),
    ("extends",),
    ("closures", "file"),
    ("travel", "speeds"),
)


#: The longest ``extends`` chain (file -> base -> base's base ...) a scenario may have.
MAX_EXTENDS = 20
#: The deepest nesting of lists and mappings a scenario file may have.
MAX_DEPTH = 20
#: The largest scenario file read, in bytes.
MAX_FILE_BYTES = 1_000_000


def _read_chain(path: Path, seen: tuple[Path, ...]) -> tuple[dict[str, Any], tuple[Path, ...]]:
    """The file's mapping with every base merged under it, and the files read."""
    if len(seen) >= MAX_EXTENDS:
        raise SchemaError(
            [
                Problem(
                    f"extends: a chain of more than {MAX_EXTENDS} files ({seen[0].name} -> ... "
                    f"-> {path.name}); merge some of the bases into one file"
                )
            ],
            source=str(seen[0]),
        )
    if path in seen:
        chain = " -> ".join(p.name for p in (*seen, path))
        raise SchemaError(
            [Problem(f"extends: cycle {chain}; a scenario cannot extend itself, directly or not")],
            source=str(seen[0]),
        )
    raw = _read_yaml(path)
    # validate this file alone first, so a problem names the file it is in
    _validate(raw, source=str(path))
    raw = _absolutise(raw, path.parent.resolve(), source=str(path))
    files = (*seen, path)
    base = raw.pop("extends", None)
    if base is None:
        return raw, files
    merged, files = _read_chain(Path(base), files)
    merged.pop("name", None)  # a scenario is named by itself or its file, never by its base
    return _deep_merge(merged, raw), files


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise DataFileError(f"{path}: scenario file not found")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise DataFileError(
            f"{path}: {path.stat().st_size:,} bytes; a scenario file is at most "
            f"{MAX_FILE_BYTES:,} bytes (put large data such as closures in a GeoJSON file)"
        )
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise DataFileError(f"{path}: cannot be read as YAML ({err})") from err
    except RecursionError as err:
        raise DataFileError(
            f"{path}: nested too deeply to read (at most {MAX_DEPTH} levels)"
        ) from err
    depth = _depth(doc)
    if depth > MAX_DEPTH:
        raise SchemaError(
            f"nested more than {MAX_DEPTH} levels deep; a scenario has at most {MAX_DEPTH} levels "
            "of lists and mappings",
            source=str(path),
        )
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise SchemaError(
            f"expected a mapping of scenario keys at the top level, got {type(doc).__name__}",
            source=str(path),
        )
    return doc


def _depth(doc: Any) -> int:
    """Nesting depth of lists and mappings in ``doc`` (iterative: no recursion limit)."""
    deepest, stack = 0, [(doc, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, level)
            if level > MAX_DEPTH:
                break
            items = node.values() if isinstance(node, dict) else node
            stack.extend((child, level + 1) for child in items)
    return deepest


def _absolutise(raw: dict[str, Any], base: Path, *, source: str) -> dict[str, Any]:
    """Resolve path values against ``base``; refuse those that leave it."""
    out = dict(raw)
    problems = []
    for keys in _PATH_KEYS:
        parent: Any = out
        for k in keys[:-1]:
            parent = parent.get(k) if isinstance(parent, dict) else None
        if not isinstance(parent, dict):
            continue
        value = parent.get(keys[-1])
        if not isinstance(value, str) or (keys == ("region",) and value == SAMPLE):
            continue
        target = (base / value).resolve()
        if not target.is_relative_to(base):
            problems.append(
                Problem(
                    f"{'.'.join(keys)}: '{value}' points outside the scenario's folder {base}; "
                    "keep the files a scenario uses in its folder (or below it)"
                )
            )
            continue
        if len(keys) > 1:
            parent = dict(parent)
            parent[keys[-1]] = str(target)
            out[keys[0]] = parent
        else:
            out[keys[0]] = str(target)
    if problems:
        raise SchemaError(problems, source=source)
    return out


def _deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = v
    return out


def _validate(raw: Mapping[str, Any], *, source: str) -> ScenarioSpec:
    try:
        return ScenarioSpec.model_validate(raw)
    except ValidationError as exc:
        raise SchemaError([_problem(e) for e in exc.errors()], source=source) from None


def _problem(err: Mapping[str, Any]) -> Problem:
    loc = [x for x in err["loc"] if x not in ("candidate", "point")]
    where = "".join(f"[{x}]" if isinstance(x, int) else f".{x}" for x in loc).lstrip(".")
    where = where or "(top level)"
    if err["type"] == "extra_forbidden":
        known = _known_keys(loc[:-1])
        hint = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        msg = "unknown key" + (f" (did you mean {hint[0]}?)" if hint else "")
        if not hint and known:
            msg += f"; known keys here: {', '.join(known)}"
        return Problem(f"{where}: {msg}")
    msg = str(err["msg"]).removeprefix("Value error, ").replace("Input should be", "must be")
    if err["type"] not in ("missing",) and "input" in err:
        shown = err["input"]
        if not isinstance(shown, Mapping | list) and repr(shown) not in msg:
            msg += f" (got {shown!r})"
    return Problem(f"{where}: {msg}")


def _known_keys(loc: list[Any]) -> list[str]:
    """Field names of the model found at ``loc`` (list indices skipped)."""
    model: type[BaseModel] = ScenarioSpec
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return []
        nested = _model_in(field.annotation)
        if nested is None:
            return []
        model = nested
    return list(model.model_fields)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _resolve(
    spec: ScenarioSpec, raw: Mapping[str, Any], files: tuple[Path, ...], *, source: Path | None
) -> Scenario:
    where = str(source) if source else "scenario"
    problems = []
    if spec.region is None:
        problems.append(
            Problem(
                f"region: missing; write `region: {SAMPLE}` for the sample region or a "
                "region folder relative to the scenario file"
            )
        )
    # every missing file is named in one round, not one per run
    missing = []
    region_path = None if spec.region in (None, SAMPLE) else Path(str(spec.region))
    if region_path is not None and not (region_path / "region.json").is_file():
        missing.append(
            f"region {region_path} is not a region folder (no region.json there); "
            f"write `region: {SAMPLE}` for the sample region, or build one with "
            "`accessgap sample --out DIR` or `accessgap region build`"
        )
    closures = Path(spec.closures.file) if spec.closures.file else None
    if closures is not None and not closures.is_file():
        missing.append(f"closures.file {closures} not found")
    speeds = Path(spec.travel.speeds) if spec.travel.speeds else None
    if speeds is not None and not speeds.is_file():
        missing.append(f"travel.speeds {speeds} not found")
    if problems:
        raise SchemaError([*problems, *map(Problem, missing)], source=where)
    if missing:
        raise DataFileError(f"{where}: " + "; ".join(missing))
    name = spec.name or (source.stem if source else "scenario")
    return Scenario(spec, name, source, region_path, closures, speeds, files)
