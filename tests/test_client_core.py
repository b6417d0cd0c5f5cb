"""The client's I/O-free parts: address planning, request building, retry timing, adapter text helpers,
and that ``trainer_client`` imports with grpcio + protobuf alone."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import grpc
import pytest

from trainer_client import Item
from trainer_client._core import (
    RetryPolicy,
    build_chunks,
    plan_targets,
    rechunk,
    reference_text,
    rpc_failure,
    score_options,
)
from trainer_client.adapters._common import as_reference, completion_text, strip_trailing_special_tokens
from trainer_client.types import RewardServiceError

ROOT = Path(__file__).resolve().parents[1]
REF = {"numbers": [1, 2, 3, 4], "target": 24}


def test_plan_targets_one_channel_when_grpc_can_balance():
    assert plan_targets("127.0.0.1:5") == ["dns:///127.0.0.1:5"]
    assert plan_targets(["127.0.0.1:1", "127.0.0.1:2"]) == ["ipv4:127.0.0.1:1,127.0.0.1:2"]
    assert plan_targets("127.0.0.1:1, 127.0.0.1:2") == ["ipv4:127.0.0.1:1,127.0.0.1:2"]
    assert plan_targets(["[::1]:1", "[::1]:2"]) == ["ipv6:[::1]:1,[::1]:2"]
    # A full target passes untouched, commas included.
    assert plan_targets("ipv4:10.0.0.1:1,10.0.0.2:1") == ["ipv4:10.0.0.1:1,10.0.0.2:1"]
    assert plan_targets("dns:///rewardgym.svc:50051") == ["dns:///rewardgym.svc:50051"]


def test_plan_targets_host_names_get_a_channel_each():
    assert plan_targets(["a.local:1", "b.local:2"]) == ["dns:///a.local:1", "dns:///b.local:2"]
    with pytest.raises(ValueError):
        plan_targets([])


def _chunks(items, **kw):
    kw.setdefault("chunk_size", 1024)
    kw.setdefault("max_chunk_bytes", 1 << 20)
    return build_chunks(items, options=score_options({"format": 0.5}, 1.5, True), **kw)


def test_group_reference_is_sent_once_per_request():
    group = [Item("game24", f"c{i}", REF) for i in range(16)]
    other = [Item("game24", f"d{i}", {"target": 24, "numbers": [1, 2, 3, 4]}) for i in range(4)]
    (chunk,) = _chunks(group + other)
    # Same content with another key order is the same reference: keys are sorted.
    assert len(chunk.request.references) == 1
    assert json.loads(chunk.request.references[0].json) == REF
    assert {it.reference_index for it in chunk.request.items} == {0}
    assert chunk.request.options.weights["format"] == 0.5
    assert chunk.request.options.item_deadline_s == 1.5 and chunk.request.options.no_cache


def test_chunks_by_count_keep_order_and_repeat_shared_reference_per_chunk():
    refs = [{"numbers": [1, 1, 1, k], "target": 24} for k in range(3)]
    items = [Item("game24", f"c{i}", refs[i % 3], id=str(i)) for i in range(10)]
    chunks = _chunks(items, chunk_size=4)
    assert [c.indices for c in chunks] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    for c in chunks:
        for pos, it in zip(c.indices, c.request.items, strict=True):
            assert it.id == str(pos) and it.completion == f"c{pos}"
            assert json.loads(c.request.references[it.reference_index].json) == refs[pos % 3]


def test_chunks_by_bytes_and_json_text_references_pass_through():
    big = "x" * 1000
    items = [Item("game24", big, '{"numbers":[1,2,3,4]}') for _ in range(5)]
    chunks = _chunks(items, max_chunk_bytes=2500)
    assert [len(c.indices) for c in chunks] == [2, 2, 1]
    assert chunks[0].request.references[0].json == '{"numbers":[1,2,3,4]}'
    # One item over the byte limit still goes out, alone.
    assert [len(c.indices) for c in _chunks(items[:2], max_chunk_bytes=10)] == [1, 1]


def test_rechunk_keeps_caller_indices():
    items = [Item("game24", f"c{i}", REF) for i in range(6)]
    (chunk,) = _chunks(items, chunk_size=6)
    sub = rechunk(chunk, [1, 4])
    assert sub.indices == [1, 4]
    assert [it.completion for it in sub.request.items] == ["c1", "c4"]
    assert sub.request.options == chunk.request.options


def test_default_task_and_missing_reference():
    (chunk,) = build_chunks(
        [Item("", "c", None)],
        chunk_size=8,
        max_chunk_bytes=1 << 20,
        options=score_options(None, 0, False),
        default_task="game24",
    )
    assert chunk.request.default_task == "game24"
    assert chunk.request.items[0].WhichOneof("ref") is None


def test_reference_text_handles_array_likes_without_numpy():
    class ArrayLike:
        def tolist(self):
            return [3, 3, 8, 8]

    assert reference_text({"numbers": ArrayLike()}) == '{"numbers":[3,3,8,8]}'
    assert reference_text('{"a": 1}') == '{"a": 1}'
    assert reference_text(None) is None


def test_retry_only_on_unavailable_with_growing_jittered_backoff():
    p = RetryPolicy(retries=4, backoff_s=0.1, max_backoff_s=0.3)
    for code in (
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNAUTHENTICATED,
        None,
    ):
        assert p.delay(code, 1) is None
    caps = [0.1, 0.2, 0.3, 0.3]
    for attempt, cap in enumerate(caps, start=1):
        delays = {p.delay(grpc.StatusCode.UNAVAILABLE, attempt) for _ in range(50)}
        assert all(cap / 2 <= d <= cap for d in delays)
        assert len(delays) > 1  # jittered
    assert p.delay(grpc.StatusCode.UNAVAILABLE, 5) is None  # retries exhausted


def test_failed_rpc_maps_to_item_statuses_or_raises():
    (chunk,) = _chunks([Item("game24", "a", REF, id="a"), Item("game24", "b", REF)])
    res = rpc_failure(
        chunk, grpc.StatusCode.DEADLINE_EXCEEDED, "slow", 1, none_on_error=True, raise_on_error=False
    )
    assert [(r.index, r.id, r.status, r.reward) for r in res] == [
        (0, "a", "timeout", None),
        (1, "", "timeout", None),
    ]
    assert "DEADLINE_EXCEEDED" in res[0].detail and not res[0].ok
    res = rpc_failure(
        chunk, grpc.StatusCode.RESOURCE_EXHAUSTED, "busy", 1, none_on_error=False, raise_on_error=False
    )
    assert {(r.status, r.reward) for r in res} == {("rejected", 0.0)}
    res = rpc_failure(chunk, grpc.StatusCode.UNAVAILABLE, "down", 6, none_on_error=True, raise_on_error=False)
    assert {r.status for r in res} == {"internal_error"} and "attempts=6" in res[0].detail
    with pytest.raises(RewardServiceError):
        rpc_failure(
            chunk, grpc.StatusCode.UNAUTHENTICATED, "token", 1, none_on_error=True, raise_on_error=False
        )
    with pytest.raises(RewardServiceError):
        rpc_failure(chunk, grpc.StatusCode.INTERNAL, "boom", 1, none_on_error=True, raise_on_error=True)


def test_completion_text_standard_and_conversational():
    assert completion_text("plain") == "plain"
    assert completion_text([{"role": "assistant", "content": "a"}]) == "a"
    tool_loop = [
        {"role": "assistant", "content": "calling"},
        {"role": "tool", "content": "42"},
        {
            "role": "assistant",
            "content": [{"type": "text", "text": "final "}, {"type": "text", "text": "42"}],
        },
    ]
    assert completion_text(tool_loop) == "final 42"
    assert completion_text([]) == ""


def test_as_reference_objects_pass_and_bare_answers_are_wrapped():
    assert as_reference(REF) == REF
    assert as_reference(json.dumps(REF)) == REF
    assert as_reference("72") == {"answer": "72"}
    assert as_reference("{not json", "solution") == {"solution": "{not json"}


def test_strip_trailing_special_tokens():
    assert (
        strip_trailing_special_tokens("<answer>1</answer><|im_end|>\n<|endoftext|>") == "<answer>1</answer>"
    )
    assert strip_trailing_special_tokens("a </s>") == "a"
    assert strip_trailing_special_tokens("a<|x|>b") == "a<|x|>b"


def test_trainer_client_imports_without_server_dependencies():
    code = textwrap.dedent(
        """
        import sys
        for name in ("sympy", "gymnasium", "numpy", "docker", "torch", "envs", "sandbox"):
            sys.modules[name] = None  # any import of these now raises ImportError
        import trainer_client, trainer_client.client, trainer_client.aio
        import trainer_client.adapters.trl, trainer_client.adapters.verl, trainer_client.adapters.openrlhf
        heavy = [m for m in sys.modules if m.split(".")[0] in ("sympy", "gymnasium", "numpy", "envs")
                 and sys.modules[m] is not None]
        assert not heavy, heavy
        print("ok")
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
