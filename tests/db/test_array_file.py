"""db/array_file.py: named arrays come back exactly (values, dtypes, meta), read-only; a short, long, damaged or
foreign file, or one whose meta the caller refuses, is not read (None), whatever byte was changed."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from db import array_file

DTYPES = [np.int32, np.int64, np.bool_, np.float64, np.intp, np.uint8]


def sample() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(3)
    return {"a": rng.integers(-5, 1 << 30, 1001, dtype=np.int64).astype(np.int32),
            "ix0/raw_key": rng.integers(0, 1 << 60, 77, dtype=np.int64),
            "empty": np.zeros(0, dtype=np.int32),
            "flags": rng.random(13) < 0.5,
            "odd/中文": np.arange(3, dtype=np.uint8),
            "median": np.array([1.5, np.nan, -0.0])}


def same(a: dict, b: dict) -> bool:
    return list(a) == list(b) and all(a[k].dtype == b[k].dtype and np.array_equal(a[k], b[k], equal_nan=True)
                                      for k in a)


def test_arrays_and_meta_come_back_exactly_and_read_only(tmp_path):
    file = tmp_path / "x.derived"
    meta = {"token": "t1", "state": {"rates": [[2025, 739252, 0.8125]], "none": None, "名": "高企"}}
    array_file.write(file, meta, sample())
    got = array_file.read(file, lambda m: m["token"] == "t1")
    assert got is not None and got[0] == meta and same(got[1], sample())
    assert all(not a.flags.writeable for a in got[1].values())
    with pytest.raises(ValueError):
        got[1]["a"][0] = 1
    assert array_file.read(file, lambda m: m["token"] == "t2") is None         # the caller refuses it
    assert array_file.read(tmp_path / "none.derived", lambda m: True) is None


def test_a_rewrite_replaces_the_file_whole(tmp_path):
    file = tmp_path / "x.derived"
    array_file.write(file, {"n": 1}, sample())
    array_file.write(file, {"n": 2}, {"b": np.arange(5, dtype=np.int64)})
    meta, arrays = array_file.read(file, lambda m: True)
    assert meta == {"n": 2} and list(arrays) == ["b"] and arrays["b"].tolist() == [0, 1, 2, 3, 4]
    assert [p.name for p in tmp_path.iterdir()] == ["x.derived"]                # no temporary file left


def test_only_columns_of_numbers_are_written(tmp_path):
    for bad in (np.zeros((2, 2)), np.array(["a"], dtype=object)):
        with pytest.raises(ValueError):
            array_file.write(tmp_path / "x.derived", {}, {"bad": bad})
    assert not (tmp_path / "x.derived").exists()


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    file = tmp_path_factory.mktemp("af") / "x.derived"
    array_file.write(file, {"token": "t"}, sample())
    return file.read_bytes()


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_any_changed_byte_or_length_is_refused(written, tmp_path_factory, data):
    """Every single-byte change, cut or extension of the file makes it unreadable, never different."""
    raw = bytearray(written)
    kind = data.draw(st.sampled_from(["flip", "cut", "extend"]))
    if kind == "flip":
        at = data.draw(st.integers(0, len(raw) - 1))
        bit = data.draw(st.integers(0, 7))
        raw[at] ^= 1 << bit
        if any(lo <= at < hi for lo, hi in _padding(written)):
            return                  # the zeros between arrays: not data, may change
    elif kind == "cut":
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    else:
        raw += bytes(data.draw(st.integers(1, 70)))
    file = tmp_path_factory.mktemp("bad") / "x.derived"
    file.write_bytes(bytes(raw))
    got = array_file.read(file, lambda m: isinstance(m, dict) and m.get("token") == "t")
    assert got is None or same(got[1], sample())          # a header change that leaves it valid reads the same


def _padding(raw: bytes) -> list[tuple[int, int]]:
    """Byte ranges of the file that hold no array byte (after the header)."""
    import json
    length = int.from_bytes(raw[8:16], "little")
    header = json.loads(raw[array_file.HEAD:array_file.HEAD + length])
    start = array_file._padded(array_file.HEAD + length)
    out, at = [(array_file.HEAD + length, start)], start
    for _name, dtype, n, offset in header["arrays"]:
        out.append((at, start + offset))
        at = start + offset + n * np.dtype(dtype).itemsize
    out.append((at, len(raw)))
    return out


def test_a_changed_data_byte_is_refused(written, tmp_path):
    """The checksum: one bit of one array's value changed."""
    raw = bytearray(written)
    raw[_padding(written)[0][1] + 10] ^= 0x10          # a byte of the first array's third value
    (tmp_path / "x.derived").write_bytes(bytes(raw))
    assert array_file.read(tmp_path / "x.derived", lambda m: True) is None


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_the_dashboard_keeps(tmp_path, dtype):
    a = (np.arange(37) * 7919 % 101).astype(dtype)
    array_file.write(tmp_path / "x.derived", {}, {"a": a, "b": a[::-1].copy()})
    _, got = array_file.read(tmp_path / "x.derived", lambda m: True)
    assert got["a"].dtype == np.dtype(dtype) and got["a"].tolist() == a.tolist()
    assert got["b"].tolist() == a[::-1].tolist()
