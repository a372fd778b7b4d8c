"""The tagged-JSON wire: what crosses between the judge and a sandboxed child.

First what the exercises send (a hand-written message), then round trips of every type, then what
a hostile child might send: the decoder must refuse it with WireError and never build anything a
sender chose.
"""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from grader.sandbox import wire
from grader.sandbox.wire import NamedFunction, Opaque, WireError


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


# ------------------------------------------------------------------------------------------------
# a worked example
# ------------------------------------------------------------------------------------------------

def test_a_merge_list_and_an_embedding_matrix_by_hand():
    merges = [("l", "o"), ("lo", "w")]
    E = np.array([[1.0, 2.0]])
    message = wire.encode({"merges": merges, "E": E})
    assert json.loads(message) == {"$d": [
        ["merges", [{"$t": ["l", "o"]}, {"$t": ["lo", "w"]}]],
        ["E", {"$a": ["<f8", [1, 2], b64(E.tobytes())]}],
    ]}
    back = wire.decode(message)
    assert back["merges"] == merges
    assert back["E"].dtype == np.float64 and np.array_equal(back["E"], E)


# ------------------------------------------------------------------------------------------------
# round trips
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [
    None, True, False, 0, -7, 2**80, 1.5, "", "héllo\n", [], [1, [2, [3]]], (), (1, "a"),
    {}, {"a": 1}, {("a", "b"): 3, 4: None}, {1, 2}, frozenset(), {(1, 2)},
])
def test_plain_values_round_trip(value):
    back = wire.roundtrip(value)
    assert back == value
    expected_type = set if isinstance(value, frozenset) else type(value)
    assert type(back) is expected_type


def test_special_floats_round_trip():
    back = wire.roundtrip([float("nan"), float("inf"), -float("inf"), -0.0])
    assert np.isnan(back[0]) and back[1:3] == [float("inf"), -float("inf")]
    assert str(back[3]) == "-0.0"


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "int64", "int32", "uint8", "bool", ">f8"])
def test_arrays_keep_dtype_shape_and_bytes(dtype):
    arr = (np.arange(24).reshape(2, 3, 4) % 3).astype(dtype)
    back = wire.roundtrip(arr)
    assert back.dtype == arr.dtype and back.shape == arr.shape and np.array_equal(back, arr)
    back[0, 0, 0] = 1  # a writable copy, not a view of the message
    assert back.flags.owndata or back.base is not None


def test_non_contiguous_and_empty_arrays():
    arr = np.arange(20.0).reshape(4, 5)[:, ::2]
    assert np.array_equal(wire.roundtrip(arr), arr)
    empty = np.zeros((0, 3))
    assert wire.roundtrip(empty).shape == (0, 3)


def test_numpy_scalars_stay_numpy_scalars():
    for scalar in (np.float64(0.5), np.int32(-3), np.bool_(True), np.uint8(255)):
        back = wire.roundtrip(scalar)
        assert type(back) is type(scalar) and back == scalar


def test_named_function_round_trips_with_its_parameters():
    f = NamedFunction("weighted_sin", {"weights": np.array([1.0, 2.0])})
    back = wire.roundtrip(f)
    assert back.name == "weighted_sin" and np.array_equal(back.params["weights"], [1.0, 2.0])


# ------------------------------------------------------------------------------------------------
# what is reduced on the way (the child encodes whatever a student returns)
# ------------------------------------------------------------------------------------------------

def test_an_ndarray_subclass_arrives_as_a_plain_array():
    class Sneaky(np.ndarray):
        def __eq__(self, other):
            return True
    arr = np.arange(3.0).view(Sneaky)
    back = wire.roundtrip(arr)
    assert type(back) is np.ndarray and list(back) == [0.0, 1.0, 2.0]


def test_subclasses_of_builtins_arrive_as_the_builtins():
    class Liar(int):
        def __eq__(self, other):
            return True

    class LyingList(list):
        def __eq__(self, other):
            return True
    back = wire.roundtrip([Liar(3), LyingList([1])])
    assert type(back[0]) is int and back[0] == 3 and back[0] != 4
    assert type(back[1]) is list and back[1] != [2]


def test_objects_of_other_types_become_opaque():
    class AlwaysEqual:
        def __eq__(self, other):
            return True

        def __repr__(self):
            return "AlwaysEqual()"
    back = wire.roundtrip(AlwaysEqual())
    assert isinstance(back, Opaque) and back.text == "AlwaysEqual()"
    assert back != 42 and back != "AlwaysEqual()"


def test_a_hostile_repr_does_not_break_encoding():
    class Bad:
        def __repr__(self):
            raise RuntimeError("no")
    assert "repr failed" in wire.roundtrip(Bad()).text


