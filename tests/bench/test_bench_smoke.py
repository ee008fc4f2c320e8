"""The benchmark's code path, once, on 300 firms: so `make bench` cannot rot. No timed assertions."""
from __future__ import annotations

import json
import math
from collections import Counter

import pytest

from bench import __main__ as bench_main
from bench import generate
from bench.measure import MISSING, missing
from pipeline.uscc import validate

FAMILY_NEEDS = {"import": bench_main.fig_import.NEEDS, "export": bench_main.fig_export.NEEDS,
                "dashboard": ("db.queries", "pipeline.facts"), "desktop": bench_main.fig_desktop.NEEDS,
                "shared": bench_main.fig_shared.NEEDS}


def test_generated_firms_are_unique_valid_and_deterministic():
    cols = generate.firm_columns(3000)
    assert len(set(cols["name"])) == 3000
    codes = [c for c in cols["code"] if c]
    assert len(set(codes)) == len(codes)
    status = Counter(cols["code_status"])
    assert status["ok"] + status["bad_check"] + status["no_code"] == 3000
    for code, st in zip(cols["code"], cols["code_status"], strict=True):
        if st == "ok":
            assert validate(code).ok, code
        elif st == "bad_check":
            assert validate(code).usable and not validate(code).ok
        else:
            assert code is None
    assert generate.firm_columns(50)["name"] == cols["name"][:50]      # the same firms for the same n
    assert cols["pinyin"][0].split()[0].startswith("wh")                # 武汉… -> initials wh…


def test_about_five_designations_a_firm():
    firms, keys, start, end = generate.designation_arrays(4000)
    assert len(firms) == len(keys) == len(start) == len(end)
    assert 4.5 <= len(firms) / 4000 <= 5.5
    assert {"kexiao", "gaoqi", "fanxing", "xinxing", "chuangxin", "guishang", "yinzhongzi"} <= set(keys)
    assert (start > 0).all() and ((end == -1) | (end > start)).all()


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    """Every family once on 300 firms; the shared ledger's on the tests' PostgreSQL server (tests/pg_server.py),
    with 3 officers for 2 s, its databases and logins dropped afterwards."""
    import os

    from tests import pg_server
    tmp = tmp_path_factory.mktemp("bench")
    args = bench_main.parse_args(["--sizes", "300", "--rounds", "1", "--cache", str(tmp / "cache"),
                                  "--out", str(tmp / "out")])
    server = pg_server.server_or_stop()
    shared = bench_main.fig_shared
    saved = (os.environ.get(shared.SERVER_ENV), shared.OFFICERS, shared.SECONDS)
    os.environ[shared.SERVER_ENV], shared.OFFICERS, shared.SECONDS = server.url, 3, 2.0
    try:
        rows, meta = bench_main.run(args, logger=lambda msg: None)
    finally:
        generate.CACHE = generate.Path(generate.__file__).resolve().parent / "cache"
        if saved[0] is None:
            os.environ.pop(shared.SERVER_ENV, None)
        else:
            os.environ[shared.SERVER_ENV] = saved[0]
        shared.OFFICERS, shared.SECONDS = saved[1], saved[2]
        for name in ("xingtu_bench_300", "xingtu_bench_import_300"):
            pg_server.drop_database(server, name)
        server.stop()
    from bench.measure import write_results
    write_results(rows, meta, tmp / "out")
    return rows, tmp / "out"


def test_every_figure_is_in_the_table(bench_run):
    rows, _ = bench_run
    assert sorted(r.key for r in rows) == sorted(bench_main.ALL_KEYS)
    assert {r.size for r in rows} == {300}


def test_ratios_are_numbers_or_the_module_is_really_missing(bench_run):
    rows, _ = bench_run
    family_of = {k: fam for fam, mod in bench_main.FAMILIES.items() for k in mod.KEYS}
    for r in rows:
        if r.ours is None:
            assert r.note.startswith(MISSING), (r.key, r.note)      # never a crash reported as a figure
            assert missing(*FAMILY_NEEDS[family_of[r.key]]), r.key
            continue
        if r.baseline_name.startswith("无"):                          # a figure of its own (no baseline)
            assert math.isfinite(r.ours) and r.ours >= 0 and r.ratio is None, (r.key, r.ours)
            continue
        assert isinstance(r.ratio, float) and math.isfinite(r.ratio) and r.ratio > 0, (r.key, r.ours, r.baseline)
        assert r.met in (True, False, None)


def test_the_shared_ledger_lost_no_update_and_its_officers_worked(bench_run):
    rows, _ = bench_run
    got = {r.key: r for r in rows if r.key.startswith("shared_")}
    assert got["shared_lost_updates"].ours == 0, got["shared_lost_updates"].note
    assert "出错 0 次" in got["shared_lost_updates"].note, got["shared_lost_updates"].note
    assert got["shared_officers_edit"].ours is not None and got["shared_search_worst"].ours is not None


def test_import_really_imports_every_row(bench_run):
    rows, _ = bench_run
    row = next(r for r in rows if r.key == "import_vs_calamine")
    assert row.ours is not None, row.note          # the importer is part of the product: never silently unmeasured
    assert row.note.startswith("导入 300/300 行"), row.note


def test_results_files(bench_run):
    rows, out = bench_run
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert [r["key"] for r in data["rows"]] == [r.key for r in rows]
    table = (out / "RESULTS.md").read_text(encoding="utf-8")
    assert table.count("\n| ") == len(rows) + 1                        # header + one line a figure
    assert "| 导出台账（.xlsx）vs xlsxwriter 直写 | 300 |" in table
