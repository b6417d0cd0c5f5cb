"""A rewardgym server as released before ScoreStreamBatched existed: the real server and servicer
with that one method left out of the registration. Tests the clients' fallback to ScoreStream.

    python -m tests.legacy_server serve --address 127.0.0.1:PORT ...   (the CLI's own arguments)
"""

from __future__ import annotations

from typing import Any

import grpc

from rewardgym.cli import main
from rewardgym.v1 import reward_pb2 as pb
from rewardgym.v1 import reward_pb2_grpc


def _register_without_batched_stream(servicer: Any, server: grpc.Server) -> None:
    def unary(fn: Any, req: Any, resp: Any) -> grpc.RpcMethodHandler:
        return grpc.unary_unary_rpc_method_handler(fn, req.FromString, resp.SerializeToString)

    methods = {
        "Score": unary(servicer.Score, pb.ScoreRequest, pb.ScoreResponse),
        "ScoreStream": grpc.unary_stream_rpc_method_handler(
            servicer.ScoreStream, pb.ScoreRequest.FromString, pb.ScoreResult.SerializeToString),
        "ListTasks": unary(servicer.ListTasks, pb.ListTasksRequest, pb.ListTasksResponse),
        "Sample": unary(servicer.Sample, pb.SampleRequest, pb.SampleResponse),
        "Reset": unary(servicer.Reset, pb.ResetRequest, pb.ResetResponse),
        "Step": unary(servicer.Step, pb.StepRequest, pb.StepResponse),
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("rewardgym.v1.RewardService", methods),))


reward_pb2_grpc.add_RewardServiceServicer_to_server = _register_without_batched_stream

if __name__ == "__main__":
    raise SystemExit(main())
