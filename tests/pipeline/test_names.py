"""The one pinyin reading of a name (pipeline.names): phrase-aware, the same on every write path, and the
fast character-by-character shortcut equal to pypinyin's phrase-aware reading."""
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import names
from pipeline.names import name_sort, pinyin_index, pinyin_keys


def test_phrase_aware_readings():
    assert pinyin_index("重庆银行") == "cqyh chongqingyinhang"           # not zq zhongqing, not yinxing
    assert pinyin_index("武汉星辰科技") == "whxckj wuhanxingchenkeji"
    assert pinyin_index("Ａ１") == " "                                   # letters and digits are not readings
    assert pinyin_index("") == ""


def test_name_sort_orders_by_pinyin_syllables_then_name():
    assert name_sort("重庆银行") == "chong qing yin hang\t重庆银行"
    assert name_sort("ＡＢＣ科技（武汉）") == "a b c ke ji wu han\tＡＢＣ科技（武汉）"
    got = sorted(["先锋科技", "西安科技", "阿里科技", "重庆科技", "中国科技"], key=name_sort)
    assert got == ["阿里科技", "重庆科技", "西安科技", "先锋科技", "中国科技"]


def reference(name):
    """The definition: pypinyin's phrase-aware reading of the whole name at once."""
    tokens = names._reference(names._nfkc(name))
    readings = [t for t in tokens if t and t.islower()]
    index = "".join(t[0] for t in readings) + " " + "".join(readings)
    return index, " ".join(t.lower() for t in tokens if t) + "\t" + name


def test_shortcut_equals_pypinyin_phrase_reading():
    """Names built from the characters of the dictionary's deviating phrases and common firm-name characters,
    read the fast ways (pinyin_keys: per character, or run by run) and by lazy_pinyin on the whole name must
    agree exactly."""
    chars, _single, windows = names._phrase_rules()
    common = "武汉重庆银行长江发展和平都市乐园会计调查传媒藏书强力中国科技有限公司股份集团分行"
    rnd = random.Random(7)
    phrases = sorted({p for ps in windows.values() for p in ps})
    pool = common + "".join(sorted(chars))[:300]
    cases = []
    for _ in range(3000):
        s = "".join(rnd.choice(pool) for _ in range(rnd.randrange(2, 9)))
        if rnd.random() < 0.5:
            s += rnd.choice(phrases)
        cases.append(s + rnd.choice(["有限公司", "ABC", "（武汉）", ""]))
    cases += [f"武汉长江发展{i}科技ABC有限公司（武汉）" for i in range(3)] + ["重庆12银行", "Ａ银行B行长"]
    fast = pinyin_keys(cases)
    assert fast == [reference(c) for c in cases]
    assert sum(names._needs_phrases(c, *names._phrase_rules()) for c in cases) > 100   # both ways were tried


def test_a_list_read_at_once_equals_names_read_one_by_one():
    """pinyin_keys reads a list as one joined text (one translate per table); it must equal the name-by-name way,
    names needing phrases, empty names and names holding a would-be separator included."""
    rnd = random.Random(11)
    pool = "武汉重庆银行长江发展和平都市乐园会计调查传媒藏书强力中国科技有限公司股份集团分行绿吕ABCxyz12（）·-"
    cases = ["".join(rnd.choice(pool) for _ in range(rnd.randrange(1, 16))) for _ in range(2000)]
    cases += ["", None, "重庆银行", "长沙银行股份有限公司", "a\x00b", "行"]
    assert names._joined([c or "" for c in cases])[1] == "\x01"          # \x00 is in a name: the next one
    assert pinyin_keys(cases) == names._keys_each(cases)
    assert pinyin_keys(cases[:-6]) == names._keys_each(cases[:-6]) and pinyin_keys([]) == []
    assert pinyin_keys(["Ａ银行"]) == names._keys_each(["Ａ银行"])         # not NFKC: one by one


_TEXT = st.text(alphabet=st.sampled_from("武汉重庆银行长江发展和平乐园会计传媒科技有限公司分行ＡＢａ1１（）()·- \x00"),
                max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.lists(_TEXT, max_size=12), st.data())
def test_each_name_reads_the_same_in_any_list(names, data):
    """An import reads its new firms' names in chunks (db/bulk.py CHUNK): exact only because ``pinyin_keys``
    reads a name the same whatever list it stands in (any sub-list, order or repetition)."""
    alone = [pinyin_keys([n])[0] for n in names]
    assert pinyin_keys(names) == alone
    picked = data.draw(st.lists(st.integers(0, max(len(names) - 1, 0)), max_size=8)) if names else []
    assert pinyin_keys([names[i] for i in picked]) == [alone[i] for i in picked]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.one_of(st.sampled_from("武汉重庆银行长江（）·-ＡａZz09 \t、。𠀀𪚥😀é"),
                                  st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"))), max_size=40),
       st.sampled_from("\x1e\x1f"))
def test_numpy_tables_equal_str_translate(text, sep):
    """``_translated`` applies the three tables with numpy from ``_VECTOR_MIN`` characters on: the same text as
    ``str.translate``, for characters read as one letter, several, none (punctuation), or not in a table at all
    (the separator), astral ones included."""
    names.pinyin_keys([text])                               # learns its characters, as pinyin_keys does first
    text = sep.join([text, text[::-1]]) if ord(sep) not in names._INI else text
    present = set(text)
    want = (text.translate(names._INI), text.translate(names._FULL), text.translate(names._SORT))
    saved, names._VECTOR_MIN = names._VECTOR_MIN, 0
    try:
        assert names._translated(text, present) == want
    finally:
        names._VECTOR_MIN = saved


def test_a_long_list_read_with_numpy_equals_names_read_one_by_one(monkeypatch):
    """A chunk of an import (5,000 names, ~65k characters) goes the numpy way: name for name what the
    one-by-one reading gives, and what the str.translate way gives."""
    rnd = random.Random(12)
    pool = "武汉重庆银行长江发展和平都市乐园会计调查传媒藏书强力中国科技有限公司股份集团分行绿吕ABCxyz12()·-𠀀"  # NFKC
    cases = ["".join(rnd.choice(pool) for _ in range(rnd.randrange(1, 16))) for _ in range(5000)]
    cases += ["", None, "重庆银行", "a\x00b"]
    calls = []
    gathered = names._gathered
    monkeypatch.setattr(names, "_gathered", lambda *a: calls.append(1) or gathered(*a))
    fast = pinyin_keys(cases)
    assert calls, "the numpy way was not taken"
    assert fast == names._keys_each(cases)
    monkeypatch.setattr(names, "_VECTOR_MIN", 10 ** 9)
    assert pinyin_keys(cases) == fast


def test_a_small_list_does_not_load_numpy():
    """A 2,000-row list's names (one chunk of ~26k characters) are read without loading numpy (0.08 s of a
    0.5 s command); a chunk of a large batch loads it."""
    import subprocess
    import sys
    code = ("import sys; from pipeline.names import pinyin_keys; "
            "names = ['武汉长江%d科技有限公司' % i for i in range(2000)]; "
            "pinyin_keys(names); print('numpy' in sys.modules, end=' '); pinyin_keys(names, batch=100_000); "
            "print('numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]
