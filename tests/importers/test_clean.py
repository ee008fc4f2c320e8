"""Cell cleaning: text, names, dates, numbers, streets — examples and properties."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importers.clean import clean_name, clean_text, name_key, parse_date, parse_int, parse_number
from importers.clean_streets import match_street

STREETS = ["积玉桥", "杨园", "徐家棚", "粮道", "中华路", "黄鹤楼", "紫阳", "白沙洲", "首义路", "中南路", "水果湖",
           "珞珈山", "石洞", "南湖"]
FW = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})


def full_width(s: str) -> str:
    return s.translate(FW)


# ---------------------------------------------------------------- text and names
@pytest.mark.parametrize("v, want", [
    (None, ""), ("", ""), ("  abc  ", "abc"), ("武汉\n星图\u3000科技", "武汉 星图 科技"), ("ＡＢＣ１２３", "ABC123"),
    (12, "12"), (12.0, "12"), (1.5, "1.5"), (dt.date(2023, 1, 5), "2023-01-05"),
    (dt.datetime(2023, 1, 5), "2023-01-05"), (float("nan"), ""),
])
def test_clean_text(v, want):
    assert clean_text(v) == want


@pytest.mark.parametrize("v, want", [
    ("武汉甲乙(中国)信息有限公司", "武汉甲乙（中国）信息有限公司"),
    ("武汉甲乙（中国）信息有限公司", "武汉甲乙（中国）信息有限公司"),
    ("武汉 丙丁 软件有限公司", "武汉丙丁软件有限公司"),
    (" 武汉\n星图科技有限公司 ", "武汉星图科技有限公司"),
    ("ABC Technology (Wuhan) Co., Ltd", "ABC Technology（Wuhan）Co.,Ltd"),
    (None, ""),
])
def test_clean_name(v, want):
    assert clean_name(v) == want


def test_name_key_examples():
    assert (
        name_key("武汉甲乙（中国）信息有限公司") == name_key("武汉甲乙(中国)信息有限公司") == "武汉甲乙中国信息有限公司"
    )
    assert name_key(" 武汉 星图·科技、有限公司。") == "武汉星图科技有限公司"
    assert name_key("ＡＢＣ科技") == name_key("abc科技") == "abc科技"
    assert name_key(None) == ""


@given(st.text())
def test_name_key_is_idempotent(s):
    assert name_key(name_key(s)) == name_key(s)


@given(
    st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E)), st.text(alphabet="武汉星图科技有限公司")
)
def test_name_key_ignores_width_case_spaces_and_brackets(ascii_part, chinese):
    plain = chinese + ascii_part
    assert name_key(full_width(plain)) == name_key(plain)
    assert name_key(plain.upper()) == name_key(plain.lower())
    assert name_key(f" （{plain}） ") == name_key(plain)


# ---------------------------------------------------------------- dates
D = dt.date(2023, 12, 28)


@pytest.mark.parametrize("v", [
    "2023-12-28", "2023.12.28", "2023/12/28", "2023年12月28日", "20231228", "2023-12-28 00:00:00",
    "２０２３．１２．２８", " 2023 年 12 月 28 日 ", "2023-12-28T08:30:00", 45288, 45288.0, 45288.75, "45288",
    20231228, D, dt.datetime(2023, 12, 28, 10, 30),
])
def test_parse_date_forms(v):
    assert parse_date(v) == D


def test_parse_date_short_month_and_day():
    assert parse_date("2023.1.5") == dt.date(2023, 1, 5)
    assert parse_date("2023-1-5") == dt.date(2023, 1, 5)


def test_parse_date_blank_and_1904():
    assert parse_date(None) is None and parse_date("") is None and parse_date("  ") is None
    assert parse_date("—") is None and parse_date("/") is None
    assert parse_date(43826, datemode_1904=True) == D


@pytest.mark.parametrize("v, message", [
    ("2023.13.45", "无法识别的日期“2023.13.45”：该日期不存在"),
    ("2023-02-30", "无法识别的日期“2023-02-30”：该日期不存在"),
    ("明天", "无法识别的日期“明天”"),
    ("12/28/2023", "无法识别的日期“12/28/2023”"),
    ("2023年12月", "日期“2023年12月”不完整（缺少日）"),
    ("1850-01-01", "日期“1850-01-01”的年份超出 1900-2199"),
    (60, "无法识别的日期“1900-02-29”：该日期不存在"),
    (-5, "Excel 日期序号 -5 超出范围"),
    (True, "“True”是逻辑值，不是日期"),
])
def test_parse_date_rejects(v, message):
    with pytest.raises(ValueError) as e:
        parse_date(v)
    assert str(e.value) == message


dates = st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2199, 12, 31))


@settings(max_examples=300)
@given(dates)
def test_parse_date_round_trip_every_form(d):
    y, m, day = d.year, d.month, d.day
    forms = [d.isoformat(), f"{y}.{m}.{day}", f"{y}.{m:02d}.{day:02d}", f"{y}/{m:02d}/{day:02d}", f"{y}/{m}/{day}",
             f"{y}年{m}月{day}日", f"{y}{m:02d}{day:02d}", f"{d.isoformat()} 00:00:00", full_width(d.isoformat()),
             dt.datetime(y, m, day, 12), d, (d - dt.date(1899, 12, 30)).days,
             float((d - dt.date(1899, 12, 30)).days), int(f"{y}{m:02d}{day:02d}")]
    for form in forms:
        assert parse_date(form) == d, form
    if d >= dt.date(1904, 1, 1):
        assert parse_date((d - dt.date(1904, 1, 1)).days, datemode_1904=True) == d


# ---------------------------------------------------------------- numbers
@pytest.mark.parametrize("v, want", [
    ("6,400(万元人民币)", 6400.0), ("6400万元", 6400.0), ("１２３", 123.0), ("1.2亿", 12000.0), ("1.2亿元", 12000.0),
    ("500000元", 50.0), ("6,400", 6400.0), (" 12.5 ", 12.5), ("15%", 15.0), ("120人", 120.0), ("-3", -3.0),
    ("1.5e3", 1500.0), (6400, 6400.0), (12.5, 12.5),
    ("—", None), ("-", None), ("/", None), ("", None), (None, None), ("无", None), (float("nan"), None),
])
def test_parse_number(v, want):
    assert parse_number(v) == want


@pytest.mark.parametrize("v, message", [
    ("约100", "无法识别的数值“约100”"), ("100-200", "无法识别的数值“100-200”"), ("abc", "无法识别的数值“abc”"),
    ("100万美元", "“100万美元”不是人民币金额，请换算后再导入"), ("inf", "无法识别的数值“inf”"),
    ("1_000", "无法识别的数值“1_000”"), ("（万元）100", "无法识别的数值“（万元）100”"),
    (True, "“True”是逻辑值，不是数值"),
])
def test_parse_number_rejects(v, message):
    with pytest.raises(ValueError) as e:
        parse_number(v)
    assert str(e.value) == message


@pytest.mark.parametrize("v, want", [
    ("120", 120), ("120人", 120), ("1.2万人", 12000), ("１２０", 120), (35.0, 35), (35, 35), ("—", None), (None, None),
    ("123456789012345678", 123456789012345678), ("1,200", 1200),
])
def test_parse_int(v, want):
    assert parse_int(v) == want


def test_parse_int_rejects_fractions():
    with pytest.raises(ValueError) as e:
        parse_int("12.5")
    assert str(e.value) == "“12.5”不是整数"


# ---------------------------------------------------------------- streets
@pytest.mark.parametrize("v, want", [
    ("杨园", "杨园"), ("杨园街", "杨园"), ("杨园街道", "杨园"), ("杨园街道办事处", "杨园"), (" 杨园 街道 ", "杨园"),
    ("武昌区杨园街道", "杨园"), ("武汉市武昌区中华路街道", "中华路"), ("中南路街", "中南路"),
    ("水果湖街道办", "水果湖"),
    ("汉阳区", None), ("", None), (None, None), ("江汉路街道", None),
])
def test_match_street(v, want):
    assert match_street(v, STREETS) == want


def test_match_street_returns_the_catalog_entry():
    assert match_street("杨园", ["杨园街道", "粮道街道"]) == "杨园街道"


@pytest.mark.parametrize("v", [float("inf"), float("-inf")])
def test_an_infinite_number_cell_is_a_bad_value_not_a_crash(v):
    from importers.clean import parse_cell_date
    with pytest.raises(ValueError):
        parse_int(v)
    with pytest.raises(ValueError):
        parse_date(v)
    with pytest.raises(ValueError):
        parse_cell_date(v)
