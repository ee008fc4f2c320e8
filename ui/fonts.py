"""The one list of Chinese-capable font families, in the order the app and the PDF report choose them.

Windows' own fonts come first (微软雅黑 Microsoft YaHei, then 宋体 SimSun and 黑体 SimHei, present on
every Chinese Windows 10/11), so an office PC never picks a font some other program happened to
install; then macOS, then the free fonts of Linux desktops.
"""
from __future__ import annotations

CJK_FAMILIES = ("Microsoft YaHei UI", "Microsoft YaHei", "微软雅黑", "SimSun", "宋体", "SimHei", "黑体",
                "PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei")


def cjk_families(installed) -> list[str]:
    """The families of CJK_FAMILIES that are installed, in CJK_FAMILIES' order."""
    have = set(installed)
    return [name for name in CJK_FAMILIES if name in have]
