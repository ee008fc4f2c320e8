"""catalog: list and edit the stage catalog and the streets (data, never code).

On a shared ledger everyone may list; only the admin may change the catalog (the server refuses anyone else:
db/pg/access.py); the command says so before trying."""
from __future__ import annotations

from desktop.commands.common import open_ledger, print_json
from importers.errors import InputError

MSG_ADMIN_ONLY = ("只有共享台账的管理员可以修改认定类别目录与街道（您是{role} {login}）："
                  "请联系管理员，或用 catalog list 查看")


def register(sub) -> None:
    p = sub.add_parser("catalog", help="查看或修改认定类别目录与街道")
    p.add_argument("--db", required=True, help="台账文件，或共享台账地址 postgresql://…（修改仅限管理员）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出（list）")
    actions = p.add_subparsers(dest="action", metavar="操作")
    actions.add_parser("list", help="列出类别与街道")
    a = actions.add_parser("add-stage", help="新增认定类别")
    a.add_argument("track", help="所属序列的键，如 zjtx；新序列须加 --track-name")
    a.add_argument("key", help="新类别的键（字母，如 kjcx）；--stage 等处可用它指代该类别")
    a.add_argument("name", help="显示名称，如 科技和创新型中小企业")
    a.add_argument("--track-name", help="新序列的显示名称（track 是新键时必填）")
    a.add_argument("--level", type=int, help="在序列中的级次，1 为最低（默认：排在最高一级之上）")
    a.add_argument("--months", type=int, help="有效期月数")
    a.add_argument("--years", type=int, help="有效至第 N 年年底")
    a.add_argument("--alias", action="append", default=[], help="别名，名单中按它识别（可多次给出）")
    e = actions.add_parser("edit-stage", help="修改认定类别（改名、有效期、别名、停用）")
    e.add_argument("stage", help="键、名称或别名")
    e.add_argument("--name", help="新的显示名称")
    e.add_argument("--months", type=int, help="有效期月数")
    e.add_argument("--years", type=int, help="有效至第 N 年年底")
    e.add_argument("--no-expiry", action="store_true", help="长期有效")
    e.add_argument("--alias", action="append", help="别名（可多次给出，替换原有别名）")
    e.add_argument("--deactivate", action="store_true", help="停用：不再在名单中识别和提供，历史认定照常计入")
    s = actions.add_parser("street", help="新增、改名或停用街道")
    s.add_argument("name", help="街道名称：目录中没有时新增，已停用的重新启用")
    s.add_argument("--rename", help="把该街道改名为此名称")
    s.add_argument("--deactivate", action="store_true", help="停用该街道（其企业仍保留原街道）")
    p.set_defaults(func=run)


def _validity(args):
    if getattr(args, "no_expiry", False):
        return "none", None
    if args.months:
        return "months", args.months
    if args.years:
        return "year_end", args.years
    return None


def run(args) -> int:
    from db import catalog_store
    action = args.action or "list"
    with open_ledger(args.db, readonly=action == "list") as ledger:
        if action == "list":
            cat = ledger.catalog()
            data = {"tracks": [{"key": t.key, "name": t.name, "exclusive": t.exclusive,
                                "stages": [{"key": s.key, "name": s.name, "level": s.level,
                                            "validity": s.validity_text(), "aliases": list(s.aliases)}
                                           for s in t.stages]} for t in cat.tracks],
                    "streets": [n for _, n in ledger.streets()]}
            if args.json:
                print_json(data)
            else:
                for t in data["tracks"]:
                    print(f"{t['name']}（{t['key']}）")
                    for s in t["stages"]:
                        print(f"  {s['level']}. {s['name']}（{s['key']}）有效期：{s['validity']}"
                              + (f"；别名：{'、'.join(s['aliases'])}" if s["aliases"] else ""))
                print("街道：" + "、".join(data["streets"]))
            return 0
        _admin_only(ledger)
        try:
            with ledger.write("cli") as w:
                if action == "add-stage":
                    kind, value = _validity(args) or ("none", None)
                    catalog_store.add_stage(w, args.track, args.key, args.name, level=args.level, validity_kind=kind,
                                            validity_value=value, aliases=args.alias, track_name=args.track_name)
                    print(f"已新增认定类别“{args.name}”")
                elif action == "edit-stage":
                    stage = ledger.catalog().find(args.stage)
                    if stage is None:
                        raise InputError(f"未知的认定类别“{args.stage}”")
                    changes = {}
                    if args.name:
                        changes["name"] = args.name
                    if _validity(args):
                        changes["validity_kind"], changes["validity_value"] = _validity(args)
                    if args.alias is not None:
                        changes["aliases"] = args.alias
                    if args.deactivate:
                        changes["active"] = 0
                    diff = catalog_store.update_stage(w, stage.key, **changes)
                    print(f"已修改“{stage.name}”：{len(diff)} 项" if diff else "没有改动")
                elif action == "street":
                    catalog_store.set_street(w, args.name, active=not args.deactivate, rename_to=args.rename)
                    print(f"已保存街道“{args.rename or args.name}”")
        except (ValueError, KeyError) as exc:
            raise InputError(str(exc).strip("'")) from None
        except ledger.engine.integrity_errors as exc:
            raise InputError(f"与已有类别或街道重名：{exc}") from None
    return 0


def _admin_only(ledger) -> None:
    """A shared ledger's catalog is the admin's (a superuser counts as one)."""
    if getattr(ledger, "shared", False) and ledger.role != "admin":
        from db.pg.access import ROLE_NAMES
        raise InputError(MSG_ADMIN_ONLY.format(role=ROLE_NAMES.get(ledger.role, ledger.role), login=ledger.login))
