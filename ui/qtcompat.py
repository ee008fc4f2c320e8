"""A work-around for a reference-counting bug in PySide6 6.12 (seen with 6.12 on CPython 3.11).

A Python override that returns None to C++ (``QAbstractItemModel.data`` / ``headerData`` for a
role it does not answer: the usual "no data") gives back one reference to None that it never
took. A table repaint asks for ~10 roles per cell, so after some hundred thousand calls None's
reference count reaches zero and the interpreter aborts ("Fatal Python error: none_dealloc").

``no_data()`` returns None with the reference PySide will drop; the models in ui/ use it.
``immortalize_none()`` (run when ``ui`` is imported) also gives None, True and False a very large
number of extra references (CPython 3.12+ makes them immortal by design), so models elsewhere (or a future PySide that
fixes the bug) are safe either way.
"""
from __future__ import annotations

import ctypes
import sys

_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_incref.restype = None
_done = False


def no_data():
    """None, for a Qt virtual that returns QVariant: "no value for this role"."""
    _incref(None)
    return None


def immortalize_none() -> None:
    global _done
    if _done or sys.implementation.name != "cpython" or sys.version_info >= (3, 12) or hasattr(sys, "gettotalrefcount"):
        return
    for singleton in (None, True, False):      # bool_dealloc was seen too, from an override returning a bool
        ctypes.c_ssize_t.from_address(id(singleton)).value += 1 << 40   # ob_refcnt: the first field of a PyObject
    _done = True
