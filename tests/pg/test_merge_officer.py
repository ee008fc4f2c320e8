"""合并为一家企业 on a shared ledger as an officer of one street (积玉桥): the merge, its undo and a redo."""
from db import merge
from db.ledger import Ledger
from tests.db.merge_helpers import round_trip, undo_refused


def test_an_officer_merges_two_records_of_their_street_and_undoes_it_exactly(people):
    with Ledger(people["officer"]) as led:
        street = led.street_id("积玉桥")
        with led.write() as w:
            keep = w.insert_firm("武汉合并测试科技有限公司", street_id=street)
            gone = w.insert_firm("合并测试科技", street_id=street, industry="软件")
            w.add_alias(gone, "合并测试（武汉）")
            w.add_designation(keep, "xinxing", "2021-01-01")
            w.add_designation(gone, "liangxing", "2024-01-01")
            w.add_designation(gone, "gaoqi", "2023-01-01")
            w.add_service(gone, "2024-03-01", notes="走访")
        done, merged = round_trip(led, keep, gone)
        assert len(done.added) == 2 and len(done.aliases) == 2 and merged["firms"][gone][-1]


def test_an_officers_undo_of_a_merge_whose_merged_away_record_was_merged_again_is_refused(people):
    with Ledger(people["officer"]) as led:
        street = led.street_id("积玉桥")
        with led.write() as w:
            keep = w.insert_firm("武汉合并测试科技有限公司", street_id=street)
            gone = w.insert_firm("合并测试科技", street_id=street)
            third = w.insert_firm("合并测试", street_id=street)
            w.add_designation(gone, "gaoqi", "2023-01-01")
        with led.write() as w:
            done = merge.merge(w, keep, gone)
        assert done.mark                        # the officer reads the audit rows of the merge
        with led.write() as w:
            w.restore_firm(gone)
        with led.write() as w:
            merge.merge(w, third, gone)
        undo_refused(led, done)
