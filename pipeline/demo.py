"""A realistic demo district, deterministic for a given seed.

About 8,000 firms over the 14 streets with histories from 2013 to 2025 that
agree with the published figures: 74 high-tech firms at the end of 2015,
about 340 at the end of 2021 and over 800 at the end of 2023; lapses and
re-recognitions, star-tier promotions from the 2023 plan on, officers,
service records, renamed firms, and targets for 2023-2025 decomposed to
the streets. Pure data: db/demo_store.py writes it.
"""
from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from pipeline.uscc import ALPHABET, make_code

# Year-end stock of valid high-tech certificates (2015, 2021 and 2023 are the published anchors).
HIGH_TECH_STOCK = {2013: 50, 2014: 62, 2015: 74, 2016: 105, 2017: 150, 2018: 200, 2019: 245, 2020: 290,
                   2021: 340, 2022: 715, 2023: 812, 2024: 880, 2025: 936}
LAST_YEAR = 2025

FIRST = ("楚天江汉东湖珞珈黄鹤晴川长江光谷云帆博睿华创智联中科卓越汇通天际"
         "新思恒信武昌紫阳南湖白沙蓝海星辰启明凌云鸿图瑞德泽众鼎盛")
SECOND = "达通源信科创华成安康泰丰宏远嘉盛明德睿智联合辰光腾飞新航宇恒为锐讯微芯数云"
INDUSTRIES = [("电子信息", "电子科技"), ("生物医药", "生物科技"), ("新材料", "新材料科技"), ("高端装备", "智能装备"),
              ("新能源", "能源科技"), ("节能环保", "环保科技"), ("软件和信息技术服务", "软件"),
              ("数字创意", "数字科技"), ("科技服务", "科技"), ("文化创意", "文化传媒")]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国晓宇浩然子涵雨欣思远"
SERVICE_KINDS = ["走访", "电话联系", "政策宣讲", "问题协调", "申报辅导"]
SERVICE_NOTES = ["了解企业研发投入情况，宣讲高企认定政策", "协调办公场地续租问题", "辅导科技型中小企业评价入库",
                 "对接银行科技贷款", "了解企业用工需求，推荐人才招聘会", "走访了解企业上市辅导进展",
                 "指导专精特新申报材料", "收集企业诉求：希望简化研发费用加计扣除流程"]


@dataclass
class DemoFirm:
    code: str | None
    name: str
    street: str
    industry: str
    officer: str
    contact_person: str
    contact_phone: str
    founded: date
    reg_capital: float
    revenue: float
    rd_spend: float
    employees: int
    aliases: list[tuple[str, date]] = field(default_factory=list)


@dataclass
class DemoDistrict:
    firms: list[DemoFirm]
    designations: list[tuple]      # (firm index, stage key, start, end or None, evidence, list name)
    services: list[tuple]          # (firm index, date, officer, kind, notes, follow_up)
    targets: list[dict]            # year, indicator, kind, stages, require, street or None, target, base_year


def generate(streets: list[str], n_firms: int = 8000, seed: int = 2023) -> DemoDistrict:
    rng = random.Random(seed)
    scale = n_firms / 8000
    officers = _people(rng, 20)
    firms = _firms(rng, streets, officers, n_firms)
    d: list[tuple] = []
    tech = _high_tech(rng, d, n_firms, scale)     # the firms most likely to be "tech" come first
    _kexiao(rng, d, n_firms, scale, tech)
    _stars(rng, d, n_firms, scale, tech)
    _zjtx(rng, d, n_firms, scale, tech)
    _seeds_and_species(rng, d, n_firms, scale, tech)
    _size_and_listing(rng, d, firms, scale, tech)
    services = _services(rng, firms, officers, d)
    return DemoDistrict(firms, d, services, _targets(firms, streets, scale))


def _people(rng, n):
    return [rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2)))) for _ in range(n)]


