"""Issue 12 items 9 and 10: `export --by-street` loses no firm and survives any street name."""
from __future__ import annotations

import openpyxl
import pytest

from db import catalog_store
from db.ledger import Ledger
from desktop.cli import main
from importers.errors import InputError
from importers.export import sheet_names
from importers.ledger_export import export_ledger

LONG_A = "武昌区某某街道办事处下属第一社区网格服务站工作组联络协调办公室甲"  # > 31 characters, same first 31 as LONG_B
LONG_B = "武昌区某某街道办事处下属第一社区网格服务站工作组联络协调办公室乙"
CRAFTED = ["'杨园", "杨园'", "''", "a[b]:c*d?e/f\\g", LONG_A, LONG_B, "ABC", "abc", "History", "未分街道",
           "Ω街", "ω街", "🏭" * 20, "工作表", " 空格街 "]


def _firm_counts(path) -> dict[str, int]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: ws.max_row - 1 for ws in wb.worksheets}
    finally:
        wb.close()


def _legal(name: str) -> bool:
    return (0 < len(name.encode("utf-16-le")) // 2 <= 31 and not any(c in name for c in "[]:*?/\\")
            and not name.startswith("'") and not name.endswith("'") and name.casefold() != "history")


def test_sheet_names_legal_and_unique_for_a_crafted_set():
    names = sheet_names(CRAFTED + ["Abc", LONG_A, "History"])
    assert all(_legal(n) for n in names), names
    assert len({n.casefold() for n in names}) == len(names)
    assert names[0] == "杨园" and names[1] == "杨园 (2)" and names[2] == "工作表"
    assert names[3] == "a_b__c_d_e_f_g" and names[6:8] == ["ABC", "abc (2)"] and names[8] == "History_"
    assert len(names[4]) == 31 and names[5].endswith(" (2)") and len(names[5]) == 31


@pytest.fixture
def crafted_ledger(tmp_path):
    path = tmp_path / "ledger.db"
    with Ledger(path) as led:
        with led.write("person") as w:
            for name in CRAFTED:
                catalog_store.set_street(w, name)
            catalog_store.set_street(w, "旧街道")
        with led.write("person") as w:
            n = 0
            for sid, name in [*led.streets(), (None, None)]:
                for _ in range(2 if name else 3):
                    n += 1
                    w.insert_firm(f"测试企业{n:03d}有限公司", street_id=sid)
            w.insert_firm("停用街道上的企业", street_id=led.street_id("旧街道"))
            catalog_store.set_street(w, "旧街道", active=False)
            catalog_store.set_street(w, "杨园", active=False)   # an emptied deactivated street: no sheet
    return path


def test_by_street_keeps_every_firm_and_names_every_sheet_legally(crafted_ledger, tmp_path):
    with Ledger(crafted_ledger, readonly=True) as led:
        plain = export_ledger(led, tmp_path / "all.xlsx")
        total = export_ledger(led, tmp_path / "by.xlsx", by_street=True)
        streets = len(led.streets())
    counts = _firm_counts(tmp_path / "by.xlsx")
    assert total == plain == sum(counts.values()) == 2 * (14 + len(CRAFTED) + 1) + 3 + 1
    assert all(_legal(n) for n in counts) and len({n.casefold() for n in counts}) == len(counts)
    assert counts["旧街道"] == 3                         # the deactivated street's firms, under its own name
    assert "杨园" in counts and counts["杨园"] == 2      # 杨园 deactivated but its firms are still there
    assert list(counts)[-1].startswith("未分街道") and counts[list(counts)[-1]] == 3
    assert counts["未分街道"] == 2                        # the real street called 未分街道 comes first
    assert len(counts) == streets + 3                   # + 杨园 and 旧街道 (deactivated) + the no-street sheet


def test_by_street_csv_is_refused_not_ignored(crafted_ledger, tmp_path, capsys):
    with Ledger(crafted_ledger, readonly=True) as led, pytest.raises(InputError, match="只能导出为 .xlsx"):
        export_ledger(led, tmp_path / "by.csv", by_street=True)
    assert main(["export", "--db", str(crafted_ledger), "--out", str(tmp_path / "by.csv"), "--by-street"]) == 2
    assert "--by-street" in capsys.readouterr().err and not (tmp_path / "by.csv").exists()
