#!/bin/sh
# System packages the tests and snapshots need, installed only when missing:
# a CJK font (Chinese must render), the libraries Qt's offscreen platform loads, and binutils (PyInstaller
# reads the libraries with objdump for make dist), and PostgreSQL's server binaries (initdb, pg_ctl, pg_dump: the
# shared-ledger tests start a throwaway cluster when no server answers).
set -u
missing=""
if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
    missing="$missing fonts-wqy-microhei"
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    missing="$missing postgresql"
fi
if command -v dpkg >/dev/null 2>&1; then
    for pkg in binutils fontconfig libegl1 libgl1 libxkbcommon0 libglib2.0-0 libdbus-1-3 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
    done
fi
[ -z "$missing" ] && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "安装缺少的系统包：$missing"
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null || {
        echo "警告：系统包安装失败：$missing" >&2; exit 0; }
    fc-cache -f >/dev/null 2>&1 || true
else
    echo "警告：缺少系统包$missing（需要管理员安装，例如 sudo apt-get install$missing）" >&2
fi