def _firms(rng, streets, officers, n):
    weights = [rng.uniform(0.5, 2.0) for _ in streets]
    officer_of_street = {s: officers[i % len(officers)] for i, s in enumerate(streets)}
    names: set[str] = set()
    firms: list[DemoFirm] = []
    while len(firms) < n:
        industry, suffix = rng.choice(INDUSTRIES)
        core = rng.choice(FIRST) + rng.choice(SECOND) + (rng.choice(SECOND) if rng.random() < 0.5 else "")
        form = "股份有限公司" if rng.random() < 0.08 else "有限公司"
        name = f"武汉{core}{suffix}{form}"
        if name in names:
            continue
        names.add(name)
        street = rng.choices(streets, weights)[0]
        org8 = "".join(rng.choice(ALPHABET) for _ in range(8))
        valid = make_code("9", "1", "420106", org8)
        r = rng.random()
        code: str | None = valid
        if r < 0.004:
            code = None                                        # old list, no code
        elif r < 0.01:
            code = valid[:17] + ALPHABET[(ALPHABET.index(valid[17]) + 7) % 31]   # fails the check
        founded = date(rng.randint(1998, 2022), rng.randint(1, 12), rng.randint(1, 28))
        employees = int(rng.lognormvariate(3.2, 1.0)) + 3
        revenue = round(employees * rng.uniform(15, 80), 1)
        firm = DemoFirm(code, name, street, industry,
                        officer_of_street[street] if rng.random() < 0.8 else rng.choice(officers),
                        rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                        f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
                        founded, float(rng.choice((50, 100, 200, 300, 500, 1000, 2000, 5000))), revenue,
                        round(revenue * rng.uniform(0.02, 0.12), 1), employees)
        if rng.random() < 0.03:                                # renamed: keep the old name
            old = f"武汉{rng.choice(FIRST)}{rng.choice(SECOND)}{suffix}有限公司"
            firm.aliases.append((old, date(rng.randint(2016, 2022), rng.randint(1, 12), 1)))
        firms.append(firm)
    return firms


def _batch_dates(year):
    """Hubei's two recognition batches a year."""
    return [date(year, 10, 16 + year % 7), date(year, 12, 8 + year % 5)]


def _high_tech(rng, d, n, scale) -> list[int]:
    """Certificates valid 36 months; 75% renewed on time, some re-recognised after a gap."""
    issued: dict[int, list[tuple[int, date]]] = {}
    holders_from: set[int] = set()
    lapsed: list[tuple[int, int]] = []
    pool = list(range(n))
    rng.shuffle(pool)
    pool_iter = iter(pool)
    stock = {y: round(v * scale) for y, v in HIGH_TECH_STOCK.items()}
    for year in range(2013, LAST_YEAR + 1):
        certs = []
        for firm, old in issued.get(year - 3, []):
            if rng.random() < 0.75:
                certs.append((firm, old.replace(year=year)))   # renewed in the same batch: seamless
            else:
                lapsed.append((firm, year))
        regain = [f for f, y in lapsed if y in (year - 1, year - 2) and rng.random() < 0.12]
        lapsed = [(f, y) for f, y in lapsed if f not in regain]
        need = stock[year] - len(issued.get(year - 1, [])) - len(issued.get(year - 2, [])) - len(certs)
        batches = _batch_dates(year)
        for firm in regain[:max(need, 0)]:
            certs.append((firm, rng.choice(batches)))
        for _ in range(max(need - len(regain), 0)):
            firm = next(pool_iter)
            holders_from.add(firm)
            certs.append((firm, rng.choice(batches)))
        issued[year] = certs
        for seq, (firm, day) in enumerate(certs):
            d.append((firm, "gaoqi", day, None, f"GR{year}42{seq + 1:06d}", f"{year}年湖北省高新技术企业认定名单"))
    return pool


