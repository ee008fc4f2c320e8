#!/usr/bin/env bash
# Smoke test of the frozen program (make dist-test; .ci/run after make dist).
#
# The program runs from a scratch folder with a clean environment (env -i: the system PATH only, no
# project virtualenv, no PYTHONPATH), a scratch data folder (XINGTU_DATA_DIR) and QT_QPA_PLATFORM=offscreen.
# python3 is used only by this script to read JSON and SQLite when checking the results.
# Usage: .ci/smoke_dist.sh [FOLDER]   (default dist/xingtu)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
FOLDER="$(cd "${1:-$ROOT/dist/xingtu}" && pwd)"
APP="$FOLDER/xingtu"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/xingtu-smoke.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
mkdir -p home
CHECKS=0
FAILS=0

ok()   { CHECKS=$((CHECKS + 1)); echo "  通过：$*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); echo "  失败：$*" >&2; }
check() { local what="$1"; shift; if eval "$*"; then ok "$what"; else fail "$what"; fi; }   # check WHAT 'shell test'

# the frozen program in a clean environment; stdout to $WORK/out, stderr to $WORK/err, exit status in $RC
app() {
    set +e
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME="$WORK/home" LANG=C.UTF-8 \
        XDG_CONFIG_HOME="$WORK/config" XINGTU_DATA_DIR="$WORK/data" QT_QPA_PLATFORM=offscreen \
        ${PROBE:+XINGTU_STARTUP_PROBE=1} "$APP" "$@" >"$WORK/out" 2>"$WORK/err"
    RC=$?
    set -e
}
# jcheck WHAT 'python expression on d, the JSON the program printed'
jcheck() {
    if python3 -c "import json,sys; d=json.load(open(sys.argv[1], encoding='utf-8')); sys.exit(0 if ($2) else 1)" \
        "$WORK/out" 2>/dev/null; then ok "$1"; else fail "$1"; fi
}
is_png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]; }
no_traceback() { ! grep -q "Traceback" "$WORK/err"; }

echo "冒烟测试：$APP（工作目录 $WORK）"
[ -x "$APP" ] || { echo "找不到打包好的程序 $APP（先运行 make dist）" >&2; exit 1; }
VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/pyproject.toml" | head -n 1)"

app --version
check "--version 输出 星图 $VERSION" '[ "$RC" = 0 -a "$(cat out)" = "星图 $VERSION" ]'

# first start of the desktop app: the ledger in the data folder with the default catalogs, the log there
PROBE=1 app
check "首次启动桌面程序（无参数）退出码 0 且窗口已绘制" '[ "$RC" = 0 ] && grep -qx FIRST_PAINT out'
check "首次启动在数据文件夹建立台账" '[ -f data/ledger.db ]'
check "日志写在数据文件夹" 'grep -q "启动" data/logs/xingtu.log'
app catalog --db data/ledger.db --json list
jcheck "新台账带默认认定类别" 'any(s["name"] == "高新技术企业" for t in d["tracks"] for s in t["stages"])'

app init --db x.db
check "init 退出码 0，台账已建立" '[ "$RC" = 0 -a -f x.db ]'

app import "$ROOT/tests/data/roster_small.csv" --db x.db --json
check "import 退出码 0" '[ "$RC" = 0 ]'
jcheck "import 新增 6 家，没有错误行" 'd["created"] == 6 and d["errors"] == []'
jcheck "import 报出第 8 行校验位警告" '[w["row"] for w in d["warnings"]] == [8]'

app import "$WORK/没有这个文件.csv" --db x.db
check "错误输入：退出码 2，一行中文，没有 traceback" '[ "$RC" = 2 ] && [ "$(wc -l < err)" = 1 ] && grep -q "找不到" err && no_traceback'

app report --db x.db --year 2024 --json
check "report --json 退出码 0" '[ "$RC" = 0 ]'
jcheck "report --json 数据完整" 'd["year"] == 2024 and "indicators" in d and "funnel" in d'

app export --db x.db --out "$WORK/导出.xlsx"
check "export 写出 xlsx" '[ "$RC" = 0 -a -s "$WORK/导出.xlsx" ]'

app report --db x.db --year 2024 --out "$WORK/报告.pdf"
check "report --out 写出 PDF" '[ "$RC" = 0 ] && [ "$(head -c 4 "$WORK/报告.pdf")" = "%PDF" ]'

app snapshot --db x.db --out shots
check "snapshot 退出码 0" '[ "$RC" = 0 ] && no_traceback'
for png in ledger firm import dashboard help; do
    check "snapshot 写出 $png.png" 'is_png "shots/$png.png"'
done

# an older ledger is migrated on the first start of this program, with a backup first
cp "$ROOT/tests/data/ledger_v3.db" old.db
PROBE=1 app --db old.db
check "打开旧版台账（v3）退出码 0" '[ "$RC" = 0 ]'
check "旧版台账已升级" 'python3 -c "import sqlite3,sys; sys.exit(sqlite3.connect(sys.argv[1]).execute(\"PRAGMA user_version\").fetchone()[0] <= 3)" old.db'
check "升级前已备份" 'compgen -G "data/backups/old_*_migration.db" >/dev/null'
app report --db old.db --year 2024 --json
jcheck "升级后的台账 report --json 正常" 'd["year"] == 2024'

# nothing in the folder that the app does not use, and nothing missing that it links to
INTERNAL="$FOLDER/_internal"
leftovers="$(cd "$INTERNAL" && ls -d pytest* _pytest hypothesis* importlinter* tkinter _tkinter* PyInstaller \
    pandas openpyxl sqlite_utils PySide6/QtNetwork* PySide6/QtQml* PySide6/QtSvg* PySide6/Qt/qml 2>/dev/null || true)"
check "没有测试、开发包和用不到的 Qt 模块${leftovers:+（多余：$leftovers）}" '[ -z "$leftovers" ]'
check "带有 Qt 中文翻译" '[ -f "$INTERNAL/PySide6/Qt/translations/qtbase_zh_CN.qm" ]'
check "带有 offscreen 与 xcb 平台插件" '[ -f "$INTERNAL/PySide6/Qt/plugins/platforms/libqoffscreen.so" ] &&
    [ -f "$INTERNAL/PySide6/Qt/plugins/platforms/libqxcb.so" ]'
check "带有看板按列读取用的 ADBC SQLite 驱动" '[ -f "$INTERNAL/adbc_driver_sqlite/libadbc_driver_sqlite.so" ]'
if command -v ldd >/dev/null; then
    missing="$(find "$FOLDER" -name '*.so*' -type f -print0 | xargs -0 -n 50 ldd 2>/dev/null | grep "not found" | sort -u || true)"
    check "所有库的依赖都找得到${missing:+：$missing}" '[ -z "$missing" ]'
fi

echo "$((CHECKS - FAILS)) passed, $FAILS failed"
[ "$FAILS" = 0 ]
