"""Firm names: the matching key and the pinyin index used by search."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NON_WORD = re.compile(r"[\W_]+")


def _nfkc(s: str) -> str:
    return s if unicodedata.is_normalized("NFKC", s) else unicodedata.normalize("NFKC", s)


def name_key(name: object) -> str:
    """Matching key: width and case folded, spaces, brackets and all punctuation removed.

    The one key for matching names (imports, aliases, search): 武汉甲乙（中国）信息有限公司 and
    武汉甲乙(中国)信息有限公司 and ＡＢＣ科技 / abc科技 each share a key. Idempotent."""
    if name is None:
        return ""
    if isinstance(name, float) and name.is_integer():
        name = int(name)
    s = str(name)
    if s.isascii():
        return _NON_WORD.sub("", s.lower())
    key = _NON_WORD.sub("", _nfkc(_nfkc(s).casefold()))
    # removing characters can leave a string that folds further (rare scripts): iterate to a fixed point
    for _ in range(4):
        if key.casefold() == key and unicodedata.is_normalized("NFKC", key):
            break
        again = _NON_WORD.sub("", _nfkc(key.casefold()))
        if again == key:
            break
        key = again
    return key


@lru_cache(maxsize=1)
def _pinyin():
    from pypinyin import Style, lazy_pinyin  # noqa: PLC0415  (a large dictionary: load on first use)
    return lazy_pinyin, Style


def pinyin_index(name: str) -> str:
    """'武汉星辰科技' -> 'whxckj wuhanxingchenkeji': initials, then full pinyin, lower case."""
    if not name:
        return ""
    lazy_pinyin, style = _pinyin()
    text = unicodedata.normalize("NFKC", name)
    full = lazy_pinyin(text, errors="ignore")
    initials = "".join(p[0] for p in full if p)
    return f"{initials} {''.join(full)}".lower()