def _kexiao(rng, d, n, scale, tech: list[int]):
    pool = tech
    tech = pool[: int(n * 0.7)]
    current: list[int] = []
    for year in range(2016, LAST_YEAR + 1):
        size = round((300 + (year - 2016) * 330) * scale)
        kept = [f for f in current if rng.random() < 0.8]
        fresh = [f for f in tech if f not in set(kept)]
        current = kept + rng.sample(fresh, max(0, min(len(fresh), size - len(kept))))
        for i, firm in enumerate(sorted(current)):
            start = date(year, rng.randint(3, 11), rng.randint(1, 28))
            d.append((firm, "kexiao", start, None, f"{year}4201060{i + 1:05d}", f"{year}年科技型中小企业入库名单"))


def _stars(rng, d, n, scale, tech: list[int]):
    """The four-star plan from 2023: a wave every half year; one tier at a time, rare demotions."""
    pool = tech[: int(n * 0.85)]
    tier: dict[int, int] = {}
    stages = ["fanxing", "xinxing", "liangxing", "mingxing"]
    waves = [date(2023, 3, 15), date(2023, 9, 15), date(2024, 3, 15), date(2024, 9, 15), date(2025, 3, 15),
             date(2025, 9, 15)]
    up = [0.16, 0.20, 0.18]
    for wi, day in enumerate(waves):
        moves = []
        for firm in sorted(tier):
            t = tier[firm]
            if t < 3 and rng.random() < up[t]:
                moves.append((firm, t + 1))
            elif t > 0 and rng.random() < 0.02:
                moves.append((firm, t - 1))
        new = [f for f in pool if f not in tier]
        for firm in rng.sample(new, min(len(new), round((3000 if wi == 0 else 400) * scale))):
            moves.append((firm, 0))
        for firm, t in moves:
            tier[firm] = t
            d.append((firm, stages[t], day, None, f"星级评定 {day:%Y-%m}", f"{day.year}年黄鹤楼星空企业名单"))


def _zjtx(rng, d, n, scale, tech: list[int]):
    pool = tech[: int(n * 0.2)]
    plan = {"chuangxin": (2022, 120), "shengji": (2019, 30), "xiaojuren": (2019, 4)}
    holders: dict[str, list[tuple[int, int]]] = {}
    for key, (first_year, per_year) in plan.items():
        for year in range(first_year, LAST_YEAR + 1):
            day = date(year, 7 if key != "xiaojuren" else 8, 20)
            renew = [f for f, y in holders.get(key, []) if y == year - 3 and rng.random() < 0.8]
            cands = [f for f in pool if all(f != g for g, _ in holders.get(key, []))]
            chosen = renew + rng.sample(
                cands, min(len(cands), round(per_year * scale * (1 + (year - first_year) * 0.15)))
            )
            for firm in chosen:
                holders.setdefault(key, []).append((firm, year))
                d.append((firm, key, day, None, None, f"{year}年{_names[key]}名单"))


_names = {"chuangxin": "创新型中小企业", "shengji": "湖北省专精特新中小企业", "xiaojuren": "国家级专精特新“小巨人”企业",
          "yinzhongzi": "武汉市银种子企业", "jinzhongzi": "武汉市金种子企业", "dengling": "武汉市瞪羚企业",
          "qianzai": "武汉市潜在独角兽企业", "dujiaoshou": "武汉市独角兽企业"}


def _seeds_and_species(rng, d, n, scale, tech: list[int]):
    pool = tech[: int(n * 0.15)]
    for year in range(2019, LAST_YEAR + 1):
        for key, count in (("yinzhongzi", 14), ("jinzhongzi", 7)):
            for firm in rng.sample(pool, round(count * scale) or 1):
                d.append((firm, key, date(year, 6, 30), date(year + 2, 1, 1), None,
                          f"{year}年{_names[key]}名单（有效期至{year + 1}年12月31日）"))
    for year in range(2020, LAST_YEAR + 1):
        for key, count in (("dengling", 18 + (year - 2020) * 2), ("qianzai", 3), ("dujiaoshou", 1)):
            for firm in rng.sample(pool, round(count * scale) or 1):
                d.append((firm, key, date(year, 11, 10), None, None, f"{year}年{_names[key]}名单"))


