"""RewardClient / AsyncRewardClient against a real server on a loopback port."""

from __future__ import annotations

import asyncio
import math
import threading
import time

import grpc
import pytest
from test_client_support import REF, RIGHT, WRONG, AsyncRecorder, SyncRecorder

from trainer_client import AsyncRewardClient, Item, RewardClient, RewardServiceError


def batch(n: int) -> list[dict]:
    """n items of distinct completions; every third right, the others wrong or empty."""
    out = []
    for i in range(n):
        completion = RIGHT if i % 3 == 0 else (WRONG if i % 3 == 1 else f"no idea {i}")
        out.append(
            {"task": "game24", "completion": completion + " " * (i % 7), "reference": REF, "id": f"i{i}"}
        )
    return out


def expected(i: int) -> tuple[float, str]:
    return (1.0, "ok") if i % 3 == 0 else ((0.0, "ok") if i % 3 == 1 else (0.0, "no_answer"))


# ---------------------------------------------------------------- scoring, chunking, order


def test_chunked_batch_is_reassembled_in_order(rg_server):
    rec = SyncRecorder()
    items = batch(100)
    with RewardClient(rg_server.address, chunk_size=7, max_concurrency=3, interceptors=[rec]) as rc:
        results = rc.score(items)
    assert rec.calls["Score"] == math.ceil(100 / 7)
    assert [r.index for r in results] == list(range(100))
    assert [r.id for r in results] == [f"i{i}" for i in range(100)]
    for i, r in enumerate(results):
        assert (r.reward, r.status) == expected(i), (i, r)
        assert r.task_version and r.ok
    assert results[0].components["accuracy"] == 1.0 and results[0].extracted == "(1+2+3)*4"


def test_group_reference_sent_once_and_ids_echoed(rg_server):
    rec = SyncRecorder()
    group = [Item("game24", RIGHT if k % 2 else WRONG, REF, id=str(k)) for k in range(16)]
    with RewardClient(rg_server.address, interceptors=[rec]) as rc:
        rewards = rc.score_texts("game24", [it.completion for it in group], REF)
        results = rc.score(group)
    (first, second) = rec.sent("Score")
    assert len(first.references) == 1 and len(second.references) == 1
    assert rewards == [1.0 if k % 2 else 0.0 for k in range(16)]
    assert [r.id for r in results] == [str(k) for k in range(16)]


def test_concurrency_limit_bounds_rpcs_in_flight(rg_server):
    items = batch(60)
    for limit in (1, 3):
        rec = SyncRecorder()
        with RewardClient(rg_server.address, chunk_size=1, max_concurrency=limit, interceptors=[rec]) as rc:
            results = rc.score(items)
        assert rec.calls["Score"] == 60
        assert [r.index for r in results] == list(range(60))
        assert 1 <= rec.peak <= limit
        if limit > 1:
            assert rec.peak > 1  # the chunks did run concurrently


def test_score_options_travel_with_each_chunk(rg_server):
    rec = SyncRecorder()
    with RewardClient(rg_server.address, chunk_size=2, weights={"format": 0.5}, interceptors=[rec]) as rc:
        results = rc.score(batch(3), item_deadline_s=1.5, no_cache=True)
    for req in rec.sent("Score"):
        assert dict(req.options.weights) == {"format": 0.5}
        assert req.options.item_deadline_s == 1.5 and req.options.no_cache
    # RIGHT has the <think><answer> format: accuracy 1 + 0.5 * format 1.
    assert results[0].reward == pytest.approx(1.5)


# ---------------------------------------------------------------- infrastructure failures


def test_none_on_error_masks_failures_never_zero(rg_server):
    items = [
        {"task": "game24", "completion": RIGHT, "reference": REF},
        {"task": "no-such-task", "completion": RIGHT, "reference": REF},
        {"task": "game24", "completion": RIGHT, "reference": {"numbers": "x"}},
        {"task": "game24", "completion": "nothing", "reference": REF},
    ]
    with RewardClient(rg_server.address) as rc:
        masked = rc.score(items)
    with RewardClient(rg_server.address, none_on_error=False) as rc:
        raw = rc.score(items)
    assert [r.status for r in masked] == ["ok", "unknown_task", "invalid_reference", "no_answer"]
    assert [r.reward for r in masked] == [1.0, None, None, 0.0]  # no_answer is a verdict: 0.0
    assert [r.ok for r in masked] == [True, False, False, True]
    assert all(isinstance(r.reward, float) for r in raw)
    assert masked[2].detail  # a reason a human can act on


