"""The small catalog, streets and certificates of the hand-worked figure audits (tests/pipeline/test_figures_*.py,
tests/ui/dashboard/test_rates_shown.py)."""
from datetime import date

from pipeline.catalog import Catalog, Funnel, FunnelStep, Stage, Track
from pipeline.dates import add_months
from pipeline.facts import Facts

GAOQI, KEXIAO, SEED_S, SEED_G, ZJTX = 1, 2, 3, 4, 5
CAT = Catalog(
    [Track("gaoqi", "高新技术企业", False, (Stage(GAOQI, "gaoqi", "高新技术企业", "gaoqi", 1, "months", 36),)),
     Track("kexiao", "科技型中小企业", False, (Stage(KEXIAO, "kexiao", "科技型中小企业", "kexiao", 1, "year_end", 1),)),
     Track("seed", "种子企业", False, (Stage(SEED_S, "silver", "银种子", "seed", 1),
                                     Stage(SEED_G, "gold", "金种子", "seed", 2))),
     Track("zjtx", "专精特新", False, (Stage(ZJTX, "zjtx", "专精特新", "zjtx", 1, "months", 36),))],
    [Funnel("chain", "培育链", (FunnelStep("科小", ("kexiao",)), FunnelStep("高企", ("gaoqi",))))])
EAST, WEST = 10, 20
STREETS = [(EAST, "东"), (WEST, "西")]


def facts(rows, streets):
    return Facts.from_rows(rows, streets.items())


def cert(firm, start, months=36, stage=GAOQI):
    return (firm, stage, start, add_months(date.fromisoformat(start), months).isoformat())
