"""The ``accessgap`` command line: thin wrappers, one library call per command.

The commands live in modules by job: :mod:`cli.region_cmds` (sample, region build / check /
stamp), :mod:`cli.travel_cmds` (travel-times, gaps), :mod:`cli.plan_cmds` (place, vans, plan),
:mod:`cli.field_cmds` (reviews, sweeps) and :mod:`cli.scenario_cmds` (run, compare, national,
demo). Importing this package registers them on :data:`cli.common.app`, in that order (the
order of ``accessgap --help``).
"""

from __future__ import annotations

import importlib

from cli.common import app, main

__all__ = ["COMMAND_MODULES", "app", "main"]

#: The command modules, in the order their commands are listed.
COMMAND_MODULES = ("region_cmds", "travel_cmds", "plan_cmds", "field_cmds", "scenario_cmds")

for _module in COMMAND_MODULES:
    importlib.import_module(f"cli.{_module}")
