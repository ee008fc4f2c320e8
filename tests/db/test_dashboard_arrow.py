"""db.dashboard_queries reads each column of one Arrow batch without a copy, and joins several batches in order."""
import numpy as np
import pyarrow
import pytest

from db import dashboard_queries
from db.errors import LedgerError


def test_one_batch_is_read_without_a_copy():
    column = pyarrow.chunked_array([pyarrow.array([5, 6, 7, 8], pyarrow.int64()).slice(1)])
    got = dashboard_queries._arrow_ints(column, pyarrow.int64())
    assert got.tolist() == [6, 7, 8]
    assert np.shares_memory(got, np.frombuffer(column.chunks[0].buffers()[1], dtype=np.int64))


def test_batches_are_joined_in_order_and_nulls_refused():
    column = pyarrow.chunked_array([pyarrow.array([1, 2], pyarrow.int64()), pyarrow.array([3], pyarrow.int64())])
    assert dashboard_queries._arrow_ints(column, pyarrow.int64()).tolist() == [1, 2, 3]
    empty = pyarrow.chunked_array([], pyarrow.int64())
    assert dashboard_queries._arrow_ints(empty, pyarrow.int64()).tolist() == []
    with pytest.raises(LedgerError, match="意外的数据"):
        dashboard_queries._arrow_ints(pyarrow.chunked_array([pyarrow.array([1, None], pyarrow.int64())]),
                                      pyarrow.int64())


@pytest.mark.file_only("the file's ADBC read")
def test_a_batch_size_the_driver_refuses_still_reads(ledger, monkeypatch):
    monkeypatch.setattr(dashboard_queries, "BATCH_ROWS", -5)
    cols = dashboard_queries._adbc_columns(ledger.path)
    assert cols is not None
    assert [c.tolist() for c in cols] == [c.tolist() for c in dashboard_queries._sqlite_columns(ledger.conn)]
