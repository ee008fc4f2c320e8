"""pipeline/memory.py: the dashboard's arrays are made in small pages (no figure changes with it)."""
import numpy as np

from pipeline import memory
from pipeline.facts import Facts


def test_facts_switch_numpy_to_small_pages(monkeypatch):
    multiarray = getattr(getattr(np, "_core", None), "multiarray", None)
    if multiarray is None or not hasattr(multiarray, "_set_madvise_hugepage"):
        assert memory.small_pages() is False
        return
    before = multiarray._get_madvise_hugepage()
    try:
        multiarray._set_madvise_hugepage(True)
        monkeypatch.setattr(memory, "_done", False)
        Facts.from_rows([(1, 2, "2024-01-01", None)], [(1, 3)])
        assert multiarray._get_madvise_hugepage() is False
        assert memory.small_pages() is True
    finally:
        multiarray._set_madvise_hugepage(before)


def test_small_pages_without_the_switch(monkeypatch):
    monkeypatch.setattr(memory, "_done", False)
    monkeypatch.setattr(memory, "np", object())
    assert memory.small_pages() is False
