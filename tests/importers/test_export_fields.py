"""Issue 13 (one list of firm fields) and issue 11 points 5 and 8: every field of the firm in the one list
(pipeline.fields), 企业类型 and 地址 included, is exported under its label, plainly and by street, and a field
added to the list reaches the export, the ledger table's columns and the firm file without other changes."""
from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date, datetime

import openpyxl
import pytest

from db.firm_fields import STATUS_TITLE, field_sql, record_fields
from db.firm_file import FIELD_NAMES
from db.ledger_view import COLUMNS, table_columns
from importers.ledger_export import base_columns, export_ledger
from pipeline import fields, uscc
from pipeline.fields import BY_KEY, FIRM_ATTRS, LABELS, Field
from tests.backends import commit_raw
from ui.firm.profile import TEXT_FIELDS
from ui.ledger.panel import LEGACY_COLUMNS

CODE = uscc.make_code("9", "1", "420106", "MA4K0000")
SAMPLE = {"text": "值", "date": "2019-05-06", "money": 123.5, "int": 42}


def _value(key: str):
    kind = BY_KEY[key].kind
    return f"{SAMPLE[kind]}·{key}" if kind == "text" else SAMPLE[kind]


def _firm_with_every_field(ledger) -> dict[str, object]:
    """A firm with every plain attribute set; returns {label: value as exported}."""
    sid, street = ledger.streets()[0]
    attrs = {k: _value(k) for k in FIRM_ATTRS}
    with ledger.write() as w:
        w.insert_firm("武汉全字段科技有限公司", CODE, street_id=sid, **attrs)
    want = {LABELS[k]: v for k, v in attrs.items()}
    want.update({LABELS["name"]: "武汉全字段科技有限公司", LABELS["code"]: CODE, LABELS["street"]: street})
    return want


def _xlsx_rows(path, sheet=None) -> list[dict]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        ws = wb[sheet] if sheet else wb.worksheets[0]
        head, *rows = [list(r) for r in ws.iter_rows(values_only=True)]
        return [dict(zip(head, r, strict=True)) for r in rows]
    finally:
        wb.close()


def _plain(v):
    return v.date().isoformat() if isinstance(v, datetime) else v.isoformat() if isinstance(v, date) else v


def test_every_firm_value_is_exported_under_its_label_xlsx_csv_and_by_street(ledger, tmp_path):
    want = _firm_with_every_field(ledger)
    assert {LABELS["legal_form"], LABELS["address"]} <= set(want)
    export_ledger(ledger, tmp_path / "a.xlsx")
    [row] = _xlsx_rows(tmp_path / "a.xlsx")
    assert {k: _plain(row[k]) for k in want} == want
    assert row[STATUS_TITLE] in ("", None)
    export_ledger(ledger, tmp_path / "a.csv")
    with open(tmp_path / "a.csv", encoding="utf-8-sig", newline="") as fh:
        [got] = list(csv.DictReader(fh))
    assert {k: got[k] for k in want} == {k: str(int(v) if isinstance(v, float) and v.is_integer() else v)
                                        for k, v in want.items()}
    export_ledger(ledger, tmp_path / "s.xlsx", by_street=True)
    [row] = _xlsx_rows(tmp_path / "s.xlsx", sheet=want[LABELS["street"]])
    assert {k: _plain(row[k]) for k in want} == want


def test_export_columns_take_kinds_from_the_fields():
    cols = {c.title: c.kind for c in base_columns()}
    titles = [c.title for c in base_columns()]
    assert titles[:3] == [LABELS["name"], LABELS["code"], LABELS["street"]] and titles[-1] == STATUS_TITLE
    assert cols[LABELS["founded"]] == "date" and cols[LABELS["employees"]] == "int"
    assert all(cols[LABELS[k]] == "number" for k in fields.MONEY)
    assert cols[LABELS["code"]] == cols[LABELS["contact_phone"]] == "code"      # digits typed later stay text
    assert cols[LABELS["legal_form"]] == cols[LABELS["address"]] == "text"


def test_every_firm_attribute_has_an_export_column_a_table_column_and_a_firm_file_label():
    exported = {c.title for c in base_columns()}
    table = {c.key: c for c in COLUMNS}
    form = dict(TEXT_FIELDS)
    for key in ("name", "code", "street", *FIRM_ATTRS):
        assert LABELS[key] in exported, key
        assert table[key].title == LABELS[key], key
        assert FIELD_NAMES[BY_KEY[key].column or key] == LABELS[key], key
        if key != "street":          # the street is a picker of its own on the form
            assert form[key] == LABELS[key], key
    assert not table["legal_form"].visible and not table["address"].visible    # hidden until asked for


@pytest.fixture
def website(monkeypatch):
    """A field added to the one list (and a column to the firms table, as its migration would)."""
    new = Field("website", "网址", "firm", synonyms=("网址",), column="website")
    listed = (*fields.FIELD_LIST[:-1], new, fields.FIELD_LIST[-1])
    monkeypatch.setattr(fields, "FIELD_LIST", listed)
    monkeypatch.setattr(fields, "BY_KEY", {f.key: f for f in listed})
    monkeypatch.setattr(fields, "LABELS", {f.key: f.label for f in listed})
    monkeypatch.setattr(fields, "FIRM_ATTRS", tuple(f.key for f in listed if f.scope == "firm"))
    return new


def test_a_field_added_to_the_list_is_exported_and_offered_as_a_table_column(ledger, tmp_path, website):
    with ledger.write() as w:
        fid = w.insert_firm("武汉网址科技有限公司", CODE)
    ledger.conn.execute("ALTER TABLE firms ADD COLUMN website TEXT")
    ledger.conn.execute("UPDATE firms SET website = 'https://example.cn' WHERE id = ?", (fid,))
    commit_raw(ledger)
    assert "website" in record_fields() and field_sql("website") == "f.website"
    export_ledger(ledger, tmp_path / "w.xlsx")
    [row] = _xlsx_rows(tmp_path / "w.xlsx")
    assert row["网址"] == "https://example.cn"
    assert list(row)[list(row).index("网址") + 1] == LABELS["remark"]          # in the list's order
    export_ledger(ledger, tmp_path / "w.xlsx", by_street=True)
    assert _xlsx_rows(tmp_path / "w.xlsx", sheet="未分街道")[0]["网址"] == "https://example.cn"
    col = next(c for c in table_columns() if c.key == "website")
    assert (col.title, col.select, col.visible, col.sort) == ("网址", "f.website", False, None)
    # the columns a layout saved as Qt's header state knows keep their places (newer layouts are kept by key)
    assert [c.key for c in table_columns()][:LEGACY_COLUMNS] == [c.key for c in COLUMNS][:LEGACY_COLUMNS]


def test_kinds_of_a_new_field_follow_its_kind(website, monkeypatch):
    money = replace(website, key="grant", label="补助资金（万元）", kind="money", column="grant_")
    listed = (*fields.FIELD_LIST, money)
    monkeypatch.setattr(fields, "FIELD_LIST", listed)
    monkeypatch.setattr(fields, "BY_KEY", {f.key: f for f in listed})
    assert {c.title: c.kind for c in base_columns()}["补助资金（万元）"] == "number"
    assert table_columns()[-1].kind == "number" and table_columns()[-1].select == "f.grant_"
