"""Group-aware streaming: each GRPO group's summary arrives as soon as its last member is scored."""

from __future__ import annotations

import asyncio
import math

import pytest

from rewardgym.groups import GroupTracker, summarize
from rewardgym.v1 import reward_pb2 as pb
from tests.rpc import item, request, stub
from trainer_client import AsyncRewardClient, GroupSummary, Item, RewardClient

G24 = {"numbers": [4, 7, 8, 1]}
RIGHT, WRONG = "<answer>(8-4)*(7-1)</answer>", "<answer>(8-4)*(7+1)</answer>"
GROUPS, SIZE = 64, 8


def batch(salt: str) -> list[Item]:
    """64 groups × 8: group g has g % 9 right answers (0 and 8: all equal, no signal); one unknown-task
    item in every 5th group (a masked result: counted, not averaged)."""
    items = []
    for g in range(GROUPS):
        for k in range(SIZE):
            text = (RIGHT if k < g % 9 else WRONG) + f" {salt}{g}.{k}"
            task = "nosuchtask" if g % 5 == 0 and k == SIZE - 1 else "game24"
            items.append(Item(task, text, G24, id=f"{g}.{k}", group=f"prompt-{g}"))
    return items


def expected(items: list[Item], rewards: dict[int, float | None], g: int) -> tuple[int, float, float, bool]:
    vals = [rewards[i] for i in range(g * SIZE, (g + 1) * SIZE) if rewards[i] is not None]
    mean = sum(vals) / len(vals)
    return len(vals), mean, math.sqrt(sum((v - mean) ** 2 for v in vals) / len(vals)), len(set(vals)) == 1


def test_summary_statistics_unit():
    s = summarize("p", 4, [1.0, 0.0, 1.0, 0.0])
    assert (s.count, s.valid, s.mean, s.std, s.all_equal) == (4, 4, 0.5, 0.5, False)
    assert summarize("p", 3, [0.0, 0.0, 0.0]).all_equal and summarize("p", 2, []).valid == 0
    t = GroupTracker(["a", "", "a"])
    assert t.add(0, 1.0) is None and t.add(0, 1.0) is None  # a resent result cannot close the group
    assert t.add(1, 0.0) is None and t.add(2, None) == summarize("a", 2, [1.0])


def test_raw_stream_64x8_summaries_arrive_with_their_last_member(rg_server):
    items = batch("raw")
    req = request([item(it.task, it.completion, G24, it.id) for it in items], no_cache=True)
    for msg, it in zip(req.items, items, strict=True):
        msg.group = it.group
    seen: dict[int, float | None] = {}
    summaries: dict[str, pb.GroupSummary] = {}
    for msg in stub(rg_server.address).ScoreStreamBatched(req, timeout=60):
        for r in msg.results:
            seen[r.index] = r.reward if r.status in (pb.OK, pb.NO_ANSWER) else None
        for s in msg.groups:
            g = int(s.group.split("-")[1])
            assert s.group not in summaries
            assert all(i in seen for i in range(g * SIZE, (g + 1) * SIZE))  # never before its last member
            summaries[s.group] = s
        # ... and never later: a complete group is summarised in the message that completes it
        for g in range(GROUPS):
            if all(i in seen for i in range(g * SIZE, (g + 1) * SIZE)):
                assert f"prompt-{g}" in summaries
    assert len(seen) == GROUPS * SIZE and len(summaries) == GROUPS
    for g in range(GROUPS):
        s = summaries[f"prompt-{g}"]
        valid, mean, std, equal = expected(items, seen, g)
        assert (s.count, s.valid, s.all_equal) == (SIZE, valid, equal)
        assert s.mean == pytest.approx(mean) and s.std == pytest.approx(std)
    # all wrong, all right, or (group 25) 7 right and its wrong member masked
    assert sorted(g for g in range(GROUPS) if summaries[f"prompt-{g}"].all_equal) == \
        sorted(g for g in range(GROUPS) if g % 9 in (0, 8) or g == 25)
    # Score (unary) carries every summary too
    resp = stub(rg_server.address).Score(req, timeout=60)
    assert {s.group: (s.mean, s.all_equal) for s in resp.groups} == \
        {k: (v.mean, v.all_equal) for k, v in summaries.items()}


@pytest.mark.parametrize("chunk_size", [1024, 20])  # 20: groups straddle chunks (several RPCs)
def test_client_stream_groups(rg_server, chunk_size):
    items = batch(f"c{chunk_size}")
    with RewardClient(rg_server.address, chunk_size=chunk_size) as rc:
        out = list(rc.stream_groups(items, no_cache=True))
    rewards: dict[int, float | None] = {}
    got: dict[str, GroupSummary] = {}
    for x in out:
        if isinstance(x, GroupSummary):
            g = int(x.group.split("-")[1])
            assert all(i in rewards for i in range(g * SIZE, (g + 1) * SIZE))
            got[x.group] = x
        else:
            rewards[x.index] = x.reward
    assert len(rewards) == GROUPS * SIZE and len(got) == GROUPS
    for g in range(GROUPS):
        valid, mean, std, equal = expected(items, rewards, g)
        s = got[f"prompt-{g}"]
        assert (s.valid, s.all_equal) == (valid, equal) and s.mean == pytest.approx(mean) and s.std == pytest.approx(std)
        assert s.count == SIZE
        if g % 5 == 0:  # the unknown-task member is masked, so left out of the statistics
            assert rewards[g * SIZE + SIZE - 1] is None and s.valid < SIZE


def test_async_client_stream_groups(rg_server):
    items = batch("aio")[: 4 * SIZE]

    async def go() -> list:
        async with AsyncRewardClient(rg_server.address) as rc:
            return [x async for x in rc.stream_groups(items, no_cache=True)]

    out = asyncio.run(go())
    summaries = [x for x in out if isinstance(x, GroupSummary)]
    assert [s.group for s in sorted(summaries, key=lambda s: s.group)] == [f"prompt-{g}" for g in range(4)]
    assert {s.group: s.mean for s in summaries} == {f"prompt-{g}": pytest.approx((g % 9) / (7 if g == 0 else 8))
                                                    for g in range(4)}
