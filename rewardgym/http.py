"""HTTP beside gRPC, served by the same process, event loop and Engine (``--http-address``).

- ``POST /get_reward``: OpenRLHF's remote reward-model call. In: ``{"query": [...], "prompts": [...],
  "labels": [...]}`` (prompt + response texts, the prompts, the dataset labels); out: ``{"rewards",
  "scores", "extra_logs", "statuses"}``. The task comes from ``?task=``, else ``--http-task``, else a
  label ``{"task": ..., "reference": ...}``; a label is the reference (a JSON object or its text), or
  a bare answer sent as ``{"answer": label}`` (``?answer_key=`` renames the key). The completion is
  the query minus its prompt prefix and trailing template tokens, as in the OpenRLHF file adapter.
- ``POST /v1/score``: JSON lines in (one ``rewardgym score`` item a line), JSON lines out (one result a
  line, in item order). ``?stream=1`` sends each result as it is ready, plus a
  ``{"group_summary": {...}}`` line when the last item of a ``group`` is scored.
- ``GET /healthz``: ``{"status": "SERVING"}``, without the token (for probes).

Options as query parameters: ``weight=NAME=W`` (repeatable), ``deadline`` (s per item), ``no_cache=1``.
An ``Idempotency-Key`` header (or ``?request_id=``) makes a retry return the first answer (see
rewardgym.idempotency). Auth: ``Authorization: Bearer <token>``, or ``?token=`` for clients that can only
be given a URL (OpenRLHF); the access log is off so the token is never written to a log.

Why uvicorn + Starlette rather than gRPC transcoding: transcoding needs a proxy (Envoy) or
google.api.http annotations our stubs would carry, and cannot stream JSON lines; an ASGI app is a
few hundred lines in the same process, shares the Engine's dedup/cache/workers with gRPC, and
uvicorn (with httptools) parses HTTP in C.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from rewardgym.config import Config
from rewardgym.convert import VERDICTS, track
from rewardgym.engine import Engine, Item, Options, Result
from rewardgym.groups import GroupTracker
from rewardgym.idempotency import IdConflict, Idempotency
from rewardgym.jsonl import bad_line_result, engine_item, group_of, parse_line, result_line
from trainer_client.adapters.openrlhf import _completion, _task_and_reference

NDJSON = "application/x-ndjson"
TRUE = ("1", "true", "yes", "on")


class BadRequest(ValueError):
    """Answered 400 with ``{"error": message}``; the message names the field."""


def _error(status: int, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers or None)


def _lines(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


class HttpApi:
    def __init__(self, engine: Engine, config: Config, idempotency: Idempotency, metrics: Any = None) -> None:
        self.engine = engine
        self.config = config
        self.idempotency = idempotency
        self.metrics = metrics
        self.token = config.token.encode()
        self.bearer = f"Bearer {config.token}".encode()
        self.max_body = config.max_message_mb << 20
        self.app = Starlette(routes=[
            Route("/get_reward", self._guard(self.get_reward), methods=["POST"]),
            Route("/v1/score", self._guard(self.score), methods=["POST"]),
            Route("/healthz", self.healthz, methods=["GET"]),
        ])

    # ---- plumbing
    def _authorized(self, request: Request) -> bool:
        if not self.token:
            return True
        if hmac.compare_digest(request.headers.get("authorization", "").encode(), self.bearer):
            return True
        return hmac.compare_digest(request.query_params.get("token", "").encode(), self.token)

    def _guard(self, handler: Callable[[Request, bytes], Any]) -> Callable[[Request], Any]:
        """Token check, body size limit and typed 400s around a handler."""

        async def endpoint(request: Request) -> Response:
            if not self._authorized(request):
                return _error(401, "missing or wrong bearer token", **{"WWW-Authenticate": "Bearer"})
            if int(request.headers.get("content-length") or 0) > self.max_body:
                return _error(413, f"body over the limit of {self.config.max_message_mb} MiB")
            body = await request.body()
            if len(body) > self.max_body:
                return _error(413, f"body over the limit of {self.config.max_message_mb} MiB")
            t0 = time.perf_counter()
            try:
                resp, n = await handler(request, body)
            except BadRequest as exc:
                return _error(400, str(exc))
            except IdConflict as exc:
                return _error(409, str(exc))
            if self.metrics is not None:
                self.metrics.observe_rpc("http" + request.url.path, time.perf_counter() - t0, n)
            return resp

        return endpoint

    @staticmethod
    def _options(request: Request) -> Options:
        q = request.query_params
        weights: dict[str, float] = {}
        for w in q.getlist("weight"):
            name, _, value = w.partition("=")
            try:
                weights[name] = float(value)
            except ValueError:
                raise BadRequest(f"weight: expected NAME=NUMBER, got {w!r}") from None
        try:
            deadline = float(q.get("deadline") or 0.0)
        except ValueError:
            raise BadRequest("deadline: expected seconds") from None
        return Options(weights=weights or None, item_deadline_s=max(0.0, deadline),
                       no_cache=q.get("no_cache", "").lower() in TRUE)

    def _job(self, request: Request, body: bytes, items: list[Item], options: Options) -> Any:
        """The server-owned job when the request carries an id (raises IdConflict), else None."""
        rid = request.headers.get("idempotency-key") or request.query_params.get("request_id", "")
        if not rid:
            return None
        return self.idempotency.job(rid, self._digest(request, body),
                                    lambda cb: self.engine.score(items, options, None, cb))

    async def _results(self, request: Request, body: bytes, items: list[Item], options: Options) -> list[Result]:
        job = self._job(request, body, items, options)
        return await (job.result() if job is not None else self.engine.score(items, options))

    @staticmethod
    def _digest(request: Request, body: bytes) -> bytes:
        params = sorted((k, v) for k, v in request.query_params.multi_items() if k not in ("token", "request_id"))
        h = hashlib.blake2b(digest_size=20)
        h.update(json.dumps([request.url.path, params]).encode())
        h.update(body)
        return h.digest()

    # ---- endpoints
    async def healthz(self, request: Request) -> Response:
        return JSONResponse({"status": "SERVING"})

    async def get_reward(self, request: Request, body: bytes) -> tuple[Response, int]:
        try:
            obj = json.loads(body)
        except ValueError as exc:
            raise BadRequest(f"body: not JSON ({exc})") from None
        if not isinstance(obj, dict):
            raise BadRequest("body: expected a JSON object with query, prompts, labels")
        queries = obj.get("query")
        if not isinstance(queries, list) or not all(isinstance(x, str) for x in queries):
            raise BadRequest("query: expected a list of strings (prompt + response)")
        n = len(queries)
        prompts = obj.get("prompts") if obj.get("prompts") is not None else [""] * n
        labels = obj.get("labels") if obj.get("labels") is not None else [None] * n
        for name, col in (("prompts", prompts), ("labels", labels)):
            if not isinstance(col, list) or len(col) != n:
                raise BadRequest(f"{name}: expected a list of {n} values, one per query")
        if not all(isinstance(p, str) for p in prompts):
            raise BadRequest("prompts: expected strings")
        default_task = request.query_params.get("task") or self.config.http_task
        key = request.query_params.get("answer_key") or "answer"
        items = []
        for i, (q, p, label) in enumerate(zip(queries, prompts, labels, strict=True)):
            task, ref = _task_and_reference(label, default_task, key)
            if not task:
                raise BadRequest(f"labels[{i}]: names no task, and neither ?task= nor --http-task is set")
            items.append(Item(task, _completion(q, p), json.dumps(ref)))
        results = await self._results(request, body, items, self._options(request))
        rewards = [r.reward if r.status in VERDICTS else 0.0 for r in results]  # OpenRLHF cannot mask
        names = sorted({k for r in results for k in r.components})
        extra: dict[str, list[float]] = {k: [r.components.get(k, 0.0) for r in results] for k in names}
        extra["rewardgym_valid"] = [1.0 if r.status in VERDICTS else 0.0 for r in results]
        statuses = [result_line(0, r)["status"] for r in results]
        return JSONResponse({"rewards": rewards, "scores": list(rewards), "extra_logs": extra,
                             "statuses": statuses}), n

    async def score(self, request: Request, body: bytes) -> tuple[Response, int]:
        try:
            text = body.decode()
        except UnicodeDecodeError as exc:
            raise BadRequest(f"body: not UTF-8 ({exc})") from None
        entries = [e for e in (parse_line(n, line) for n, line in enumerate(text.splitlines(), 1)) if e is not None]
        good = [i for i, e in enumerate(entries) if isinstance(e, dict)]
        items = [engine_item(entries[i]) for i in good]  # type: ignore[arg-type]
        bad = [bad_line_result(i, e) for i, e in enumerate(entries) if isinstance(e, str)]
        options = self._options(request)
        if request.query_params.get("stream", "").lower() not in TRUE:
            out: list[dict[str, Any]] = [{}] * len(entries)
            for row in bad:
                out[row["index"]] = row
            for r in await self._results(request, body, items, options):
                out[good[r.index]] = result_line(good[r.index], r)
            return Response(_lines(out), media_type=NDJSON), len(entries)
        groups = GroupTracker([group_of(entries[i]) for i in good])
        job = self._job(request, body, items, options)  # before the response starts: a conflict is a 409
        ready = job.follow() if job is not None else self._ready(items, options)
        return StreamingResponse(_prefixed(_lines(bad), _encode(ready, good, groups)), media_type=NDJSON), len(entries)

    async def _ready(self, items: list[Item], options: Options) -> AsyncIterator[list[Result]]:
        """Results in groups: whatever is ready each time the previous group has been sent."""
        ready: asyncio.Queue[Result | None] = asyncio.Queue()
        job = asyncio.ensure_future(self.engine.score(items, options, None, ready.put_nowait))
        job.add_done_callback(lambda _: ready.put_nowait(None))
        try:
            done = False
            while not done:
                batch = [await ready.get()]
                while not ready.empty():
                    batch.append(ready.get_nowait())
                if batch[-1] is None:
                    done = True
                    batch.pop()
                if batch:
                    yield batch  # type: ignore[misc]
            job.result()
        finally:
            if not job.done():  # the client went away: drop its pending work
                job.cancel()


async def _encode(ready: AsyncIterator[list[Result]], good: list[int], groups: GroupTracker) -> AsyncIterator[bytes]:
    async with contextlib.aclosing(ready):  # type: ignore[type-var]
        async for batch in ready:
            rows = [result_line(good[r.index], r) for r in batch]
            rows += [{"group_summary": s.as_dict()} for s in track(groups, batch)]
            yield _lines(rows)


async def _prefixed(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    if first:
        yield first
    async with contextlib.aclosing(rest):  # type: ignore[type-var]
        async for chunk in rest:
            yield chunk


class _EmbeddedServer(uvicorn.Server):
    """uvicorn inside the gRPC server's event loop: the gRPC server owns SIGTERM/SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _bind(address: str) -> socket.socket:
    host, _, port = address.rpartition(":")
    host = host.strip("[]") or "0.0.0.0"
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, int(port)))
    except (OSError, ValueError) as exc:
        sock.close()
        raise ValueError(f"http_address {address!r}: {exc}") from None
    return sock


class HttpServer:
    """The running HTTP endpoint; ``port`` is the bound port (useful with port 0)."""

    def __init__(self, server: _EmbeddedServer, task: asyncio.Future[None], port: int) -> None:
        self.server, self.task, self.port = server, task, port

    async def close(self) -> None:
        self.server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.task, 5)


async def start(api: HttpApi, address: str) -> HttpServer:
    cfg = api.config
    sock = _bind(address)
    uv = uvicorn.Config(api.app, log_config=None, log_level="warning", access_log=False, lifespan="off",
                        ssl_certfile=cfg.tls_cert or None, ssl_keyfile=cfg.tls_key or None,
                        timeout_keep_alive=30, server_header=False)
    server = _EmbeddedServer(uv)
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError(f"HTTP server on {address} stopped during start-up")
        await asyncio.sleep(0.005)
    return HttpServer(server, task, sock.getsockname()[1])
