"""Trainer adapters (TRL, verl, OpenRLHF) against a real server, called the way the trainers call them."""

from __future__ import annotations

import asyncio
import json

import pytest
from test_client_support import REF, RIGHT, WRONG, AsyncRecorder, SyncRecorder

from trainer_client import AsyncRewardClient, RewardClient
from trainer_client.adapters import openrlhf, verl
from trainer_client.adapters.trl import trl_reward_func, trl_reward_funcs

REF2 = {"numbers": [3, 3, 8, 8], "target": 24}
RIGHT2 = "<think>t</think><answer>8/(3-8/3)</answer>"


def trl_batch():
    """What GRPOTrainer passes for 2 prompts x 3 generations: dataset columns repeated per completion."""
    completions = [RIGHT, WRONG, "no idea", RIGHT2, "<answer>8*3</answer>", RIGHT2]
    columns = {
        "reference": [REF] * 3 + [json.dumps(REF2)] * 3,  # dicts or JSON text
        "task": ["game24"] * 6,
        "trainer_state": object(),
    }
    return ["p1"] * 3 + ["p2"] * 3, completions, columns


def test_trl_standard_format_components_and_one_rpc(rg_server):
    rec = SyncRecorder()
    rc = RewardClient(rg_server.address, interceptors=[rec])
    funcs = trl_reward_funcs(rc, task="game24", components=("accuracy", "format", "reward"))
    assert [f.__name__ for f in funcs] == ["game24_accuracy", "game24_format", "game24_reward"]
    prompts, completions, columns = trl_batch()
    logged = {}
    columns["log_metric"] = lambda name, value: logged.__setitem__(name, value)
    acc, fmt, total = (f(prompts, completions, completion_ids=[[1]] * 6, **columns) for f in funcs)
    assert rec.calls["Score"] == 1  # three reward functions, one RPC
    assert acc == [1.0, 0.0, 0.0, 1.0, 0.0, 1.0]
    assert fmt == [1.0, 0.0, 0.0, 1.0, 0.0, 1.0]
    assert total == pytest.approx(acc)  # default weights: accuracy only
    assert logged == {"rewardgym/masked_fraction": 0.0}
    # The next batch (new content) is a new RPC, served to all functions again.
    completions2 = [WRONG] * 6
    assert [f(prompts, completions2, **columns) for f in funcs] == [[0.0] * 6, [0.0] * 6, [0.0] * 6]
    assert rec.calls["Score"] == 2
    rc.close()


def test_trl_conversational_format_task_column_and_masking(rg_server):
    # No fixed task: each row's "task" column says which; a bad reference row is masked with None.
    func = trl_reward_func(rg_server.address, component="accuracy")
    assert func.__name__ == "rewardgym_accuracy"
    prompts = [[{"role": "user", "content": "make 24"}]] * 4
    completions = [
        [{"role": "assistant", "content": RIGHT}],
        [
            {"role": "assistant", "content": "let me use a tool"},
            {"role": "tool", "content": "24"},
            {"role": "assistant", "content": RIGHT2},
        ],
        [{"role": "assistant", "content": WRONG}],
        [{"role": "assistant", "content": RIGHT}],
    ]
    out = func(
        prompts,
        completions,
        task=["game24", "game24", "game24", "countdown"],
        reference=[REF, REF2, REF, {"numbers": "oops"}],
    )
    assert out == [1.0, 1.0, 0.0, None]


def test_trl_missing_column_names_it(rg_server):
    (func,) = trl_reward_funcs(rg_server.address, task="game24", reference_column="answer")
    with pytest.raises(KeyError, match="answer"):
        func(["p"], ["x"], reference=[REF])


def test_trl_async_functions_share_one_rpc(rg_server):
    rec = AsyncRecorder()
    client = AsyncRewardClient(rg_server.address, interceptors=[rec])
    funcs = trl_reward_funcs(client, task="game24", components=("accuracy", "format"))
    assert all(asyncio.iscoroutinefunction(f) for f in funcs)
    prompts, completions, columns = trl_batch()

    async def main():
        # TRL >= 0.27 gathers async reward functions concurrently on one loop.
        out = await asyncio.gather(*(f(prompts=prompts, completions=completions, **columns) for f in funcs))
        await client.close()
        return out

    acc, fmt = asyncio.run(main())
    assert rec.calls["Score"] == 1
    assert acc == [1.0, 0.0, 0.0, 1.0, 0.0, 1.0] and fmt == acc