def test_deadline_exceeded_is_not_retried_and_masks_items(rg_server):
    # no_cache: a repeat of an item an earlier call scored (even one that call timed out on: its worker
    # finished and filled the cache) is answered from the cache at once, which is a correct result
    # and not what this test is about.
    rec = SyncRecorder()
    with RewardClient(rg_server.address, timeout_s=1e-6, interceptors=[rec], no_cache=True) as rc:
        results = rc.score(batch(3))
    assert rec.calls["Score"] == 1
    assert {(r.status, r.reward) for r in results} == {("timeout", None)}
    assert "deadline" in results[0].detail.lower()  # server-side TIMEOUT or client-side DEADLINE_EXCEEDED
    # With raise_on_error the RPC error surfaces — unless the server beat the deadline by answering
    # every item TIMEOUT itself (it answers just before the call's deadline), which is a result.
    with RewardClient(rg_server.address, timeout_s=1e-6, raise_on_error=True, no_cache=True) as rc:
        try:
            results = rc.score(batch(1))
        except RewardServiceError as err:
            assert err.code == grpc.StatusCode.DEADLINE_EXCEEDED and err.attempts == 1
        else:
            assert [(r.status, r.reward) for r in results] == [("timeout", None)]


def test_server_down_retries_then_fails_per_item(rg_server):
    rg_server.stop()
    rec = SyncRecorder()
    with RewardClient(rg_server.address, retries=2, backoff_s=0.05, interceptors=[rec]) as rc:
        results = rc.score(batch(2))
        with pytest.raises(RewardServiceError) as err:
            rc.list_tasks()
    assert rec.calls["Score"] == 3  # 1 + 2 retries
    assert {(r.status, r.reward) for r in results} == {("internal_error", None)}
    assert "UNAVAILABLE" in results[0].detail and "attempts=3" in results[0].detail
    assert err.value.code == grpc.StatusCode.UNAVAILABLE and err.value.attempts == 3
    with RewardClient(rg_server.address, retries=0, none_on_error=False) as rc:
        assert {r.reward for r in rc.score(batch(2))} == {0.0}


def test_retry_with_backoff_across_server_restart(rg_server):
    rec = SyncRecorder()
    rc = RewardClient(rg_server.address, retries=60, backoff_s=0.1, max_backoff_s=0.5, interceptors=[rec])
    assert rc.score(batch(1))[0].reward == 1.0  # connected once
    rg_server.stop()
    out: dict = {}
    t = threading.Thread(target=lambda: out.setdefault("r", rc.score(batch(30))))
    t.start()
    time.sleep(1.0)  # the client keeps getting UNAVAILABLE meanwhile
    assert t.is_alive()
    rg_server.start()  # same port
    t.join(30)
    rc.close()
    assert not t.is_alive()
    assert rec.calls["Score"] > 2  # retried
    assert [(r.reward, r.status) for r in out["r"]] == [expected(i) for i in range(30)]


def test_stream_resumes_across_server_restart(rg_server):
    rec = SyncRecorder()
    with RewardClient(
        rg_server.address, retries=60, backoff_s=0.1, max_backoff_s=0.5, interceptors=[rec]
    ) as rc:
        rg_server.stop()
        restart = threading.Timer(0.8, rg_server.start)
        restart.start()
        results = list(rc.stream(batch(10)))
        restart.join(60)  # the stream may finish before start() has seen the server healthy
    assert rec.calls["ScoreStreamBatched"] > 1
    assert sorted(r.index for r in results) == list(range(10))
    assert all((r.reward, r.status) == expected(r.index) for r in results)


def test_stream_falls_back_to_score_stream_on_an_older_server(rg_server_factory):
    legacy = rg_server_factory(workers=1, module="tests.legacy_server")
    rec = SyncRecorder()
    with RewardClient(legacy.address, chunk_size=4, interceptors=[rec]) as rc:
        results = list(rc.stream(batch(10)))
        # the 3 chunks run concurrently: each may try the batched call once before the switch
        assert 1 <= rec.calls["ScoreStreamBatched"] <= 3 and rec.calls["ScoreStream"] == 3
        tried = rec.calls["ScoreStreamBatched"]
        again = list(rc.stream(batch(3)))
    assert sorted(r.index for r in results) == list(range(10)) and len(again) == 3
    assert all((r.reward, r.status) == expected(r.index) for r in results)
    assert rec.calls["ScoreStreamBatched"] == tried and rec.calls["ScoreStream"] == 4, "switched for good"

    async def go() -> tuple[list, list]:
        async with AsyncRewardClient(legacy.address) as ac:
            first = [r async for r in ac.stream(batch(5))]  # UNIMPLEMENTED would raise without the fallback
            return first, [r async for r in ac.stream(batch(4))]

    first, second = asyncio.run(go())
    assert sorted(r.index for r in first) == list(range(5)) and sorted(r.index for r in second) == list(range(4))
    assert all((r.reward, r.status) == expected(r.index) for r in first + second)


def test_bad_token_raises_at_once(rg_server_factory):
    server = rg_server_factory(token="s3cret")
    rec = SyncRecorder()
    with (
        RewardClient(server.address, token="wrong", interceptors=[rec]) as rc,
        pytest.raises(RewardServiceError) as err,
    ):
        rc.score(batch(2))
    assert err.value.code == grpc.StatusCode.UNAUTHENTICATED
    assert rec.calls["Score"] == 1  # not retried
    with RewardClient(server.address, token="s3cret") as rc:
        assert rc.score(batch(1))[0].reward == 1.0


