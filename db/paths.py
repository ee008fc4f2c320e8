"""Where the ledger and its backups live by default (the user data folder)."""
from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

APP = "xingtu"


def data_dir() -> Path:
    """The user data folder; XINGTU_DATA_DIR overrides it (tests, portable installs)."""
    override = os.environ.get("XINGTU_DATA_DIR")
    if override:
        path = Path(override)
    else:
        path = Path(user_data_dir(APP, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_ledger_path() -> Path:
    return data_dir() / "ledger.db"


def default_backup_dir() -> Path:
    return data_dir() / "backups"
