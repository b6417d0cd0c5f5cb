"""A real rewardgym server in a child process on a loopback port, for tests and benchmarks."""

from __future__ import annotations

import os
import pathlib
import signal
import socket
import subprocess
import sys
import time

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

ROOT = pathlib.Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProc:
    def __init__(self, workers: int = 2, token: str = "", extra: list[str] | None = None,
                 env: dict[str, str] | None = None, port: int | None = None, module: str = "rewardgym",
                 python: str | None = None, ready_service: str = "") -> None:
        self.port = port or free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.workers = workers
        self.token = token
        self.extra = extra or []
        self.env = env or {}
        self.module = module  # tests.legacy_server: the server without its newer RPCs
        self.python = python or sys.executable  # another environment's interpreter, e.g. a virtualenv
        self.ready_service = ready_service  # the health service name start() waits for ("" : all of it)
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = ROOT / ".pytest_cache" / f"server-{self.port}.log"

    def start(self, timeout: float = 60.0) -> ServerProc:
        cmd = [self.python, "-m", self.module, "serve", "--address", self.address, "--workers", str(self.workers),
               *self.extra]
        if self.token:
            cmd += ["--token", self.token]
        path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
        env = {**os.environ, "PYTHONPATH": path, **self.env}
        self.log.parent.mkdir(exist_ok=True)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_healthy(timeout)
        return self

    def wait_healthy(self, timeout: float) -> None:
        end = time.monotonic() + timeout
        with grpc.insecure_channel(self.address) as ch:
            stub = health_pb2_grpc.HealthStub(ch)
            while time.monotonic() < end:
                if self.proc is not None and self.proc.poll() is not None:
                    raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log.read_text()[-3000:]}")
                try:
                    r = stub.Check(health_pb2.HealthCheckRequest(service=self.ready_service), timeout=1)
                    if r.status == health_pb2.HealthCheckResponse.SERVING:
                        return
                except grpc.RpcError:
                    pass
                time.sleep(0.05)
        raise TimeoutError(f"server on {self.address} not healthy after {timeout}s:\n{self.log.read_text()[-3000:]}")

    def children(self) -> list[int]:
        """PIDs of every process in the server's session (fork server and workers)."""
        assert self.proc is not None
        out = []
        for d in pathlib.Path("/proc").iterdir():
            if d.name.isdigit():
                try:
                    if os.getsid(int(d.name)) == self.proc.pid and int(d.name) != self.proc.pid:
                        out.append(int(d.name))
                except (ProcessLookupError, PermissionError):
                    pass
        return out

    def stop(self, timeout: float = 15.0) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        try:  # nothing of the server may outlive it
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc = None

    def __enter__(self) -> ServerProc:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
