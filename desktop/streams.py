"""Standard streams of the windowed Windows program (xingtu.exe), which starts without any.

A windowed program has ``sys.stdout``/``sys.stderr`` set to None: the first ``write`` (argparse's
messages, ``--version``, a command's output) would raise. Before anything else runs:
- a sub-command given to xingtu.exe: attach to the console of the shell that started it, if any,
  so its output shows there (the shell does not wait for a windowed program: scripts use
  xingtu-cli.exe, the console twin in the same folder);
- otherwise (the desktop app, or no console to attach to): the streams go to os.devnull; the app's
  own messages are in its log (desktop/crash.py).
"""
from __future__ import annotations

import os
import sys

ATTACH_PARENT_PROCESS = 0xFFFFFFFF           # (DWORD)-1


def is_gui(argv: list[str]) -> bool:
    return not argv or argv[0] == "gui" or argv[0].startswith("--db")


def _attach_parent_console() -> bool:
    import ctypes
    return bool(ctypes.windll.kernel32.AttachConsole(ATTACH_PARENT_PROCESS))


def _open_console():
    return open("CONOUT$", "w", encoding="utf-8", errors="replace")  # noqa: SIM115  (the process's console)


def ensure_streams(argv: list[str]) -> str:
    """Give the process usable stdout/stderr; returns what was done ('' when both existed)."""
    if sys.stdout is not None and sys.stderr is not None:
        return ""
    done = "devnull"
    if sys.platform == "win32" and not is_gui(argv):
        try:
            if _attach_parent_console():
                console = _open_console()
                sys.stdout = sys.stdout or console
                sys.stderr = sys.stderr or console
                done = "console"
        except (OSError, AttributeError):
            pass
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
    return done
