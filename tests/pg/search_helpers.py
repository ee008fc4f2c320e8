"""What the ledger table's search shows on a ledger (a file or a shared ledger), for the tests comparing engines."""
from db.ledger import Ledger
from db.ledger_view import LedgerQuery, LedgerView

# a name part (3+ characters: the trigram path), one and two characters, pinyin initials (short and long), a
# code prefix (digits: codes only; letters and digits: codes or names), two terms, nothing found
SEARCHES = ("科技有限", "生物", "武", "汉", "wh", "whs", "shengwu", "91420106", "914201064", "9142", "武汉 科技",
            "能源 wh", "zzzz无此企业")



def search_pages(target, queries=SEARCHES, **filters):
    with Ledger(target, readonly=True) as led:
        view = LedgerView.open(led)
        try:
            out = {}
            for text in queries:
                q = LedgerQuery(search=text, **filters)
                page = view.page(q, limit=500)
                out[text] = (view.count(q), page.ids, [row[:3] for row in page.rows])
            return out
        finally:
            view.close()
