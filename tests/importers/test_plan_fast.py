"""The fast way of cleaning columns (importers.plan_clean.FAST) gives exactly the reference's plans.

Three checks: the column cleaner both ways on adversarial columns spread over chunks (values equal across
types, values repeated across chunks, bad values, year-only date columns, numbers out of range); every
fixture list of the importer tests planned both ways, into an empty ledger and again after importing it
(so that rows match firms); and the comparison itself fails when the fast way differs.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import inspect

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importers import plan_clean
from importers.errors import InputError
from importers.plan import build_plan, commit_plan
from importers.plan_clean import Columns, cleaner_for
from tests.importers import fixtures as F
from tests.importers import real_lists as R
from tests.importers.plan_compare import RUN, both_ways, plan_state

STREETS = ["杨园", "积玉桥", "徐家棚", "中华路"]
FIELDS = ["industry", "legal_form", "founded", "date", "street", "reg_capital", "employees", "contact_person",
          "cert_no"]
CELLS = st.one_of(
    st.none(), st.just(""), st.booleans(), st.integers(-5, 3_000_000), st.sampled_from([0.0, -0.0, 1.0, 35.0, 2023.0,
                                                                                       45000.0, 1e10, -3.5, 12.5]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["2023", "2023年", "2023-05-01", "2023.13.01", "1900/1/1", "45000", "杨园街道", "杨园", "无",
                     "N/A", " 有限责任公司 ", "500万元", "1.2亿", "120人", "100万美元", "-5", "abc", "1,200"]),
    st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)),
    st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2100, 1, 1)),
    st.text(max_size=6),
)


def _clean_all(chunks, fast: bool, csv: bool):
    today = dt.date(2025, 6, 30)
    cleaners = []
    for col, f in enumerate(FIELDS):
        fn, distinct, code = cleaner_for(f, STREETS, False, csv, today)
        cleaners.append((col, f, fn, distinct, code))
    columns = Columns(cleaners, fast=fast)
    return repr([columns.clean(vals, FIELDS) for vals in chunks])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.lists(CELLS, min_size=len(FIELDS), max_size=len(FIELDS)), min_size=1, max_size=12),
                min_size=1, max_size=4), st.booleans())
def test_columns_fast_and_reference_agree(chunks, csv):
    assert _clean_all(chunks, True, csv) == _clean_all(chunks, False, csv)


def test_unique_and_repeated_columns_across_many_chunks():
    # industry, legal_form, founded (years), date, street, reg_capital, employees, contact_person, cert_no
    years = [[f"行业{i % 4}", "N/A" if i % 5 == 0 else f"有限责任公司{i % 3}", 2000 + i % 20, f"2023-0{1 + i % 9}-01",
              "杨园" if i % 3 else "不存在街", f"{i}万元" if i % 2 else float(i), i % 7 + 0.5 * (i % 11 == 0),
              f"联系人{i}", f"GR{i:06d}" if i % 4 else f" ＧＲ {i} "] for i in range(400)]
    chunks = [years[i:i + 50] for i in range(0, 400, 50)]
    assert _clean_all(chunks, True, False) == _clean_all(chunks, False, False)


def _writers():
    out = []
    for mod in (F, R):
        for name, fn in vars(mod).items():
            if name.startswith("write_") and callable(fn) and list(inspect.signature(fn).parameters) in (
                    ["folder"], ["folder", "name"], ["folder", "name", "name_header"], ["folder", "name", "encoding"]):
                out.append(pytest.param(fn, id=f"{mod.__name__.rsplit('.', 1)[-1]}.{name}"))
    return out


def _both(ledger, path) -> tuple[str, str]:
    """(fast plan, reference plan) of *path*, each a plan_state or the refusal."""
    from importers.planner import Planner
    out = []
    for fast in (True, False):
        saved = plan_clean.FAST
        plan_clean.FAST = fast
        try:
            plan = RUN(Planner(ledger, path, kind=None, stage=None, on_date=None, sheet=None, overrides=None,
                               header_row=None, progress=None, cancel=None))
            out.append(plan_state(plan))
        except InputError as exc:
            out.append(f"InputError: {exc}")
        finally:
            plan_clean.FAST = saved
    return out[0], out[1]


@pytest.mark.parametrize("write", _writers())
def test_every_fixture_list_plans_the_same_both_ways(ledger, tmp_path, write):
    path = write(tmp_path)
    fast, ref = _both(ledger, path)
    assert fast == ref
    if fast.startswith("InputError"):
        return
    commit_plan(ledger, build_plan(ledger, path))
    fast, ref = _both(ledger, path)            # now the rows find their firms: updates, unchanged, duplicates
    assert fast == ref


def test_a_big_list_plans_the_same_both_ways(ledger, tmp_path):
    path = F.write_big_xlsx(tmp_path, 12_000)       # three chunks: the caches carry over
    fast, ref = _both(ledger, path)
    assert fast == ref and "InputError" not in fast


def test_the_comparison_fails_when_the_fast_way_differs(ledger, tmp_path, monkeypatch):
    path = R.write_dates_xlsx(tmp_path, [["武汉甲科技有限公司", "", "2023-05-01"]],
                              header=("企业名称", "统一社会信用代码", "成立日期"))
    from importers.planner import Planner
    pl = Planner(ledger, path, kind=None, stage=None, on_date=None, sheet=None, overrides=None, header_row=None,
                 progress=None, cancel=None)
    real = Columns._repeated
    monkeypatch.setattr(Columns, "_repeated", lambda self, column, *a: [None] * len(column) if self.fast
                        else real(self, column, *a))
    with pytest.raises(AssertionError, match="快速路径的计划与参考路径不同"):
        both_ways(pl)


def test_build_plan_reports_read_and_plan_seconds_and_plans_the_same(ledger, tmp_path):
    path = F.write_big_xlsx(tmp_path, 6_000)        # two chunks
    timings: dict = {}
    timed = build_plan(ledger, path, timings=timings)
    assert set(timings) == {"read", "plan"} and min(timings.values()) > 0
    assert plan_state(timed) == plan_state(build_plan(ledger, path))


def test_codes_are_checked_the_same_with_and_without_numpy(monkeypatch):
    import random

    from importers import match
    from pipeline import uscc
    rng = random.Random(17)
    codes = []
    for i in range(600):
        code = uscc.make_code("9", "1", "420106", "".join(rng.choice(uscc.ALPHABET) for _ in range(8)))
        kind = i % 4
        if kind == 1:                     # wrong check character
            code = code[:17] + ("0" if code[17] != "0" else "1")
        elif kind == 2:                   # wrong organisation check character (position 17)
            code = code[:16] + ("0" if code[16] != "0" else "1") + code[17]
        elif kind == 3:
            code = ""
        codes.append(code)
    monkeypatch.setattr(match, "NUMPY_FROM", 10**9)
    monkeypatch.delitem(__import__("sys").modules, "numpy", raising=False)
    one_by_one = match.check_codes(codes)
    monkeypatch.undo()
    monkeypatch.setattr(match, "NUMPY_FROM", 0)
    assert match.check_codes(codes) == one_by_one
    assert {s for s, _ in one_by_one} == {"ok", "bad_check", "no_code"}


def test_the_loaded_sheet_is_freed_when_the_plan_is_made_not_at_a_later_garbage_collection(ledger, tmp_path):
    import gc

    from importers.read import SheetTable
    path = F.write_big_xlsx(tmp_path, 50)
    gc.collect()
    gc.disable()
    try:
        plan = build_plan(ledger, path)
        alive = [o for o in gc.get_objects() if type(o) is SheetTable]
    finally:
        gc.enable()
    assert len(plan.rows) == 50 and alive == []


def _read_state(path, fast: bool) -> str:
    """Everything the reading layer gives for *path* on the fast or the reference way: a sample pass abandoned
    after 3 rows (as the planner's stage sample), then two full passes in chunks of 2, then the table."""
    from importers.read import open_table
    saved = plan_clean.FAST
    plan_clean.FAST = fast
    try:
        table = open_table(path)
        sample = table.iter_rows(3)
        first = [dataclasses.astuple(r) for r in next(sample, [])]
        sample.close()
        passes = [[dataclasses.astuple(r) for chunk in table.iter_rows(2) for r in chunk] for _ in range(2)]
        return repr((first, passes, table.skipped, table.notes, table.row_count_hint, table.data_above))
    except InputError as exc:
        return f"InputError: {exc}"
    finally:
        plan_clean.FAST = saved


@pytest.mark.parametrize("eager", [1, 3, 20_000])
@pytest.mark.parametrize("write", _writers())
def test_every_fixture_list_reads_the_same_both_ways(tmp_path, monkeypatch, write, eager):
    """The rows open_table classified are not read again and the first pass goes on from where it stopped
    (fast); the reference reads every pass from the top. With a tiny eager limit the fixtures are long lists."""
    from importers import read
    monkeypatch.setattr(read, "_EAGER_ROWS", eager)
    path = write(tmp_path)
    fast, ref = _read_state(path, True), _read_state(path, False)
    assert fast == ref


@pytest.mark.parametrize("eager", [2, 5])
@pytest.mark.parametrize("write", _writers())
def test_every_fixture_list_plans_the_same_with_a_tiny_eager_limit(ledger, tmp_path, monkeypatch, write, eager):
    """Plans both ways when open_table classifies only the first rows (a long list): the planner's first
    pass takes over open_table's reading after its sample pass, in chunks of 3."""
    from importers import planner, read
    monkeypatch.setattr(read, "_EAGER_ROWS", eager)
    monkeypatch.setattr(planner, "CHUNK", 3)
    path = write(tmp_path)
    fast, ref = _both(ledger, path)
    assert fast == ref


def test_the_plain_lane_takes_rows_and_stores_them_as_add_would(ledger, tmp_path):
    """importers.plan_plain decides most rows of a clean designation list into an empty ledger; the plan is
    the reference's, which decides every row by plan_rows."""
    import xlsxwriter

    from importers import plan_plain
    from pipeline.uscc import make_code
    path = tmp_path / "名单.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["2023年高新技术企业名单"])
    ws.write_row(1, 0, ["序号", "企业名称", "统一社会信用代码", "认定日期"])
    for i in range(1, 301):
        name = f"武汉第{i}号科技有限公司" if i % 50 else f"第{i}号"            # every 50th not a full name
        code = make_code("9", "1", "420106", f"MA4K{i % 290:04d}")         # the last ten repeat codes
        ws.write_row(i + 1, 0, [i, name, code, "2023-12-28" if i % 40 else ""])
    wb.close()
    taken = []
    real = plan_plain.Plain.flush

    def counting(self):
        taken.append(len(self.rows))
        real(self)
    plan_plain.Plain.flush = counting
    try:
        fast, ref = _both(ledger, path)
    finally:
        plan_plain.Plain.flush = real
    assert fast == ref and "InputError" not in fast
    assert 250 < sum(taken) < 300


def test_a_plain_text_is_its_own_clean_name_and_its_lower_case_is_its_key():
    """importers.clean.PLAIN_TEXT (the fast path's shortcut for names and text cells) holds for every
    character it lets through, alone and among others; characters beside the class are not let through."""
    from importers.clean import PLAIN_TEXT, clean_name, clean_text
    from pipeline.names import name_key
    chars = [chr(c) for c in range(0x4E00, 0xA000)] + [chr(c) for c in range(0x30, 0x7B) if chr(c).isalnum()]
    for c in chars:
        for s in (c, "武汉" + c + "Ab1", c * 3):
            assert PLAIN_TEXT.fullmatch(s)
            assert clean_name(s) == s and clean_text(s) == s and name_key(s) == s.lower(), s
    for s in ("\u3400", "\ua000", "\uf900", "武汉（中国）", "ｱ", "Ａ", "a_b", "a b", "é", "武汉\n科技", "", "²"):
        assert not PLAIN_TEXT.fullmatch(s), s


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("武汉科技有限公司甲乙丙AbZz09_（）() .·Ａ１\u3000\uf900ß"), max_size=12))
def test_names_and_keys_are_the_same_with_the_shortcut(text):
    from importers.clean import PLAIN_TEXT, clean_name
    from pipeline.names import name_key
    if PLAIN_TEXT.fullmatch(text):
        assert clean_name(text) == text and name_key(text) == text.lower()


def test_the_garbage_collector_is_paused_only_while_the_rows_are_planned(ledger, tmp_path):
    import gc

    from importers.plan import Cancelled
    path = F.write_big_xlsx(tmp_path, 30)
    seen = []
    build_plan(ledger, path, progress=lambda done, total: seen.append(gc.isenabled()))
    assert seen == [False] and gc.isenabled()
    with pytest.raises(Cancelled):
        build_plan(ledger, path, cancel=lambda: True)
    assert gc.isenabled()
    gc.disable()
    try:                                # a caller that paused it keeps it paused
        build_plan(ledger, path)
        assert not gc.isenabled()
    finally:
        gc.enable()
