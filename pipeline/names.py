"""Firm names: the matching key and the pinyin index used by search."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_STRIP = re.compile(r"[\s()（）\[\]【】〔〕<>《》\"'“”‘’·.,，。、:：;；\-—_/\\]+")


def name_key(name: object) -> str:
    """Matching key: width folded, case folded, brackets, spaces and punctuation removed."""
    if name is None:
        return ""
    return _STRIP.sub("", unicodedata.normalize("NFKC", str(name))).lower()


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