# ---------------------------------------------------------------- several servers


def test_several_addresses_spread_over_servers(rg_server_factory):
    a, b = rg_server_factory(), rg_server_factory()
    item = batch(1)
    with RewardClient([a.address, b.address], chunk_size=1) as rc:
        # Each server has its own result cache: the same item is a cache miss once per server that
        # scored it, so one server alone gives exactly one miss; round-robin must reach both.
        results = [rc.score(item)[0] for _ in range(20)]
        assert sum(not r.cached for r in results) >= 2
        assert all(r.reward == 1.0 for r in results)
        # Either server alone keeps the client working.
        a.stop()
        assert rc.score_texts("game24", [RIGHT] * 4, REF) == [1.0] * 4
        a.start()
        b.stop()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # until round-robin sees `a` again
            if rc.score_texts("game24", [RIGHT], REF) == [1.0]:
                break
            time.sleep(0.1)
        assert rc.score_texts("game24", [RIGHT] * 4, REF) == [1.0] * 4


# ---------------------------------------------------------------- stream and other RPCs


def test_stream_yields_every_result_once_across_chunks(rg_server):
    items = batch(25)
    with RewardClient(rg_server.address, chunk_size=4, max_concurrency=3) as rc:
        streamed = list(rc.stream(items))
        scored = rc.score(items)
        assert sorted(r.index for r in streamed) == list(range(25))
        by_index = {r.index: r for r in streamed}
        assert [(by_index[i].reward, by_index[i].status, by_index[i].id) for i in range(25)] == [
            (r.reward, r.status, r.id) for r in scored
        ]
        it = rc.stream(items)
        first = next(it)
        it.close()  # leaving early cancels the remaining calls
        assert first.index in range(25)
        assert rc.score(batch(1))[0].reward == 1.0  # the client is still fine


def test_list_sample_reset_step(rg_server):
    with RewardClient(rg_server.address) as rc:
        tasks = {t.name: t for t in rc.list_tasks()}
        assert {"game24", "countdown"} <= set(tasks)
        assert tasks["game24"].version and "accuracy" in tasks["game24"].default_weights
        problems = rc.sample("game24", n=3, seed=7)
        assert len(problems) == 3 and all(p.prompt and "numbers" in p.reference for p in problems)
        assert problems == rc.sample("game24", n=3, seed=7)  # seeded
        ep = rc.reset("game24", seed=1)
        assert ep.episode_id and ep.observation
        step = rc.step(ep.episode_id, "no idea")
        assert step.result is not None and step.result.status == "no_answer"


# ---------------------------------------------------------------- asyncio client


def test_async_score_stream_and_chunks(rg_server):
    rec = AsyncRecorder()

    async def main():
        async with AsyncRewardClient(
            rg_server.address, chunk_size=8, max_concurrency=2, interceptors=[rec]
        ) as rc:
            results = await rc.score(batch(50))
            streamed = [r async for r in rc.stream(batch(20))]
            rewards = await rc.score_texts("game24", [RIGHT, WRONG], REF)
            tasks = await rc.list_tasks()
        return results, streamed, rewards, tasks

    results, streamed, rewards, tasks = asyncio.run(main())
    assert [(r.reward, r.status) for r in results] == [expected(i) for i in range(50)]
    assert [r.index for r in results] == list(range(50))
    assert sorted(r.index for r in streamed) == list(range(20))
    assert rewards == [1.0, 0.0]
    assert any(t.name == "game24" for t in tasks)
    assert rec.calls["Score"] == math.ceil(50 / 8) + 1
    assert 1 < rec.peak <= 2


def test_async_retry_across_restart_and_loop_change(rg_server):
    rc = AsyncRewardClient(rg_server.address, retries=60, backoff_s=0.1, max_backoff_s=0.5)
    assert asyncio.run(rc.score_texts("game24", [RIGHT], REF)) == [1.0]
    rg_server.stop()

    async def later():
        await asyncio.sleep(0.8)
        await asyncio.to_thread(rg_server.start)

    async def main():
        restart = asyncio.ensure_future(later())
        # A new event loop (asyncio.run again): the client reopens its channel in this loop.
        out = await rc.score(batch(12))
        await restart
        await rc.close()
        return out

    results = asyncio.run(main())
    assert [(r.reward, r.status) for r in results] == [expected(i) for i in range(12)]


def test_async_failures_mask_and_raise(rg_server):
    async def main():
        async with AsyncRewardClient(rg_server.address, timeout_s=1e-6, no_cache=True) as rc:  # see above
            masked = await rc.score(batch(2))
        rg_server.stop()
        async with AsyncRewardClient(rg_server.address, retries=1, backoff_s=0.05, raise_on_error=True) as rc:
            with pytest.raises(RewardServiceError) as err:
                await rc.score(batch(2))
        return masked, err.value

    masked, err = asyncio.run(main())
    assert {(r.status, r.reward) for r in masked} == {("timeout", None)}
    assert err.code == grpc.StatusCode.UNAVAILABLE and err.attempts == 2
