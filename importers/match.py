"""Matching file rows to the ledger's firms, a chunk at a time.

- Codes are checked for a whole chunk at once (numpy: the GB 32100 and
  GB 11714 check characters of 5,000 codes in well under a millisecond);
  only failing codes go through ``pipeline.uscc.validate`` for its messages.
  A short list (fewer than ``NUMPY_FROM`` codes) is checked code by code by
  ``validate`` itself unless numpy is loaded already: importing numpy costs
  more than checking two thousand codes (the same statuses either way).
- Firms are looked up by code, and rows without a usable code by the name
  key against ``firms.name_key`` and ``firm_aliases.name_key`` (SQL with
  ``json_each``, one query per chunk, never the whole ledger).
- Near matches: names whose "core" (region prefix and company-form suffix
  removed) is similar to a ledger firm's, by rapidfuzz on a small candidate
  bucket (same first two characters of the core), never all pairs. A near
  match is only ever a warning.
"""
from __future__ import annotations

import json
import re
import sys
from functools import lru_cache

from pipeline import uscc
from pipeline.fields import FIRM_ATTRS
from pipeline.names import name_key

_CLEAN_CODE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")
NUMPY_FROM = 3000

# every firm attribute of the one list of fields (pipeline.fields), so a field added there is compared too
FIRM_KEYS = ("id", "code", "code_status", "name", "name_key", "street", *FIRM_ATTRS, "needs_review", "deleted_at")
FIRM_SELECT = ("f.id", "f.code", "f.code_status", "f.name", "f.name_key", "s.name", *(f"f.{k}" for k in FIRM_ATTRS),
               "f.needs_review", "f.deleted_at")


@lru_cache(maxsize=1)
def _tables():
    import numpy as np
    lut = np.full(256, 0, dtype=np.int64)
    for i, ch in enumerate(uscc.ALPHABET):
        lut[ord(ch)] = i
    org = np.full(256, 0, dtype=np.int64)
    for i, ch in enumerate(uscc.ORG_ALPHABET):
        org[ord(ch)] = i
    return np, lut, org, np.array(uscc.WEIGHTS, dtype=np.int64), np.array(uscc.ORG_WEIGHTS, dtype=np.int64)


# a code cell saying the firm has none (无, /, —): no code, as a blank cell (it was an invalid one-character code)
_NO_CODE = frozenset({"-", "--", "—", "——", "－", "/", "／", "\\", "无", "暂无", "空", "null", "none", "n/a", "na",
                      "nan", "无代码", "未提供"})


def normalize_code(raw) -> str:
    if type(raw) is str:
        if _CLEAN_CODE.fullmatch(raw):
            return raw
        raw = raw.strip().lstrip("'‘`")     # a CSV's "keep as text" mark before a code: '91420106…
        if raw.lower() in _NO_CODE:
            return ""
    return uscc.normalize(raw)


def check_codes(codes: list[str]) -> list[tuple[str, tuple]]:
    """(status, problems) for each normalised code: ok, bad_check, invalid, no_code (as CodeCheck.status)."""
    out: list = [None] * len(codes)
    clean_idx = []
    for i, c in enumerate(codes):
        if not c:
            out[i] = ("no_code", ())
        elif _CLEAN_CODE.fullmatch(c):
            clean_idx.append(i)
        else:
            chk = uscc.validate(c)
            out[i] = (chk.status, chk.problems)
    if clean_idx and len(clean_idx) < NUMPY_FROM and "numpy" not in sys.modules:
        for i in clean_idx:
            chk = uscc.validate(codes[i])
            out[i] = (chk.status, chk.problems)
    elif clean_idx:
        np, lut, org_lut, w, ow = _tables()
        buf = np.frombuffer("".join(codes[i] for i in clean_idx).encode("ascii"), dtype=np.uint8).reshape(-1, 18)
        vals = lut[buf]
        expected = (31 - (vals[:, :17] @ w) % 31) % 31
        ok = expected == vals[:, 17]
        oc = 11 - (org_lut[buf[:, 8:16]] @ ow) % 11
        # 10 -> 'X', 11 -> '0', else the digit
        oc_char = np.where(oc == 10, ord("X"), np.where(oc == 11, ord("0"), oc + ord("0")))
        ok &= oc_char == buf[:, 16]
        for i, good in zip(clean_idx, ok.tolist(), strict=True):   # Python bools: no numpy scalar per code
            if good:
                out[i] = ("ok", ())
            else:
                chk = uscc.validate(codes[i])
                out[i] = (chk.status, chk.problems)
    return out


def _firms(conn, where: str, values) -> list[dict]:
    sql = (f"SELECT {', '.join(FIRM_SELECT)} FROM firms f LEFT JOIN streets s ON s.id = f.street_id WHERE {where}")
    return [
        dict(zip(FIRM_KEYS, r, strict=True)) for r in conn.execute(sql, (json.dumps(list(values), ensure_ascii=False),))
    ]


def firms_by_code(conn, codes) -> dict[str, dict]:
    codes = [c for c in set(codes) if c]
    if not codes:
        return {}
    return {f["code"]: f for f in _firms(conn, "f.code IN (SELECT value FROM json_each(?))", codes)}


def is_org_code(code: str) -> bool:
    """A 9-character 组织机构代码 (GB 11714) with a right check character: the part of a credit code an old
    list carries instead of it (positions 9-17)."""
    return (len(code) == 9 and all(c in uscc.ORG_ALPHABET for c in code[:8])
            and uscc.org_check_char(code[:8]) == code[8])


def is_reg_number(code: str) -> bool:
    """An old 15-digit 工商注册号 (the registration number before credit codes): matched as an organisation code
    is, by name, never as a credit code. Its check digit is not tested (numbers issued before 2007 lack one); the
    firm is flagged for review either way."""
    return len(code) == 15 and code.isdigit() and code.isascii()


