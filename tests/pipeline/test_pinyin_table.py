"""The precomputed pinyin table (resources/pinyin_table.json) equals what pipeline.names derives from the
installed pypinyin: every code point's reading and the phrase rules. If pypinyin is upgraded, this fails until
the table is rewritten with ``python -m pipeline.names`` (meanwhile the app, seeing other dictionaries, derives
both itself: slower, never wrong)."""
import json
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

from pipeline import names

ROOT = Path(__file__).resolve().parents[2]


def _shipped() -> dict:
    return json.loads(resources.files("resources").joinpath(names.TABLE).read_text(encoding="utf-8"))


def test_table_is_for_the_installed_dictionaries_and_is_used():
    assert _shipped()["pypinyin_dicts"] == names.dictionaries_hash()
    assert names._table() is not None


def test_table_rules_equal_the_derivation():
    table = names._table()
    assert table is not None
    chars, single, windows = names._derive_phrase_rules()
    assert frozenset(table["deviating_chars"]) == chars and len(table["deviating_chars"]) == len(chars)
    assert frozenset(table["single"]) == single
    assert {w: set(p) for w, p in table["windows"].items()} == {w: set(p) for w, p in windows.items()}
    assert names._phrase_rules()[0] == chars


def test_table_readings_equal_pypinyin_for_every_code_point():
    """All 1,114,112 code points (CJK and every other): the table's reading, or _other's where it holds none,
    is lazy_pinyin's reading of the character alone."""
    lazy_pinyin = names._pypinyin()[0]
    readings = names._table()["readings"]
    wrong = []
    for cp in range(0x110000):
        ch = chr(cp)
        want = "".join(lazy_pinyin(ch, errors=names._other))
        got = readings.get(ch)
        if (got if got is not None else "".join(names._other(ch))) != want:
            wrong.append((hex(cp), got, want))
    assert not wrong[:20]
    assert all(r.islower() for r in readings.values())
    assert readings["重"] == "zhong" and readings["行"] == "xing" and "a" not in readings


def test_other_dictionaries_or_no_phrases_fall_back_to_deriving():
    """A table made from other dictionaries is never used; nor is it under PYPINYIN_NO_PHRASES."""
    code = ("import sys; from pipeline import names; names.dictionaries_hash = lambda: 'other'; "
            "sys.stdout.write(str(names._table() is None) + ' ' + names.pinyin_index('重庆银行'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout == "True cqyh chongqingyinhang"
    env = {**os.environ, "PYPINYIN_NO_PHRASES": "1"}
    code = "import sys; from pipeline import names; sys.stdout.write(str(names._table() is None))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, env=env)
    assert out.stdout == "True"


def test_plain_names_are_read_without_loading_pypinyin():
    """A list whose names need no phrase is read from the table alone; one that does loads pypinyin."""
    code = ("import sys; from pipeline import names; "
            "k = names.pinyin_keys(['武汉星辰科技有限公司', 'ABC（武汉）']); "
            "sys.stdout.write(repr((k, 'pypinyin' in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout == repr(([("whxckjyxgs wuhanxingchenkejiyouxiangongsi",
                                 "wu han xing chen ke ji you xian gong si\t武汉星辰科技有限公司"),
                                ("wh wuhan", "a b c wu han\tABC（武汉）")], False))
