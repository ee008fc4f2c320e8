"""The version of 星图 shown in 帮助 → 关于 (engineer D refines where it comes from)."""
from __future__ import annotations

FALLBACK = "0.1.0"


def version() -> str:
    try:
        from importlib.metadata import PackageNotFoundError, version as dist_version  # noqa: PLC0415
    except ImportError:  # pragma: no cover  (Python < 3.8)
        return FALLBACK
    try:
        return dist_version("xingtu")
    except PackageNotFoundError:
        return FALLBACK