# ---------------------------------------------------------------- verl


@pytest.fixture
def verl_env(rg_server, monkeypatch):
    monkeypatch.setenv("REWARDGYM_ADDRESS", rg_server.address)
    for var in (
        "REWARDGYM_TOKEN",
        "REWARDGYM_TASK",
        "REWARDGYM_DATA_SOURCES",
        "REWARDGYM_VERL_RETURN",
        "REWARDGYM_ON_ERROR",
    ):
        monkeypatch.delenv(var, raising=False)
    verl.configure()  # a client from the environment, like a fresh Ray worker
    yield rg_server
    verl.get_client().close()


def test_verl_compute_score_per_sample(verl_env, monkeypatch):
    out = verl.compute_score("game24", RIGHT, json.dumps(REF))
    assert out["score"] == 1.0 and out["rewardgym_valid"] == 1.0
    assert set(out) >= {"score", "accuracy", "format", "rewardgym_valid"}
    wrong = verl.compute_score("puzzles/24", WRONG, REF, extra_info={"task": "game24", "index": 3})
    assert wrong["score"] == 0.0 and set(wrong) == set(out)  # same keys every sample
    bad = verl.compute_score("game24", RIGHT, {"numbers": "oops"})
    assert bad["score"] == 0.0 and bad["rewardgym_valid"] == 0.0 and set(bad) == set(out)
    monkeypatch.setenv("REWARDGYM_DATA_SOURCES", json.dumps({"my/24-dataset": "game24"}))
    monkeypatch.setenv("REWARDGYM_VERL_RETURN", "float")
    assert verl.compute_score("my/24-dataset", RIGHT, REF) == 1.0
    monkeypatch.setenv("REWARDGYM_ON_ERROR", "raise")
    with pytest.raises(RuntimeError, match="invalid_reference"):
        verl.compute_score("game24", RIGHT, {"numbers": "oops"})


def test_verl_compute_score_batch_one_rpc(verl_env):
    rec = SyncRecorder()
    verl.configure(RewardClient(verl_env.address, interceptors=[rec]))
    out = verl.compute_score_batch(
        data_sources=["game24", "game24", "countdown", "game24"],
        solution_strs=[RIGHT, WRONG, "<answer>25-1</answer>", RIGHT2],
        ground_truths=[REF, json.dumps(REF), {"numbers": [25, 1], "target": 24}, REF2],
        extra_infos=[None, {"index": 1}, None, {"task": "game24"}],
    )
    assert rec.calls["Score"] == 1
    assert [o["score"] for o in out] == [1.0, 0.0, 1.0, 1.0]
    assert len({frozenset(o) for o in out}) == 1  # one key set for the whole batch


# ---------------------------------------------------------------- OpenRLHF


def test_openrlhf_reward_func(rg_server, monkeypatch):
    monkeypatch.setenv("REWARDGYM_TASK", "game24")
    openrlhf.configure(RewardClient(rg_server.address))
    prompt = "<|im_start|>user\nmake 24 from 1 2 3 4<|im_end|>\n<|im_start|>assistant\n"
    out = openrlhf.reward_func(
        queries=[prompt + RIGHT + "<|im_end|>", prompt + WRONG + "<|im_end|>", prompt + RIGHT],
        prompts=[prompt, prompt, prompt],
        labels=[json.dumps(REF), json.dumps({"task": "game24", "reference": REF}), '{"numbers": "oops"}'],
    )
    assert out["rewards"] == [1.0, 0.0, 0.0] and out["scores"] == out["rewards"]
    assert out["extra_logs"]["rewardgym_valid"] == [1.0, 1.0, 0.0]
    assert out["extra_logs"]["accuracy"] == [1.0, 0.0, 0.0]