def firms_by_org(conn, orgs) -> dict[str, list[dict]]:
    """organisation code -> live firms whose credit code carries it (one scan of firms, for old lists only)."""
    orgs = [o for o in set(orgs) if o]
    out: dict[str, list[dict]] = {}
    if orgs:
        for f in _firms(conn, "f.deleted_at IS NULL AND substr(f.code, 9, 9) IN (SELECT value FROM json_each(?))",
                        orgs):
            out.setdefault(f["code"][8:17], []).append(f)
    return out


def firms_by_name(conn, keys) -> dict[str, list[dict]]:
    """name key -> live firms with that current name or former name (alias)."""
    keys = [k for k in set(keys) if k]
    if not keys:
        return {}
    out: dict[str, list[dict]] = {}
    payload = json.dumps(keys, ensure_ascii=False)
    for f in _firms(conn, "f.deleted_at IS NULL AND f.name_key IN (SELECT value FROM json_each(?))", keys):
        out.setdefault(f["name_key"], []).append(f)
    alias_rows = conn.execute("SELECT name_key, firm_id FROM firm_aliases WHERE name_key IN "
                              "(SELECT value FROM json_each(?))", (payload,)).fetchall()
    if alias_rows:
        ids = {fid for _, fid in alias_rows}
        by_id = {
            f["id"]: f for f in _firms(conn, "f.deleted_at IS NULL AND f.id IN (SELECT value FROM json_each(?))", ids)
        }
        for key, fid in alias_rows:
            firm = by_id.get(fid)
            if firm is not None and all(x["id"] != fid for x in out.get(key, ())):
                out.setdefault(key, []).append(firm)
    return out


def recycled_by_name(conn, keys) -> dict[str, list[dict]]:
    """name key -> [the firm in the recycle bin with that name, the last deleted], for rows without a usable code
    whose name no live firm has: such a row is the firm in the bin (an error naming it, as for a code), where it
    was a new firm, a second one of that name, with a warning that the ledger had none."""
    keys = [k for k in set(keys) if k]
    out: dict[str, list[dict]] = {}
    if keys:
        for f in sorted(_firms(conn, "f.deleted_at IS NOT NULL AND f.name_key IN (SELECT value FROM json_each(?))",
                               keys), key=lambda f: f["deleted_at"]):
            out[f["name_key"]] = [f]
    return out


def aliases_of(conn, firm_ids) -> dict[int, set[str]]:
    ids = list(set(firm_ids))
    out: dict[int, set[str]] = {}
    if not ids:
        return out
    for fid, key in conn.execute("SELECT firm_id, name_key FROM firm_aliases WHERE firm_id IN "
                                 "(SELECT value FROM json_each(?))", (json.dumps(ids),)):
        out.setdefault(fid, set()).add(key)
    return out


def holdings(conn, firm_ids) -> dict[int, list[tuple[int, str, str | None]]]:
    """firm id -> [(stage_id, start, end)] of every live designation."""
    ids = list(set(firm_ids))
    out: dict[int, list] = {}
    if not ids:
        return out
    for fid, sid, s, e in conn.execute(
            "SELECT firm_id, stage_id, start_date, end_date FROM designations WHERE deleted_at IS NULL AND firm_id IN "
            "(SELECT value FROM json_each(?))", (json.dumps(ids),)):
        out.setdefault(fid, []).append((sid, s, e))
    return out


# near matches ---------------------------------------------------------
_REGION = re.compile(r"^(湖北省|湖北|武汉市|武汉|武昌区|武昌)+")
_FORM = re.compile(r"(股份有限公司|有限责任公司|有限公司|集团|公司|分公司|合伙企业|有限合伙|工作室|研究院|中心)+$")
_TRADE = re.compile(r"(科技|技术|信息|网络|软件|电子|智能|数字|生物|医药|新材料|环保|能源|咨询|服务|发展|实业|工程)+$")


def core(key: str) -> str:
    """A name key without the region prefix and the company-form suffix: the part that tells firms apart."""
    c = _TRADE.sub("", _FORM.sub("", _REGION.sub("", key)))
    return c or key


class NearMatcher:
    """Suggests ledger firms with a similar name. Loads (id, name) of live firms once, on first use."""

    def __init__(self, conn, threshold: float = 85.0, bucket_limit: int = 400) -> None:
        self.conn = conn
        self.threshold = threshold
        self.bucket_limit = bucket_limit
        self._buckets: dict[str, list[tuple[str, int, str]]] | None = None

    def _load(self) -> dict:
        buckets: dict[str, list] = {}
        for fid, name, key in self.conn.execute("SELECT id, name, name_key FROM firms WHERE deleted_at IS NULL"):
            c = core(key)
            buckets.setdefault(c[:2], []).append((c, fid, name))
        return buckets

    def suggest(self, name: str, exclude=()) -> tuple[int, str] | None:
        """The closest ledger firm (id, name) to *name*, if similar enough; never an exact key match."""
        if self._buckets is None:
            self._buckets = self._load()
        key = name_key(name)
        c = core(key)
        bucket = self._buckets.get(c[:2])
        if not bucket:
            return None
        from rapidfuzz import fuzz, process
        choices = bucket if len(bucket) <= self.bucket_limit else bucket[: self.bucket_limit]
        hit = process.extractOne(c, [x[0] for x in choices], scorer=fuzz.ratio, score_cutoff=self.threshold)
        if hit is None:
            return None
        _, _, idx = hit
        _, fid, fname = choices[idx]
        if fid in exclude or name_key(fname) == key:
            return None
        return fid, fname
