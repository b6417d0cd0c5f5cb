"""Assemble and run the gRPC server: workers first (before any gRPC thread), then grpc.aio."""

from __future__ import annotations

import asyncio
import hmac
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from rewardgym.config import Config
from rewardgym.engine import Engine
from rewardgym.metrics import Metrics
from rewardgym.servicer import RewardServicer
from rewardgym.v1 import reward_pb2, reward_pb2_grpc

log = logging.getLogger("rewardgym.server")
SERVICE = reward_pb2.DESCRIPTOR.services_by_name["RewardService"].full_name
OPEN_METHODS = ("/grpc.health.v1.Health/",)  # probes work without the token
HEALTH_PERIOD_S = 0.1


class ServeError(RuntimeError):
    """The server could not start serving (its address cannot be bound)."""


class TokenAuth(grpc.aio.ServerInterceptor):
    """Bearer-token check on every call except health probes; constant-time comparison."""

    def __init__(self, token: str) -> None:
        self.expected = f"Bearer {token}".encode()

        async def deny(request: Any, context: grpc.aio.ServicerContext) -> None:
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or wrong bearer token")

        # The abort ends the call before any response message, so this one unary handler denies
        # streaming methods too (ScoreStream*, reflection): nothing here depends on method names.
        self._deny = grpc.unary_unary_rpc_method_handler(deny)

    async def intercept_service(self, continuation: Callable[[Any], Awaitable[Any]],
                                details: grpc.HandlerCallDetails) -> Any:
        if details.method.startswith(OPEN_METHODS):
            return await continuation(details)
        got = dict(details.invocation_metadata or ()).get("authorization", "")
        got_b = got.encode() if isinstance(got, str) else got
        if hmac.compare_digest(got_b, self.expected):
            return await continuation(details)
        return self._deny


