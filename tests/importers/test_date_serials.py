"""A date cell holding a plain number (General format: Excel shows 45268) is read as an Excel date serial, and
its column gets one warning saying so with the first such cell (an outside attack: it was read silently)."""
from __future__ import annotations

from datetime import datetime

from importers.plan import build_plan
from tests.importers.helpers import C, xlsx

HEAD = ["企业名称", "统一社会信用代码", "证书编号", "发证日期"]


def _warned(plan) -> list[str]:
    return [i.message for i in plan.file_issues if i.code == "date_serial"]


def _list(tmp_path, dates, name="名单.xlsx"):
    rows = [HEAD] + [[f"武汉星{i}科技有限公司", C[i], f"GR20234200{i:04d}", d] for i, d in enumerate(dates)]
    return xlsx(tmp_path, rows, name=name, title="2023年第二批高新技术企业认定名单")


def test_numbers_in_a_date_column_are_read_as_serials_and_said_so(ledger, tmp_path):
    plan = build_plan(ledger, _list(tmp_path, [datetime(2023, 12, 8), 45268, 45268.0, "45269"]))
    (message,) = _warned(plan)
    assert "“发证日期”列有 3 个单元格是数字" in message and "第 4 行的 45268 读作 2023-12-08" in message
    assert [r.values.get("date") for r in plan.rows] == [datetime(2023, 12, 8).date()] * 3 + [
        datetime(2023, 12, 9).date()]


def test_a_serial_in_full_width_digits_is_said_too(ledger, tmp_path):
    """The warning's test is the date rule's own (importers.clean.read_as_serial): a text the rule reads as a
    serial after NFKC is counted, as any other."""
    (message,) = _warned(build_plan(ledger, _list(tmp_path, [datetime(2023, 12, 8), "４５２６８"])))
    assert "1 个单元格是数字" in message and "读作 2023-12-08" in message


def test_dates_and_eight_digit_numbers_are_not_serials(ledger, tmp_path):
    plan = build_plan(ledger, _list(tmp_path, [datetime(2023, 12, 8), 20231208, "2023-12-08", "20231208"]))
    assert _warned(plan) == []


def test_a_refused_number_is_its_row_error_not_a_serial(ledger, tmp_path):
    plan = build_plan(ledger, _list(tmp_path, [datetime(2023, 12, 8), 17]))
    assert _warned(plan) == []
    assert any(i.code == "bad_date" for i in plan.rows[1].issues)