def test_object_and_string_arrays_become_opaque():
    assert isinstance(wire.roundtrip(np.array([object()])), Opaque)
    assert isinstance(wire.roundtrip(np.array(["a", "b"])), Opaque)


def test_nesting_deeper_than_the_limit_cannot_be_encoded():
    deep: list = []
    for _ in range(wire.MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(WireError, match="nested"):
        wire.encode(deep)
    loop: list = []
    loop.append(loop)
    with pytest.raises(WireError):
        wire.encode(loop)


def test_an_int_too_long_for_json_cannot_be_encoded():
    with pytest.raises(WireError):
        wire.encode(10 ** 5000)


# ------------------------------------------------------------------------------------------------
# the decoder refuses anything malformed
# ------------------------------------------------------------------------------------------------

def arr(dtype: str, shape: list, raw: bytes) -> dict:
    return {"$a": [dtype, shape, b64(raw)]}


@pytest.mark.parametrize("tree", [
    {"$x": 1},                                   # unknown tag
    {"$t": [1], "$d": []},                       # two keys
    {"a": 1},                                    # a plain JSON object is not a value
    {"$t": "ab"},                                # tuple body not a list
    {"$d": [[1]]},                               # dict item not a pair
    {"$d": [[[1], 2]]},                          # unhashable key
    {"$set": [[1]]},                             # unhashable set item
    {"$d": [[{"$a": ["<f8", [1], b64(bytes(8))]}, 1]]},  # an array as a key
    {"$f": ["f"]},                               # function without params
    {"$f": [1, {"$d": []}]},                     # function name not a string
    {"$f": ["f", [1]]},                          # params not a dict
    {"$o": ["t", 5]},                            # opaque text not a string
    {"$o": ["t", "x" * 2000]},                   # opaque text too long
])
def test_malformed_tags_are_refused(tree):
    with pytest.raises(WireError):
        wire.decode(json.dumps(tree).encode())


@pytest.mark.parametrize("tree", [
    arr("<f8", [3], bytes(16)),                  # 3 floats need 24 bytes
    arr("<f8", [2, 2], bytes(24)),
    arr("|b1", [-1], b""),                       # negative dimension
    arr("<f8", [1.5], bytes(8)),                 # dimension not an int
    arr("<f8", [True], bytes(8)),                # bool is not an int here
    arr("<f8", [0, 10 ** 20], b""),              # zero-size, but a dimension numpy refuses
    arr("<f8", [1] * 40, bytes(8)),              # too many dimensions
    {"$a": ["<f8", [1]]},                        # missing body part
    {"$a": ["<f8", [1], "not base64!"]},
    {"$s": ["<f8", b64(bytes(4))]},              # scalar bytes do not match
])
def test_wrong_byte_counts_and_shapes_are_refused(tree):
    with pytest.raises(WireError):
        wire.decode(json.dumps(tree).encode())


@pytest.mark.parametrize("dtype", ["O", "|O", "<U3", "S4", "V8", "<M8", "<m8", "<c16", "f8,i4",
                                   "(2)f8", "[('a','<f8')]", "f3", "a,", 8, None])
def test_dtypes_that_may_not_cross_are_refused(dtype):
    with pytest.raises(WireError):
        wire.decode(json.dumps({"$a": [dtype, [1], b64(bytes(8))]}).encode())
    with pytest.raises(WireError):
        wire.decode(json.dumps({"$s": [dtype, b64(bytes(8))]}).encode())


def test_deep_nesting_is_refused_however_deep():
    for depth in (wire.MAX_DEPTH + 2, 100_000):
        message = b"[" * depth + b"]" * depth
        with pytest.raises(WireError):
            wire.decode(message)
        message = b'{"$t":[' * depth + b"]}" * depth
        with pytest.raises(WireError):
            wire.decode(message)


@pytest.mark.parametrize("message", [b"", b"{", b"\xff\xfe", b"[1,]", b"1" + b"0" * 5000, b"NaNa"])
def test_bytes_that_are_not_json_are_refused(message):
    with pytest.raises(WireError):
        wire.decode(message)


def test_huge_messages_are_refused_before_parsing(monkeypatch):
    monkeypatch.setattr(wire, "MAX_MESSAGE_BYTES", 1000)
    assert wire.decode(b"[" + b"1," * 100 + b"1]") == [1] * 101
    with pytest.raises(WireError, match="too large"):
        wire.decode(b"[" + b"1," * 1000 + b"1]")


def test_the_decoder_builds_no_object_of_a_type_the_sender_names():
    tree = {"$o": ["subprocess.Popen", "Popen(['rm', '-rf', '/'])"]}
    back = wire.decode(json.dumps(tree).encode())
    assert type(back) is Opaque and back.type_name == "subprocess.Popen"
