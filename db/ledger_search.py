"""The search box's condition over ``firms f`` on a ledger file (a shared ledger's: db/pg/search.py), for the table
(db/ledger_view.py): the trigram index, LIKE scans, the pinyin index and code prefixes."""
from __future__ import annotations

import re

from pipeline import uscc


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _code_like(text: str) -> str | None:
    code = uscc.normalize(text)
    if 2 <= len(code) <= 18 and re.fullmatch(r"[0-9A-Z]+", code) and re.search(r"\d", code):
        return code
    return None


def _fts_phrase(terms) -> str:
    return " ".join('"' + t.replace('"', '""') + '"' for t in terms)


def spelled(term: str) -> bool:
    """A term that may be pinyin (letters only; firms.pinyin holds nothing else): besides names, it is looked for
    in the pinyin index, which the trigram index does not hold (v7)."""
    return re.fullmatch(r"[a-z]+", term) is not None


def search_condition(text: str, deleted: bool = False, frequent: bool = False) -> tuple[str, list]:
    """SQL condition for the search box: name/former name/pinyin substrings, code prefix.

    Terms of three or more characters use the trigram index (live firms only), and a term
    of letters only is also looked for in the pinyin (initials, full pinyin: ``instr``, as
    the trigram index once did when it held the pinyin); shorter terms a LIKE on the name
    (and former names) or a range on the pinyin initials. A term
    that looks like the start of a credit code (letters and digits, at least one digit) also
    matches codes by prefix; from six characters on it matches codes only.

    Short terms and *frequent* trigram matches are written so that SQLite walks the sort
    index and tests each row (``+column`` keeps it from driving the query by the match):
    the first page of a common term is then found after a few hundred rows."""
    terms = [t for t in re.split(r"\s+", text.strip().lower()) if t]
    if not terms:
        return "", []
    code = _code_like(terms[0]) if len(terms) == 1 else None
    if code and (len(code) >= 6 or code.isdigit()):   # digits only: the start of a code, not a name
        col = "+f.code" if frequent else "f.code"   # a common prefix (the district's 91420106): walk the sort index
        return f"{col} >= ? AND {col} < ?", [code, code + "\uffff"]
    parts, params = [], []
    long_terms = [t for t in terms if len(t) >= 3 and not deleted and not spelled(t)]
    if long_terms:
        parts.append(f"{'+' if frequent else ''}f.id IN (SELECT rowid FROM firm_search WHERE firm_search MATCH ?)")
        params.append(_fts_phrase(long_terms))
    for t in terms:
        if len(t) >= 3 and not deleted:
            if spelled(t):          # pinyin anywhere (a scan in the sort order), or a name holding the letters
                parts.append("(instr(f.pinyin, ?) > 0 OR +f.id IN (SELECT rowid FROM firm_search "
                             "WHERE firm_search MATCH ?))")
                params += [t, _fts_phrase([t])]
            continue
        like = f"%{_like_escape(t)}%"
        if re.fullmatch(r"[a-z]+", t):
            parts.append("(+f.pinyin >= ? AND +f.pinyin < ? OR f.name LIKE ? ESCAPE '\\')")
            params += [t, t + "\x7f", like]
        else:
            parts.append("(f.name LIKE ? ESCAPE '\\' OR +f.id IN "
                         "(SELECT firm_id FROM firm_aliases WHERE name LIKE ? ESCAPE '\\'))")
            params += [like, like]
    sql = " AND ".join(parts)
    if code:
        return f"(f.code >= ? AND f.code < ? OR {sql})", [code, code + "\uffff", *params]
    return sql, params
