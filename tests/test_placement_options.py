"""One set of placement defaults: the CLI, the app and the scenario spec all take
``PlacementOptions``'s."""

from __future__ import annotations

import typer.main

from scenarios.placement import PlacementOptions
from scenarios.spec import PlacementSpec


def test_cli_place_defaults_are_placement_options_defaults() -> None:
    from cli import app

    defaults = PlacementOptions()
    command = typer.main.get_command(app)
    place = command.commands["place"]  # type: ignore[attr-defined]
    flags = {p.name: p.default for p in place.params}
    assert flags["time_limit"] == defaults.time_limit_s
    assert flags["new"] == defaults.new_centres
    assert flags["within"] == defaults.within_min
    assert flags["model"] == defaults.model
    assert flags["mode"] == defaults.mode
    assert flags["demand"] == defaults.demand
    assert flags["share"] == defaults.share
    assert flags["budget"] == defaults.budget_pkr
    assert flags["capacity_days"] == defaults.capacity_days


def test_app_place_page_starts_from_placement_options_defaults() -> None:
    from ui import place

    assert PlacementOptions() == place.DEFAULTS
    assert int(place.DEFAULTS.within_min) in place.WITHIN_CHOICES
    assert place.DEFAULTS.mode in place.MODES


def test_scenario_spec_placement_defaults_are_placement_options_defaults() -> None:
    defaults = PlacementOptions()
    assert PlacementSpec().options(defaults.mode) == defaults
    assert PlacementSpec(new_centres=3).options("car") == PlacementOptions(
        new_centres=3, mode="car"
    )


def test_the_defaults_chosen() -> None:
    # docs/placement.md explains these choices
    d = PlacementOptions()
    assert (d.model, d.new_centres, d.within_min, d.mode) == ("mclp", 10, 60.0, "motorbike")
    assert (d.time_limit_s, d.share, d.method) == (60.0, 1.0, "auto")
    assert d.budget_pkr is None and d.capacity_days is None
