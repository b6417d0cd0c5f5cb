"""The ``remote`` backend: the local executor behind the ``rewardgym.v1.Sandbox`` gRPC service.

Server: ``python -m sandbox serve --addr 127.0.0.1:50052`` starts the zygote pool first (fork+exec,
before any gRPC thread), then a gRPC server with the standard health service (``SERVING`` for ""
and "rewardgym.v1.Sandbox" once the pool answers). Client: ``RemoteExecutor("host:port")``, used by
the reward server when ``REWARDGYM_SANDBOX=remote`` and ``REWARDGYM_SANDBOX_ADDR=host:port``.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
from concurrent import futures
from typing import Any

import grpc

from rewardgym.v1 import sandbox_pb2 as pb
from rewardgym.v1 import sandbox_pb2_grpc as pb_grpc
from sandbox.api import Executor, Job, JobResult, Limits, RunResult, SandboxError

SERVICE = "rewardgym.v1.Sandbox"
MAX_MSG = 64 << 20
log = logging.getLogger("rewardgym.sandbox")


def job_to_pb(job: Job) -> pb.ExecuteRequest:
    lim = job.limits
    return pb.ExecuteRequest(language=job.language, code=job.code, stdins=job.stdins, stop_on_error=job.stop_on_error,
                             harness_json=json.dumps(job.harness) if job.harness is not None else "",
                             limits=pb.SandboxLimits(time_s=lim.time_s, memory_mb=lim.memory_mb,
                                                     output_bytes=lim.output_bytes, processes=lim.processes,
                                                     file_mb=lim.file_mb, wall_s=lim.wall_s))


def job_from_pb(req: pb.ExecuteRequest) -> Job:
    d = Limits()
    lm = req.limits
    lim = Limits(time_s=lm.time_s or d.time_s, memory_mb=lm.memory_mb or d.memory_mb,
                 output_bytes=lm.output_bytes or d.output_bytes, processes=lm.processes or d.processes,
                 file_mb=lm.file_mb or d.file_mb, wall_s=lm.wall_s)
    harness = json.loads(req.harness_json) if req.harness_json else None
    if harness is not None and not isinstance(harness, dict):
        raise ValueError("harness_json: expected an object")
    return Job(language=req.language, code=req.code, stdins=list(req.stdins) or [""], limits=lim,
               stop_on_error=req.stop_on_error, harness=harness)


def _run_to_pb(r: RunResult) -> pb.RunResult:
    return pb.RunResult(status=r.status, exit_code=r.exit_code, signal=r.signal, stdout=r.stdout, stderr=r.stderr,
                        records=r.records, wall_ms=r.wall_ms, cpu_ms=r.cpu_ms, detail=r.detail)


def _run_from_pb(p: pb.RunResult) -> RunResult:
    return RunResult(status=p.status, exit_code=p.exit_code if p.HasField("exit_code") else None,
                     signal=p.signal if p.HasField("signal") else None, stdout=p.stdout, stderr=p.stderr,
                     records=p.records, wall_ms=p.wall_ms, cpu_ms=p.cpu_ms, detail=p.detail)


def result_to_pb(res: JobResult) -> pb.ExecuteResponse:
    out = pb.ExecuteResponse(runs=[_run_to_pb(r) for r in res.runs], error=res.error, backend=res.backend)
    if res.compile is not None:
        out.compile.CopyFrom(_run_to_pb(res.compile))
        out.has_compile = True
    return out


def result_from_pb(p: pb.ExecuteResponse) -> JobResult:
    return JobResult(runs=[_run_from_pb(r) for r in p.runs], compile=_run_from_pb(p.compile) if p.has_compile else None,
                     error=p.error, backend=p.backend)


class RemoteExecutor(Executor):
    name = "remote"

    def __init__(self, addr: str, timeout: float = 600.0) -> None:
        self.addr = addr
        self.timeout = timeout
        self._channel: grpc.Channel | None = None
        self._stub: pb_grpc.SandboxStub | None = None
        self._lock = threading.Lock()

    def _get(self) -> pb_grpc.SandboxStub:
        with self._lock:
            if self._stub is None:
                opts = [("grpc.max_receive_message_length", MAX_MSG), ("grpc.max_send_message_length", MAX_MSG),
                        ("grpc.lb_policy_name", "round_robin")]
                self._channel = grpc.insecure_channel(self.addr, options=opts)
                self._stub = pb_grpc.SandboxStub(self._channel)
            return self._stub

    def execute(self, job: Job) -> JobResult:
        budget = (job.limits.wall() + 1.0) * max(1, len(job.stdins)) + 120.0
        try:
            resp = self._get().Execute(job_to_pb(job), timeout=min(self.timeout, budget), wait_for_ready=True)
        except grpc.RpcError as e:
            raise SandboxError(f"remote sandbox {self.addr}: {e.code().name}: {e.details()}") from e
        res = result_from_pb(resp)
        res.backend = res.backend or "remote"
        return res

    def health(self) -> dict[str, Any]:
        try:
            info = self._get().Info(pb.SandboxInfoRequest(), timeout=10)
        except grpc.RpcError as e:
            raise SandboxError(f"remote sandbox {self.addr}: {e.code().name}") from e
        return {"backend": f"remote({info.backend})", "sandbox": "remote", "addr": self.addr,
                "languages": info.languages, "layers": info.layers, "off": dict(info.off), "workers": info.workers}

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = self._stub = None


class _Servicer(pb_grpc.SandboxServicer):
    def __init__(self, ex: Executor, info: dict[str, Any]) -> None:
        self.ex = ex
        self.info = info

    def Execute(self, request: pb.ExecuteRequest, context: grpc.ServicerContext) -> pb.ExecuteResponse:  # noqa: N802
        try:
            job = job_from_pb(request)
        except ValueError as e:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(e))
        try:
            return result_to_pb(self.ex.execute(job))
        except SandboxError as e:
            return pb.ExecuteResponse(error=str(e), backend="remote")

    def Info(self, request: pb.SandboxInfoRequest, context: grpc.ServicerContext) -> pb.SandboxInfo:  # noqa: N802
        i = self.info
        return pb.SandboxInfo(backend=str(i.get("backend", "local")), languages=i.get("languages", ""),
                              layers=i.get("layers", ""), off={k: str(v) for k, v in i.get("off", {}).items()},
                              workers=int(i.get("workers", 0)))


def serve(addr: str, workers: int = 0) -> None:
    """Start the local pool (before any gRPC thread), then serve it over gRPC until SIGTERM/SIGINT."""
    from grpc_health.v1 import health, health_pb2, health_pb2_grpc

    from sandbox.local import LocalConfig, start_local

    handle = start_local(LocalConfig(workers=workers), export_env=False)
    info = {**handle.info, "backend": "local"}
    ex = handle.executor()
    n = int(info.get("workers", 4))
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2 * n + 4),
                         options=[("grpc.max_receive_message_length", MAX_MSG),
                                  ("grpc.max_send_message_length", MAX_MSG)])
    pb_grpc.add_SandboxServicer_to_server(_Servicer(ex, info), server)
    hs = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(hs, server)
    port = server.add_insecure_port(addr)
    if not port:
        handle.close()
        raise SystemExit(f"cannot listen on {addr}")
    server.start()
    ex.health()  # the pool answers
    for svc in ("", SERVICE):
        hs.set(svc, health_pb2.HealthCheckResponse.SERVING)
    log.warning("sandbox serving on %s: layers=%s off=%s languages=%s", addr, info.get("layers"), info.get("off"),
                info.get("languages"))
    print(json.dumps({"serving": addr, **info}), flush=True)
    done = threading.Event()
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, lambda *_: done.set())
    done.wait()
    for svc in ("", SERVICE):
        hs.set(svc, health_pb2.HealthCheckResponse.NOT_SERVING)
    server.stop(5).wait()
    handle.close()
