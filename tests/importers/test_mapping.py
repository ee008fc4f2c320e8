"""Column mapping: synonyms, normalisation, one field per column, signatures, --map overrides."""
from __future__ import annotations

import pytest

from importers.errors import InputError
from importers.mapping import FIELDS, SYNONYMS, guess_mapping, header_signature, normalize_header, parse_overrides


def test_fields_and_synonyms_cover_the_same_keys():
    assert list(FIELDS) == ["name", "code", "street", "industry", "officer", "contact_person", "contact_phone",
                            "founded", "reg_capital", "revenue", "rd_spend", "employees", "legal_form", "address",
                            "cert_no", "date", "expires", "stage", "star", "list_name", "former_name", "remark"]
    assert set(SYNONYMS) == set(FIELDS)


@pytest.mark.parametrize("field", list(SYNONYMS))
def test_every_synonym_maps_to_its_field(field):
    for word in SYNONYMS[field]:
        assert guess_mapping([word]) == {0: field}, word


@pytest.mark.parametrize("text, want", [
    ("企业名称（必填）", "企业名称"), ("*企业名称", "企业名称"), ("注册资本(万元)", "注册资本"),
    ("企业（单位）名称", "企业单位名称"), (" 统一社会\n信用代码 ", "统一社会信用代码"), ("ＡＢＣ", "abc"),
    ("营业收入【万元】（2022年）", "营业收入"), ("所在街道：", "所在街道"), (None, ""),
])
def test_normalize_header(text, want):
    assert normalize_header(text) == want


def test_guess_typical_official_header():
    headers = ["序号", "申报单位名称", "统一社会信用代码（纳税人识别号）", "所属街道", "技术领域", "高企证书编号",
               "认定时间", "有效期至", "注册资金（万元）", "2022年主营业务收入（万元）", "研发费用总额",
               "职工人数（人）", "联系人", "联系人手机", "服务专员", "星级", "曾用名", "备注"]
    assert {headers[i]: f for i, f in guess_mapping(headers).items()} == {
        "申报单位名称": "name", "统一社会信用代码（纳税人识别号）": "code", "所属街道": "street",
        "技术领域": "industry", "高企证书编号": "cert_no", "认定时间": "date", "有效期至": "expires",
        "注册资金（万元）": "reg_capital", "2022年主营业务收入（万元）": "revenue", "研发费用总额": "rd_spend",
        "职工人数（人）": "employees", "联系人": "contact_person", "联系人手机": "contact_phone",
        "服务专员": "officer", "星级": "star", "曾用名": "former_name", "备注": "remark"}


def test_head_noun_last_and_generic_words():
    assert guess_mapping(["企业曾用名称"]) == {0: "former_name"}
    assert guess_mapping(["联系人电话"]) == {0: "contact_phone"}
    assert guess_mapping(["行业类别"]) == {0: "industry"}
    assert guess_mapping(["街道名称"]) == {0: "street"}
    assert guess_mapping(["项目名称"]) == {}          # "名称" only counts as an exact header
    assert guess_mapping(["2023年湖北省第二批拟认定高新技术企业名单"]) == {}


def test_two_level_headers():
    assert guess_mapping(["联系人/姓名", "联系人/电话"]) == {0: "contact_person", 1: "contact_phone"}
    assert guess_mapping(["营业收入（万元）/2021年", "营业收入（万元）/2022年"]) == {0: "revenue"}


def test_never_two_columns_to_one_field():
    assert guess_mapping(["企业名称", "单位名称", "公司名称"]) == {0: "name"}
    assert guess_mapping(["公司名称", "企业名称"]) == {0: "name"}
    assert guess_mapping(["手机", "联系电话"]) == {1: "contact_phone"}     # exact "联系电话" beats exact "手机"


def test_header_signature_is_stable_under_width_and_spaces():
    a = header_signature(["企业名称", "统一社会信用代码", "注册资本（万元）"])
    assert a == header_signature([" 企业名称", "统一社会 信用代码", "注册资本(万元)"])
    assert a != header_signature(["企业名称", "统一社会信用代码"])
    assert len(a) == 16


def test_parse_overrides():
    assert parse_overrides(
        ["单位=name", "纳税人识别号 = 统一社会信用代码", "街道办＝street", "地址=", "序号=忽略"]
    ) == {"单位": "name", "纳税人识别号": "code", "街道办": "street", "地址": "", "序号": ""}


@pytest.mark.parametrize("item, message", [
    ("单位", "列对应“单位”格式不对，应为“表头=字段”"),
    ("=name", "列对应“=name”格式不对，应为“表头=字段”"),
])
def test_parse_overrides_format(item, message):
    with pytest.raises(InputError) as e:
        parse_overrides([item])
    assert str(e.value) == message


def test_parse_overrides_unknown_field_lists_fields():
    with pytest.raises(InputError) as e:
        parse_overrides(["地址=住址"])
    assert e.value.message.startswith(
        "列对应“地址=住址”中的字段“住址”不存在。可用字段：name（企业名称）、code（统一社会信用代码）"
    )
