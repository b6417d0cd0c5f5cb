"""Request validation through the wire: weights, schema-breaking and deeply nested references."""

from __future__ import annotations

import json

import grpc
import pytest
from google.protobuf import struct_pb2
from rpc import G24, RIGHT, item, request, status, stub

from rewardgym.v1 import reward_pb2 as pb
from rewardgym.validate import too_deep


def _good(n: int, tag: str) -> list[pb.ScoreItem]:
    return [item("game24", f"<think>{tag}{k}</think>{RIGHT}", G24, id=f"ok{k}") for k in range(n)]


@pytest.mark.parametrize("rpc", ["Score", "ScoreStream", "ScoreStreamBatched"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_weight_is_invalid_argument_naming_the_key(shared_server, rpc, value):
    s = stub(shared_server.address)
    with pytest.raises(grpc.RpcError) as err:
        call = getattr(s, rpc)(request(_good(2, "w"), weights={"format": value}), timeout=10)
        list(call) if rpc != "Score" else None
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "weights['format']" in err.value.details() and "finite" in err.value.details()


def test_unknown_weight_key_is_invalid_argument_and_known_ones_work(shared_server):
    s = stub(shared_server.address)
    with pytest.raises(grpc.RpcError) as err:
        s.Score(request(_good(2, "u"), weights={"acuracy": 1.0}), timeout=10)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "'acuracy'" in err.value.details() and "accuracy" in err.value.details()
    # The honest twin: a known key (accuracy) of game24 is applied.
    resp = s.Score(request(_good(2, "u"), weights={"accuracy": 0.5, "format": 0.0}), timeout=10)
    assert [(status(r), r.reward) for r in resp.results] == [("OK", 0.5)] * 2
    # A mixed batch: a key must belong to at least one of its tasks; each task applies what it knows.
    code = {"language": "python", "tests": [{"input": "", "output": "1"}]}
    mixed = [*_good(1, "m"), item("code", "```python\nprint(1)\n```", code)]
    resp = s.Score(request(mixed, weights={"accuracy": 1.0, "pass_rate": 1.0, "all_passed": 0.0}), timeout=30)
    assert [(status(r), r.reward) for r in resp.results] == [("OK", 1.0), ("OK", 1.0)]
    with pytest.raises(grpc.RpcError) as err:
        s.Score(request(mixed[:1], weights={"all_passed": 1.0}), timeout=10)  # a code component: no code item
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_nan_item_deadline_is_invalid_argument(shared_server):
    with pytest.raises(grpc.RpcError) as err:
        stub(shared_server.address).Score(request(_good(1, "d"), item_deadline_s=float("nan")), timeout=10)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "item_deadline_s" in err.value.details()


def test_schema_breaking_references_name_the_field_and_the_rest_is_scored(shared_server):
    s = stub(shared_server.address)
    bad = [
        (item("game24", RIGHT, [4, 7, 8, 1]), "reference"),  # a list: never reaches parse_reference
        (item("game24", RIGHT, {"numbers": [4, 7, 8, "1"]}), "numbers[3]"),
        (item("game24", RIGHT, {"numbers": [4, 7, 8, 1], "extra": 1}), "extra"),
        (item("game24", RIGHT, {}), "numbers"),
        (item("math", "\\boxed{1}", {"answer": 1}), "answer"),
        (item("math", "\\boxed{1}", ["1"]), "reference"),
        (item("code", "print(1)", {"language": "python", "tests": "nope"}), "tests"),
        (item("code", "print(1)", {"language": "cobol", "tests": []}), "language"),
    ]
    items = [b for b, _ in bad] + _good(3, "s")
    resp = s.Score(request(items), timeout=30)
    for (_, field), r in zip(bad, resp.results, strict=False):
        assert status(r) == "INVALID_REFERENCE", (field, r)
        assert r.detail.startswith(field + ":"), (field, r.detail)
    assert [(status(r), r.reward) for r in resp.results[len(bad):]] == [("OK", 1.0)] * 3


def test_deeply_nested_references_are_invalid_and_the_rest_is_scored(shared_server):
    s = stub(shared_server.address)
    deep_list = "[" * 200_000 + "]" * 200_000
    deep_obj = '{"numbers": ' + '{"a":' * 200_000 + "1" + "}" * 200_000 + "}"
    deep_math = '{"answer": "x", "percent": ' + "[" * 200_000 + "]" * 200_000 + "}"
    items = [item("game24", RIGHT, deep_list), item("game24", RIGHT, deep_obj), item("math", "1", deep_math),
             item("code", "print(1)", deep_list)] + _good(3, "n")
    resp = s.Score(request(items), timeout=60)
    for r in resp.results[:4]:
        assert status(r) == "INVALID_REFERENCE" and "nested deeper" in r.detail, r
    assert [(status(r), r.reward) for r in resp.results[4:]] == [("OK", 1.0)] * 3
    # Brackets inside strings are text, not nesting: the honest twin of a deep-looking reference.
    honest = {"answer": "[" * 150 + "1" + "]" * 150, "percent": "lenient"}
    r = s.Score(request([item("math", "\\boxed{1}", honest)]), timeout=30).results[0]
    assert status(r) == "OK", r


def test_deep_struct_reference_does_not_break_the_call(shared_server):
    """A Struct reference is nested messages: protobuf itself bounds the depth it will parse."""
    s = stub(shared_server.address)
    val = struct_pb2.Value()
    cur = val
    for _ in range(40):
        cur = cur.list_value.values.add()
    cur.number_value = 1
    items = [pb.ScoreItem(task="game24", completion=RIGHT, reference=pb.Reference(value=val)), *_good(2, "t")]
    resp = s.Score(request(items), timeout=30)
    assert status(resp.results[0]) == "INVALID_REFERENCE" and resp.results[0].detail.startswith("reference:")
    assert [status(r) for r in resp.results[1:]] == ["OK", "OK"]


def test_too_deep_scans_linearly_and_ignores_strings():
    assert too_deep("[" * 101 + "]" * 101) and not too_deep("[" * 100 + "]" * 100)
    assert not too_deep(json.dumps({"a": "[" * 1000, "b": "\\\"{" * 500}))
    assert too_deep('{"a": "\\"", "b": ' + "[" * 101 + "]" * 101 + "}")
