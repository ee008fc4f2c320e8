"""Which column holds which ledger field: synonyms, the guess, overrides, a header signature.

The guess compares normalised header text (full/half width folded, spaces,
bracket characters and trailing bracketed notes such as "（必填）" or "（万元）"
removed) with each field's synonyms:

- an exact match scores highest;
- otherwise a header that *contains* a synonym matches it, longer synonyms
  first, with a bonus when the synonym ends the header (Chinese puts the head
  noun last: "联系人手机" is a 手机, "申报企业名称" a 名称).  Generic words
  ("名称", "单位", "日期" …) only match exactly.
- For a two-level header "组/子" the sub-header alone is tried first.

One field never gets two columns: candidates are assigned best score first
(leftmost column on a tie).
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

from importers.errors import MSG_OVERRIDE_FIELD, MSG_OVERRIDE_FORMAT, InputError
from pipeline.fields import FIELD_LIST, LABELS

FIELDS: dict[str, str] = LABELS                       # field key -> Chinese label, from pipeline.fields
SYNONYMS: dict[str, list[str]] = {f.key: list(f.synonyms) for f in FIELD_LIST}

# Too generic to match inside a longer header; only an exact header counts.
_EXACT_ONLY = frozenset({"名称", "企业", "单位", "名单", "编号", "类别", "类型", "说明", "人数", "专员", "税号",
                         "原名", "有效期", "批次", "梯度", "负责人", "企业名", "全称", "name", "company", "firm",
                         "enterprise", "street", "industry", "sector", "address", "founded", "established"})
_SHORT_NAME = "简称"           # a 简称 column (A股简称, 公司简称) never holds the firm's full name
_MAX_SUBSTRING_HEADER = 20     # a longer cell is a title or a value, not a header

_BRACKETS = "()[]{}<>（）【】〔〕《》〈〉「」『』"
_TRAILING_NOTE = re.compile(r"[(\[{<（【〔《〈「『][^()\[\]{}<>（）【】〔〕《》〈〉「」『』]*[)\]}>）】〕》〉」』]$")
_DROP = str.maketrans("", "", _BRACKETS + "*★☆※#:：、,，.。;；\"'“”‘’!！?？")


@lru_cache(maxsize=4096)
def normalize_header(text) -> str:
    """Header text reduced for comparison: NFKC, no spaces, no trailing "(…)" notes, no brackets or marks."""
    if text is None:
        return ""
    s = text if isinstance(text, str) else str(text)
    s = "".join(unicodedata.normalize("NFKC", s).split())
    while True:
        cut = _TRAILING_NOTE.sub("", s)
        if cut == s or not cut:
            break
        s = cut
    return s.translate(_DROP).lower()



_EXACT: dict[str, str] = {}
for _field, _words in SYNONYMS.items():
    for _w in _words:
        _EXACT.setdefault(normalize_header(_w), _field)
_SUBSTR: list[tuple[str, str]] = sorted(
    ((normalize_header(w), f) for f, ws in SYNONYMS.items() for w in ws if normalize_header(w) not in _EXACT_ONLY),
    key=lambda t: -len(t[0]))
_FIELD_ORDER = {f: i for i, f in enumerate(FIELDS)}


@lru_cache(maxsize=4096)
def _candidates_norm(n: str) -> tuple[tuple[float, str], ...]:
    """(score, field) for one normalised header, best first; exact matches score 100+."""
    if not n:
        return ()
    out: dict[str, float] = {}
    if _SHORT_NAME in n:
        return ()
    f = _EXACT.get(n)
    if f:   # longer is more specific (企业名称 over 名称); English words are long but no more specific
        out[f] = 100.0 + (min(len(n), 3) if n.isascii() else len(n))
    if len(n) <= _MAX_SUBSTRING_HEADER:
        for syn, field in _SUBSTR:
            if syn in n and syn != n:
                score = len(syn) + (1.0 if n.endswith(syn) else 0.0)
                if score > out.get(field, 0.0):
                    out[field] = score
    return tuple(sorted(((s, f) for f, s in out.items()), key=lambda t: (-t[0], _FIELD_ORDER[t[1]])))


def field_candidates(header: str) -> tuple[tuple[float, str], ...]:
    """Scored fields for one header; for "组/子" the sub-header's exact match wins over the whole ("组子")."""
    if "/" in header:
        group, _, sub = header.rpartition("/")
        best: dict[str, float] = {}
        # the whole joined without the slash: "有效期" over "起" / "止" is 有效期起 / 有效期止
        for bonus, part in ((50.0, sub), (0.0, group.replace("/", "") + sub)):
            for score, field in _candidates_norm(normalize_header(part)):
                if score >= 100:
                    score += bonus
                if score > best.get(field, 0.0):
                    best[field] = score
        return tuple(sorted(((s, f) for f, s in best.items()), key=lambda t: (-t[0], _FIELD_ORDER[t[1]])))
    return _candidates_norm(normalize_header(header))


