"""The one list of firm fields: what a list's columns can hold and where each value goes.

Every other list is derived from ``FIELDS``: the mapping targets and their header
synonyms (``importers.mapping``), the firms columns the write API and the import
store (``db``), the display names of exports, the preview and the firm file.

``scope`` says what a value belongs to:
- ``identity``: how the row is matched (name, code); stored by the write API's own rules;
- ``firm``: a plain attribute of the firm, stored in ``firms.<column>``;
- ``street``: a street name, stored as ``firms.street_id``;
- ``alias``: a former name, stored in ``firm_aliases``;
- ``designation``: read into a dated designation (stage, star, dates, certificate, list);
``kind`` is how a cell is cleaned: text, date, money (万元), int.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    scope: str
    kind: str = "text"
    synonyms: tuple[str, ...] = ()
    column: str | None = None       # the firms column, for scope firm / street


def _f(key, label, scope, kind="text", synonyms=(), column=None) -> Field:
    if column is None and scope == "firm":
        column = key
    return Field(key, label, scope, kind, tuple(synonyms), column)


FIELD_LIST: tuple[Field, ...] = (
    _f("name", "企业名称", "identity", synonyms=[
        "企业名称", "单位名称", "公司名称", "申报单位", "企业（单位）名称", "申报单位名称", "申报企业名称", "申报企业",
        "企业名", "纳税人名称", "机构名称", "市场主体名称", "名称", "企业", "单位", "公司全称", "企业全称", "单位全称",
        "全称", "企业（单位）全称", "公司中文名称", "企业中文名称", "中文名称", "name", "company", "company_name",
        "company name", "enterprise", "enterprise_name", "enterprise name", "firm", "firm_name"]),
    _f("code", "统一社会信用代码", "identity", synonyms=[
        "统一社会信用代码", "社会信用代码", "信用代码", "组织机构代码", "纳税人识别号", "社会统一信用代码",
        "统一信用代码", "统一代码", "统一社会信用代码证", "税号", "机构代码", "uscc", "credit_code", "credit code",
        "unified_social_credit_code", "unified social credit code", "social_credit_code", "social credit code"]),
    _f("street", "所在街道", "street", column="street_id", synonyms=[
        "所在街道", "所属街道", "街道", "街道办", "街道办事处", "所在街办", "所属街办", "属地街道", "街办", "归属街道",
        "street", "subdistrict"]),
    _f("industry", "所属行业", "firm", synonyms=[
        "所属行业", "行业", "技术领域", "行业类别", "行业分类", "所属领域", "产业领域", "国民经济行业", "所属技术领域",
        "行业门类", "industry", "sector"]),
    _f("officer", "服务专员", "firm", synonyms=[
        "服务专员", "专员", "联系专员", "企业服务专员", "包保专员", "服务责任人"]),
    _f("contact_person", "联系人", "firm", synonyms=["联系人", "企业联系人", "联系人姓名", "负责人"]),
    _f("contact_phone", "联系电话", "firm", synonyms=[
        "联系电话", "联系人电话", "联系人手机", "联系手机", "手机", "手机号", "手机号码", "电话", "电话号码",
        "联系方式", "办公电话"]),
    _f("founded", "成立日期", "firm", "date", [
        "成立日期", "成立时间", "注册日期", "注册时间", "设立日期", "成立年份", "founded", "established",
        "date_of_establishment"]),
    _f("reg_capital", "注册资本（万元）", "firm", "money", ["注册资本", "注册资金"]),
    _f("revenue", "营业收入（万元）", "firm", "money", [
        "营业收入", "主营业务收入", "营收", "销售收入", "年营业收入", "营业总收入"]),
    _f("rd_spend", "研发投入（万元）", "firm", "money", [
        "研发投入", "研发费用", "研发经费", "研究开发费用", "研发支出"]),
    _f("employees", "从业人员", "firm", "int", [
        "从业人员", "职工人数", "员工人数", "从业人数", "职工总数", "员工总数", "从业人员数", "人数"]),
    _f("legal_form", "企业类型", "firm", synonyms=[
        "企业类型", "公司类型", "经济类型", "企业性质", "登记注册类型", "企业登记注册类型", "市场主体类型", "组织形式",
        "企业（机构）类型", "公司性质", "legal_form", "company_type", "enterprise_type", "company type", "legal form"]),
    _f("address", "地址", "firm", synonyms=[
        "注册地址", "经营地址", "住所", "地址", "企业地址", "通讯地址", "注册地", "办公地址", "生产经营地址", "住所地",
        "企业住所", "address", "registered_address", "registered address"]),
    _f("cert_no", "证书编号", "designation", synonyms=[
        "证书编号", "证书号", "高企证书编号", "证书号码", "入库编号", "登记编号", "编号", "certificate no",
        "certificate number", "certificate_no", "cert no", "cert_no"]),
    _f("date", "认定日期", "designation", "date", [
        "发证日期", "认定时间", "认定日期", "批准日期", "入库时间", "入库日期", "发证时间", "认定年份", "批准时间",
        "公示日期", "有效期起", "有效期起始日期", "有效期开始日期", "有效期起始", "有效期自", "issue date",
        "issue_date", "date of issue", "issued on", "recognition date", "recognized on", "valid from"]),
    _f("expires", "有效期至", "designation", "date", [
        "有效期至", "到期日期", "有效期", "有效期截止", "截止日期", "到期时间", "有效截止日期", "有效期止",
        "有效期截止日期", "有效期结束日期", "有效期结束", "valid until", "valid to", "expiry date", "expiration date",
        "expiry_date", "expires"]),
    _f("stage", "层级", "designation", synonyms=[
        "层级", "类别", "认定类别", "企业类别", "培育层级", "梯队", "所属梯队", "类型", "资质类别", "资质名称",
        "资质类型", "企业资质", "认定类型"]),
    _f("star", "星级", "designation", synonyms=["星级", "星级企业", "梯度", "星级梯度", "企业星级"]),
    _f("list_name", "名单名称", "designation", synonyms=[
        "名单名称", "所属名单", "名单", "来源名单", "批次", "认定批次"]),
    _f("former_name", "曾用名", "alias", synonyms=[
        "曾用名", "原名称", "曾用名称", "原企业名称", "变更前名称", "原名", "变更前企业名称", "原单位名称",
        "原公司名称", "former_name", "former name"]),
    _f("remark", "备注", "firm", synonyms=["备注", "备注说明", "说明"]),
)

BY_KEY: dict[str, Field] = {f.key: f for f in FIELD_LIST}
LABELS: dict[str, str] = {f.key: f.label for f in FIELD_LIST}
# plan keys of the plain firm attributes, in list order (each stored in firms.<key>)
FIRM_ATTRS: tuple[str, ...] = tuple(f.key for f in FIELD_LIST if f.scope == "firm")
MONEY: frozenset[str] = frozenset(f.key for f in FIELD_LIST if f.kind == "money")