class Server:
    """Owns the engine, the sandbox handle and the gRPC server. ``start()`` before the event loop."""

    def __init__(self, config: Config) -> None:
        config.validate()
        self.config = config
        self.sandbox: Any = None
        self.engine: Engine | None = None
        self.port = 0
        self.http_port = 0

    def prepare(self) -> None:
        """Everything that forks: the sandbox's zygotes and the scoring workers. No gRPC thread yet."""
        self.sandbox = _start_sandbox()
        self.engine = Engine(self.config)
        for err in self.engine.load_errors:
            log.error("%s", err)
        self.engine.start()
        log.info("tasks: %s; %d workers", ", ".join(sorted(self.engine.tasks)), self.config.workers)

    async def serve(self, stop: asyncio.Event | None = None, ready: Callable[[int], None] | None = None) -> None:
        assert self.engine is not None, "call prepare() first"
        cfg = self.config
        await self.engine.attach()
        metrics = Metrics(self.engine)
        opts = [("grpc.max_receive_message_length", cfg.max_message_mb << 20),
                ("grpc.max_send_message_length", cfg.max_message_mb << 20),
                ("grpc.so_reuseport", 0)]
        server = grpc.aio.server(interceptors=[TokenAuth(cfg.token)] if cfg.token else [], options=opts)
        servicer = RewardServicer(self.engine, metrics)
        reward_pb2_grpc.add_RewardServiceServicer_to_server(servicer, server)
        health_servicer = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
        reflection.enable_server_reflection(
            (SERVICE, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME), server)
        try:
            if cfg.tls_cert:
                with open(cfg.tls_key, "rb") as k, open(cfg.tls_cert, "rb") as c:
                    creds = grpc.ssl_server_credentials([(k.read(), c.read())])
                self.port = server.add_secure_port(cfg.address, creds)
            else:
                self.port = server.add_insecure_port(cfg.address)
            if not self.port:
                raise RuntimeError("bind failed")
        except (RuntimeError, OSError) as exc:  # port taken, bad address, unreadable TLS files
            await self.engine.close()
            if self.sandbox is not None:
                self.sandbox.close()
            raise ServeError(f"cannot listen on {cfg.address} ({exc}): is another server using the port? Stop it "
                             "or pass --address HOST:PORT") from None
        await server.start()
        api_http = await _start_http(self, servicer, metrics) if cfg.http_address else None
        health_task = asyncio.create_task(self._health(health_servicer))
        http = await metrics.serve(cfg.metrics_address) if cfg.metrics_address else None
        log.info("serving on %s (port %d)%s%s", cfg.address, self.port, " with TLS" if cfg.tls_cert else "",
                 " with token" if cfg.token else "")
        if ready is not None:
            ready(self.port)
        stop = stop or asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError):
                pass  # not the main thread: the caller stops us through `stop`
        await stop.wait()
        log.info("shutting down")
        health_task.cancel()
        await health_servicer.enter_graceful_shutdown()
        if http is not None:
            http.close()
        if api_http is not None:
            await api_http.close()
        await server.stop(grace=2)
        await self.engine.close()
        if self.sandbox is not None:
            self.sandbox.close()

    def serving(self) -> dict[str, bool]:
        """Per task: can it score now? Workers (or the fork server to replace them) for every task, and
        a running sandbox for tasks that execute code."""
        assert self.engine is not None
        pool = self.engine.pool.serving()
        box = sandbox_up(self.sandbox)
        return {name: pool and (box or not getattr(t, "needs_sandbox", False)) for name, t in self.engine.tasks.items()}

    async def _health(self, hs: Any) -> None:
        """Keep gRPC health honest: ``""`` and the service go NOT_SERVING while any task cannot score;
        ``rewardgym.v1.RewardService/<task>`` says it per task. Also restarts a dead fork server."""
        assert self.engine is not None
        SERVING, NOT = health_pb2.HealthCheckResponse.SERVING, health_pb2.HealthCheckResponse.NOT_SERVING
        last: dict[str, int] = {}
        while True:
            try:
                self.engine.pool.check_forkserver()
                per = self.serving()
                want = {f"{SERVICE}/{name}": SERVING if ok else NOT for name, ok in per.items()}
                overall = SERVING if all(per.values()) else NOT
                want[""] = want[SERVICE] = overall
                for name, st in want.items():
                    if last.get(name) != st:
                        await hs.set(name, st)
                        if name and "/" in name:
                            log.log(logging.INFO if st == SERVING else logging.ERROR, "health: %s %s", name,
                                    health_pb2.HealthCheckResponse.ServingStatus.Name(st))
                last = want
            except Exception:  # the health loop must never die
                log.exception("health check")
            await asyncio.sleep(HEALTH_PERIOD_S)


def sandbox_up(handle: Any) -> bool:
    """Whether the sandbox this server started can take jobs (True when it started none: remote)."""
    if handle is None:
        return True
    up = getattr(handle, "up", None)
    if up is not None:
        return bool(up)
    proc = getattr(handle, "proc", None)
    return proc is None or proc.poll() is None


async def _start_http(srv: Server, servicer: RewardServicer, metrics: Metrics) -> Any:
    """The HTTP endpoint (rewardgym.http) on the same loop, engine and request-id store as gRPC."""
    from rewardgym import http

    assert srv.engine is not None
    api = http.HttpApi(srv.engine, srv.config, servicer.idempotency, metrics)
    server = await http.start(api, srv.config.http_address)
    srv.http_port = server.port
    log.info("HTTP on %s (port %d)", srv.config.http_address, server.port)
    return server


def _start_sandbox() -> Any:
    """Start the code sandbox (local zygotes must exist before gRPC threads), if it is installed."""
    try:
        import sandbox
    except ImportError:
        return None
    start = getattr(sandbox, "start_from_env", None)
    if start is None:
        return None
    try:
        return start()
    except Exception:  # code items will answer SANDBOX_ERROR; every other task still serves
        log.exception("sandbox failed to start")
        return None


def run(config: Config) -> None:
    server = Server(config)
    server.prepare()
    asyncio.run(server.serve())