def _size_and_listing(rng, d, firms, scale, tech: list[int]):
    for i, firm in enumerate(firms):
        if firm.revenue >= 2000 and rng.random() < 0.9:
            start = date(rng.randint(2015, LAST_YEAR), rng.choice((1, 4, 7, 10)), 1)
            end = date(start.year + rng.randint(2, 5), 1, 1) if rng.random() < 0.1 else None
            d.append(
                (i, "guishang", start, end if end and end.year <= LAST_YEAR else None, None, "规模以上工业企业名录")
            )
    pool = tech[:400]
    listing = [("siban", 40), ("xinsanban", 10), ("kechuangban", 2), ("chuangyeban", 1), ("zhuban", 1)]
    taken = 0
    for key, count in listing:
        for firm in pool[taken: taken + max(1, round(count * scale))]:
            d.append(
                (firm, key, date(rng.randint(2016, LAST_YEAR), rng.randint(1, 12), 1), None, None, "上市挂牌企业名单")
            )
        taken += max(1, round(count * scale))


def _services(rng, firms, officers, d):
    cultivated = sorted({row[0] for row in d})
    out = []
    for firm in cultivated:
        for _ in range(rng.randint(0, 3)):
            day = date(2022, 1, 1) + timedelta(days=rng.randint(0, 1460))
            follow = day + timedelta(days=30) if rng.random() < 0.3 else None
            out.append((firm, day, firms[firm].officer, rng.choice(SERVICE_KINDS), rng.choice(SERVICE_NOTES), follow))
    return out


TARGET_PLAN = [
    ("高新技术企业总量", "stock", ["gaoqi"], [], None, (800, 870, 930)),
    ("净增高新技术企业", "net", ["gaoqi"], [], None, (80, 70, 60)),
    ("规模以上高新技术企业", "new", ["gaoqi"], ["guishang"], None, (15, 22, 45)),
    ("金银种子企业、专精特新企业", "new", ["yinzhongzi", "jinzhongzi", "shengji", "xiaojuren"], [], None, (60, 65, 70)),
    ("新物种企业", "new", ["dengling", "qianzai", "dujiaoshou"], [], None, (25, 25, 28)),
    ("累计培育数字经济企业、高科技企业", "cumulative",
     ["kexiao", "gaoqi", "fanxing", "xinxing", "liangxing", "mingxing"], [], 2019, (8000, 8500, 9000)),
]


def _targets(firms, streets, scale):
    weight = {s: 0 for s in streets}
    for f in firms:
        weight[f.street] += 1
    out = []
    for year_i, year in enumerate((2023, 2024, 2025)):
        for sort, (name, kind, stages, require, base_year, values) in enumerate(TARGET_PLAN):
            total = round(values[year_i] * scale) if kind != "cumulative" else round(values[year_i] * scale)
            common = dict(year=year, indicator=name, kind=kind, stages=stages, require=require, base_year=base_year,
                          sort=sort)
            out.append(dict(common, street=None, target=total))
            for street, share in split(total, weight).items():
                out.append(dict(common, street=street, target=share))
    return out


def split(total: int, weights: Mapping[str, float]) -> dict[str, int]:
    """Largest-remainder split of an integer total in proportion to weights; the parts add up."""
    whole = sum(weights.values()) or 1
    raw = {k: total * w / whole for k, w in weights.items()}
    parts = {k: int(v) for k, v in raw.items()}
    rest = total - sum(parts.values())
    for k in sorted(raw, key=lambda k: raw[k] - parts[k], reverse=True)[:rest]:
        parts[k] += 1
    return parts
