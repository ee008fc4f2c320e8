"""How numpy asks the system for memory: in small pages (no transparent huge pages).

numpy advises Linux to back every array of 4 MB or more with transparent huge pages (``madvise``).
The dashboard's cold open makes hundreds of such arrays (columns of 4.8M designations, each stage set's
spells, cohort entries) and keeps few: with huge pages, each fresh array costs the kernel far more than
it saves (it zeroes and, under memory pressure, compacts 2 MB at a time). Measured on the 1M-firm bench
ledger (2-core VM, load 7; CPU seconds, user + system): the first compute 1.18 + 1.59 s with huge pages,
1.21 + 0.43 s without; building the arrays 0.14 + 0.24 against 0.16 + 0.15. Elsewhere (Windows, macOS,
a numpy without the switch) this does nothing. It is process-wide and only changes where memory comes
from, never a figure.
"""
from __future__ import annotations

import numpy as np

_done = False


def small_pages() -> bool:
    """Stop numpy advising huge pages for new arrays (once per process). False when numpy has no such switch."""
    global _done
    if _done:
        return True
    switch = getattr(getattr(getattr(np, "_core", None), "multiarray", None), "_set_madvise_hugepage", None)
    if switch is None:
        return False
    switch(False)
    _done = True
    return True
