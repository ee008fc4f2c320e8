"""The firm's own fields as SQL over ``firms f LEFT JOIN streets s``: what the export and the ledger
table read for each field of the one list (``pipeline.fields``), and the code check's display names.

Read at call time (not copied at import), so a field added to the list reaches every reader."""
from __future__ import annotations

from pipeline import fields

STATUS_TITLE = "代码核验"          # the column of the code check's result (``code_status``)
CODE_STATUS = {"ok": "", "bad_check": "校验位不符", "accepted": "校验位不符（已确认）", "invalid": "代码无效",
               "no_code": "无代码"}
RECORD_SCOPES = ("identity", "street", "firm")      # a firm's own values (not designations, not former names)
# a firm's former names, 、-separated as a 曾用名 cell is read back (importers.infer.former_names)
FORMER_NAMES_SQL = "(SELECT group_concat(a.name, '、') FROM firm_aliases a WHERE a.firm_id = f.id)"
_SPECIAL = {"name": "f.name", "code": "coalesce(f.code, f.code_raw)", "street": "s.name",
            "code_status": "f.code_status", "former_name": FORMER_NAMES_SQL}


def record_fields() -> tuple[str, ...]:
    """The keys of the firm's own fields (name, code, street, then the plain attributes), in list order."""
    return tuple(f.key for f in fields.FIELD_LIST if f.scope in RECORD_SCOPES)


def field_sql(key: str) -> str:
    """The SQL expression of a record field (or ``code_status``, or ``former_name``: the firm's former names
    joined by 、): a code not yet valid shows as written."""
    if key in _SPECIAL:
        return _SPECIAL[key]
    f = fields.BY_KEY[key]
    if f.scope != "firm" or not f.column:
        raise KeyError(key)
    return f"f.{f.column}"
