from hypothesis import given
from hypothesis import strategies as st

from pipeline import uscc

ORG = st.text(alphabet=uscc.ALPHABET, min_size=8, max_size=8)


def test_weights_are_the_standard_ones():
    assert uscc.WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def test_pilot_code_fails_check_but_is_usable():
    check = uscc.validate("91350100M0001TGQXM")
    assert check.usable and not check.ok
    assert check.status == "bad_check"
    assert any("校验位" in p for p in check.problems)


def test_normalise_full_width_case_spaces_and_breaks():
    code = uscc.make_code("9", "1", "420106", "MA4K5X7D")
    full_width = str.maketrans("0123456789ABCDEFGHJKLMNPQRTUWXY",
                               "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ")
    messy = " " + code[:6].lower() + "\n" + code[6:].translate(full_width) + "　"
    assert uscc.normalize(messy) == code
    assert uscc.validate(messy).ok


def test_wrong_length_and_alphabet():
    assert uscc.validate("9142010").problems[0] == "统一社会信用代码应为 18 位，实为 7 位"
    bad = uscc.validate("91420106MA4K5X7DOS")
    assert not bad.usable and "O" in bad.problems[0] and "S" in bad.problems[0]
    assert uscc.validate(None).status == "no_code"
    assert uscc.validate("  ").status == "no_code"


def test_excel_number_code():
    assert uscc.normalize(914201061234567890.0) != ""  # a float read from Excel does not crash


@given(authority=st.sampled_from("159Y"), kind=st.sampled_from("123"), org=ORG)
def test_made_codes_validate(authority, kind, org):
    code = uscc.make_code(authority, kind, "420106", org)
    assert len(code) == 18
    assert uscc.validate(code).ok


@given(org=ORG, pos=st.integers(0, 16), delta=st.integers(1, 30))
def test_any_single_substitution_is_caught(org, pos, delta):
    code = uscc.make_code("9", "1", "420106", org)
    changed = uscc.ALPHABET[(uscc.VALUES[code[pos]] + delta) % 31]
    mutated = code[:pos] + changed + code[pos + 1:]
    assert not uscc.validate(mutated).ok        # weights are units mod 31: every single change is detected


@given(st.text(max_size=30))
def test_validate_never_raises(text):
    check = uscc.validate(text)
    assert check.ok == (not check.problems and len(check.code) == 18)
    assert uscc.normalize(check.code) == check.code   # idempotent
