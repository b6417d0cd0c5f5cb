"""Raw-stub helpers for server tests (the server is tested through the wire, not through our client)."""

from __future__ import annotations

import json
from typing import Any

import grpc

from rewardgym.v1 import reward_pb2 as pb
from rewardgym.v1 import reward_pb2_grpc as pb_grpc


def stub(address: str, token: str = "") -> pb_grpc.RewardServiceStub:
    ch = grpc.insecure_channel(address, options=[("grpc.max_receive_message_length", 256 << 20),
                                                 ("grpc.max_send_message_length", 256 << 20)])
    return pb_grpc.RewardServiceStub(ch)


def item(task: str, completion: str, ref: Any = None, id: str = "", ref_index: int | None = None) -> pb.ScoreItem:
    if ref_index is not None:
        return pb.ScoreItem(id=id, task=task, completion=completion, reference_index=ref_index)
    text = ref if isinstance(ref, str) else json.dumps(ref if ref is not None else {})
    return pb.ScoreItem(id=id, task=task, completion=completion, reference=pb.Reference(json=text))


def request(items: list[pb.ScoreItem], refs: list[Any] = (), **opts: Any) -> pb.ScoreRequest:
    return pb.ScoreRequest(items=items, references=[pb.Reference(json=json.dumps(r)) for r in refs],
                           options=pb.ScoreOptions(**opts))


def status(r: pb.ScoreResult) -> str:
    return pb.Status.Name(r.status)


G24 = {"numbers": [4, 7, 8, 1]}
RIGHT = "<answer>(8-4)*(7-1)</answer>"
WRONG = "<answer>(8-4)*(7+1)</answer>"