def field_of(header: str) -> str | None:
    """The best field for one header alone, or None."""
    c = field_candidates(header)
    return c[0][1] if c else None


def _assign(headers: list[str]) -> dict[int, tuple[str, float]]:
    cands = []
    for col, h in enumerate(headers):
        for score, field in field_candidates(h or ""):
            cands.append((-score, col, field))
    cands.sort()
    taken_cols: dict[int, tuple[str, float]] = {}
    taken_fields: set[str] = set()
    for neg, col, field in cands:
        if col in taken_cols or field in taken_fields:
            continue
        taken_cols[col] = (field, -neg)
        taken_fields.add(field)
    return taken_cols


def guess_mapping(headers: list[str]) -> dict[int, str]:
    """Index in ``headers`` -> field key, for the columns that could be recognised."""
    return {col: fs[0] for col, fs in sorted(_assign(list(headers)).items())}


def header_score(headers: list[str]) -> tuple[float, bool]:
    """How header-like a row is: 2 per exactly named field, 1 per field found inside a header;
    and whether a company-name column is among them."""
    assigned = _assign(list(headers))
    score = sum(2.0 if s >= 100 else 1.0 for _, s in assigned.values())
    return score, any(f == "name" for f, _ in assigned.values())


def header_signature(headers) -> str:
    """A stable hash of the normalised header, to remember a confirmed mapping for files shaped alike."""
    joined = "\x1f".join(normalize_header(h) for h in headers)
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()[:16]


_IGNORE = frozenset({"", "-", "忽略", "ignore", "none", "不导入"})


def _field_by_name(name: str) -> str | None:
    n = name.strip()
    if n in FIELDS:
        return n
    low = n.lower()
    if low in FIELDS:
        return low
    nn = normalize_header(n)
    for key, label in FIELDS.items():
        if normalize_header(label) == nn:
            return key
    return None


def parse_overrides(items: list[str]) -> dict[str, str]:
    """["表头=字段", …] (``--map``) -> {header: field key}; the field may be the key or its Chinese label.

    "表头=" or "表头=忽略" maps the header to "" (do not import that column).
    """
    out: dict[str, str] = {}
    for item in items:
        text = unicodedata.normalize("NFKC", item)
        if "=" not in text:
            raise InputError(MSG_OVERRIDE_FORMAT.format(item=item))
        header, _, field = text.partition("=")
        header = header.strip()
        if not header:
            raise InputError(MSG_OVERRIDE_FORMAT.format(item=item))
        if field.strip().lower() in _IGNORE:
            out[header] = ""
            continue
        key = _field_by_name(field)
        if key is None:
            fields = "、".join(f"{k}（{v}）" for k, v in FIELDS.items())
            raise InputError(MSG_OVERRIDE_FIELD.format(item=item, field=field.strip(), fields=fields))
        out[header] = key
    return out


def apply_overrides(headers: list[str], mapping: dict[int, str], overrides: dict[str, str]) -> dict[int, str]:
    """*mapping* with ``--map`` overrides ({header: field key, "" = do not import}) applied by header text;
    a field an override gives a column is taken from any other column. Headers not present are ignored
    (``missing_overrides`` names them)."""
    if not overrides:
        return dict(mapping)
    out = dict(mapping)
    exact: dict[str, int] = {}
    norm: dict[str, int] = {}
    for i, h in enumerate(headers):
        exact.setdefault(h, i)
        norm.setdefault(normalize_header(h), i)
    for header, field_key in overrides.items():
        col = exact.get(header)           # the column headed exactly so, before any look-alike
        if col is None:
            col = norm.get(normalize_header(header))
        if col is None:
            continue
        if field_key:
            out = {i: f for i, f in out.items() if f != field_key}
            out[col] = field_key
        else:
            out.pop(col, None)
    return dict(sorted(out.items()))


def missing_overrides(headers: list[str], overrides: dict[str, str]) -> list[str]:
    """The ``--map`` headers that are not in *headers*."""
    have = {normalize_header(h) for h in headers}
    return [h for h in overrides if normalize_header(h) not in have]
