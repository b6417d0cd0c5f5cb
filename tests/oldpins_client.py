"""Run by tests/test_client_oldpins.py inside the oldest-pins virtualenv (grpcio + protobuf only): every
client entry point against a real server, the outcome printed as one JSON object for the test to check."""

from __future__ import annotations

import asyncio
import json
import sys

import google.protobuf
import grpc

from trainer_client import AsyncRewardClient, RewardClient, RewardServiceError

RIGHT, WRONG = "<answer>(1+2+3)*4</answer>", "<answer>1+2+3+4</answer>"
REF = {"numbers": [1, 2, 3, 4], "target": 24}


def items(n: int) -> list[dict]:
    return [{"task": "game24", "completion": (RIGHT if i % 2 else WRONG) + " " * i, "reference": REF, "id": str(i)}
            for i in range(n)]


def main(address: str, token: str) -> dict:
    out: dict = {"grpc": grpc.__version__, "protobuf": google.protobuf.__version__}
    with RewardClient(address, token=token, chunk_size=4) as rc:
        out["score"] = [(r.id, r.reward, r.status) for r in rc.score(items(10))]
        out["texts"] = rc.score_texts("game24", [RIGHT, WRONG, "nothing"], REF)
        out["stream"] = sorted((r.index, r.reward) for r in rc.stream(items(9)))
        out["tasks"] = sorted(t.name for t in rc.list_tasks())
        out["sample"] = [p.reference for p in rc.sample("game24", n=2, seed=3)]
        ep = rc.reset("game24", seed=1)
        out["step"] = rc.step(ep.episode_id, "no idea").result.status
    with RewardClient(address, token="wrong") as bad:
        try:
            bad.score_texts("game24", [RIGHT], REF)
            out["bad_token"] = "no error"
        except RewardServiceError as e:
            out["bad_token"] = str(e)[:200]

    async def amain() -> tuple[list, list]:
        async with AsyncRewardClient(address, token=token, chunk_size=3) as arc:
            scored = [(r.id, r.reward, r.status) for r in await arc.score(items(7))]
            streamed = sorted([(r.index, r.reward) async for r in arc.stream(items(5))])
        return scored, streamed

    out["async_score"], out["async_stream"] = asyncio.run(amain())
    return out


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2])))
