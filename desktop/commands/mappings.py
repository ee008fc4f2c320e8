"""mappings: the column mappings the ledger remembers (only those a person asked to remember), and forgetting them.

A shared ledger keeps them in the ledger too (its ``meta`` table, as the file does): a header one officer asked to
remember maps for everyone who imports the same kind of list, and each remembering is audited with its import
(undoing the import forgets it). Everyone may list them; an officer or the admin may remember (importing with
--remember-map) and forget; a viewer neither (db/pg/access.py)."""
from __future__ import annotations

from desktop.commands.common import open_ledger, print_json
from importers.errors import InputError

MSG_NONE = "台账中没有记住的列对应关系"
MSG_UNKNOWN = "没有签名为“{sig}”的列对应关系；用 mappings --db 台账 列出全部"


def register(sub) -> None:
    p = sub.add_parser("mappings", help="列出或忘记记住的列对应关系（表头 → 字段）")
    p.add_argument("--db", required=True, help="台账文件路径，或共享台账地址 postgresql://…（全区共用；查看者不能忘记）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.add_argument("--forget", metavar="SIGNATURE|all", help="忘记某个签名的对应关系，或 all 全部忘记")
    p.set_defaults(func=run_mappings)


def run_mappings(args) -> int:
    from importers import mapping_store
    from importers.mapping import FIELDS
    with open_ledger(args.db, readonly=not args.forget) as ledger:
        if args.forget:
            known = {m["signature"] for m in mapping_store.list_all(ledger.conn)}
            if args.forget != "all" and args.forget not in known:
                raise InputError(MSG_UNKNOWN.format(sig=args.forget))
            n = mapping_store.forget(ledger, args.forget)
            print(f"已忘记 {n} 个列对应关系")
            return 0
        found = mapping_store.list_all(ledger.conn)
    if args.json:
        print_json(found)
        return 0
    if not found:
        print(MSG_NONE)
    for m in found:
        pairs = "，".join(f"{h} → {FIELDS.get(f, f)}" for h, f in m["mapping"].items())
        print(f"{m['signature']}  {pairs}")
    return 0
