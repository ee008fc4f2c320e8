"""Street cells and addresses read as a street of the catalog: "杨园街道办事处" and "武昌区杨园街道" are 杨园; a
street merely mentioned ("已迁出杨园") is none. Split from importers/clean.py."""
from __future__ import annotations

import re
from functools import lru_cache

from importers.clean import _nfkc, clean_text

_STREET_SUFFIXES = ("街道办事处", "办事处", "街道办", "街道", "街办", "街")
_AREA_SPLIT = re.compile(r"[省市区县]")


def _street_core(s: str) -> str:
    s = "".join(clean_text(s).split())
    for suf in _STREET_SUFFIXES:
        if s.endswith(suf) and len(s) > len(suf):
            return s[: -len(suf)]
    return s


@lru_cache(maxsize=64)
def _street_index(streets: tuple[str, ...]) -> dict[str, str]:
    return {_street_core(s): s for s in streets}


@lru_cache(maxsize=4096)
def _match_street(text: str, streets: tuple[str, ...]) -> str | None:
    index = _street_index(streets)
    core = _street_core(text)
    if not core:
        return None
    hit = index.get(core)
    if hit is None:
        stripped = _AREA_SPLIT.split(core)[-1]          # "武昌区杨园街道" -> "杨园"
        hit = index.get(_street_core(stripped)) if stripped else None
    # no street read out of other words: "已迁出杨园", "非杨园辖区", "紫阳湖社区" were taken for the street they
    # mention, silently (found by an outside attack): such a cell is an unknown street, warned on its row
    return hit


def street_in_address(text, streets: list[str]) -> str | None:
    """The one catalog street an address names as a street ("武昌区水果湖街…", "中南路街道…"), else None.
    A street's name alone ("中南路7号" is a road) does not count: it must be followed by 街/街道/街办."""
    if not text:
        return None
    t = "".join(_nfkc(str(text)).split())
    found = set()
    for s in streets:
        core = _street_core(s)
        if core and any(core + suf in t for suf in ("街道", "街办", "街")):
            found.add(s)
    return found.pop() if len(found) == 1 else None


def match_street(v, streets: list[str]) -> str | None:
    """"杨园" / "杨园街" / "杨园街道" / "杨园街道办事处" / "武昌区杨园街道" -> "杨园" (the entry of ``streets``)."""
    if v is None:
        return None
    text = v if type(v) is str else clean_text(v)
    if not text.strip():
        return None
    return _match_street(text, tuple(streets))
