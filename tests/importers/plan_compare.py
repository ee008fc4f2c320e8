"""Both ways of working out a plan (importers.plan_clean.FAST and the reference), compared in full.

``plan_state`` is everything a plan says, as a string that tells 1, 1.0 and True apart: the file-level
fields, warnings and skipped rows, and every column of the row store (rows, statuses, values, firms,
codes, issues with row, column, message, level and code, changes, designations, raw cells).
``both_ways`` is installed for every importer test by tests/importers/conftest.py: each plan a test
builds is built again the reference way and must be the same.
"""
from __future__ import annotations

import dataclasses

from importers import plan_clean, planner
from importers.errors import InputError
from importers.plan import Cancelled


def plan_state(plan) -> str:
    # the server's snapshot at the preview moves with any transaction of the server in between (not the plan's)
    head = {f.name: getattr(plan, f.name) for f in dataclasses.fields(plan)
            if f.name not in ("store", "audit_snapshot")}
    return repr((head, sorted(vars(plan.store).items())))


def reference_plan(pl: planner.Planner):
    """The plan *pl*'s arguments give the reference way (no progress, no cancel)."""
    again = planner.Planner(pl.ledger, pl.path, kind=pl.kind_arg, stage=pl.stage_arg, on_date=pl.on_date,
                            sheet=pl.sheet, overrides=pl.overrides, header_row=pl.header_row_arg, progress=None,
                            cancel=None, today=pl.today)      # the same day, even across midnight
    saved = plan_clean.FAST
    plan_clean.FAST = False
    try:
        return RUN(again)
    finally:
        plan_clean.FAST = saved


RUN = planner.Planner.run


def both_ways(self):
    """``Planner.run`` that also builds the reference plan and requires it to be the same."""
    if not plan_clean.FAST:
        return RUN(self)
    try:
        plan = RUN(self)
    except Cancelled:
        raise
    except InputError as exc:
        try:
            reference_plan(self)
        except InputError as ref:
            assert str(ref) == str(exc), "参考路径与快速路径拒绝文件的理由不同"
        else:
            raise AssertionError(f"快速路径拒绝了文件（{exc}），参考路径没有") from exc
        raise
    assert plan_state(reference_plan(self)) == plan_state(plan), "快速路径的计划与参考路径不同"
    return plan
