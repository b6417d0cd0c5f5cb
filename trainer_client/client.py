"""The synchronous client. Chunks run concurrently on a small thread pool (one RPC per thread).

Failure policy (same in ``aio.py``): an RPC failing with UNAVAILABLE is retried with exponential
backoff and jitter; any other failure, or UNAVAILABLE after the last retry, turns into one result per
item of that chunk with a status mapped from the gRPC code (DEADLINE_EXCEEDED -> ``timeout``,
RESOURCE_EXHAUSTED/INVALID_ARGUMENT -> ``rejected``, otherwise ``internal_error``) and the code in
``detail``; their reward is None under ``none_on_error`` (the default), 0.0 otherwise. The other chunks
of the batch keep their rewards. ``raise_on_error=True`` raises ``RewardServiceError`` instead, and
UNAUTHENTICATED / PERMISSION_DENIED / UNIMPLEMENTED always raise (a misconfigured client must fail
loudly, not train on masked rewards).
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import grpc

from rewardgym.groups import GroupSummary
from rewardgym.v1 import reward_pb2 as pb
from rewardgym.v1 import reward_pb2_grpc as pb_grpc
from trainer_client import _core
from trainer_client.types import Episode, Item, Problem, Result, StepResult, TaskInfo

T = TypeVar("T")
_DONE = object()


class _StreamControl:
    """Lets the consumer of a multi-chunk stream cancel the calls its pump threads are blocked on."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: set[Any] = set()
        self.stopped = False

    def add(self, call: Any) -> None:
        with self._lock:
            self._calls.add(call)
        if self.stopped:
            call.cancel()

    def discard(self, call: Any) -> None:
        with self._lock:
            self._calls.discard(call)

    def stop(self) -> None:
        self.stopped = True
        with self._lock:
            calls = list(self._calls)
        for c in calls:
            c.cancel()


class RewardClient:
    """Blocking client for ``rewardgym.v1.RewardService``.

    >>> with RewardClient("127.0.0.1:50051") as rc:
    ...     rc.score_texts("game24", ["<answer>(1+2+3)*4</answer>"], {"numbers": [1, 2, 3, 4]})

    Options (keyword-only; ``AsyncRewardClient`` takes the same):

    - ``addresses``: ``host:port``, a list of them, a comma-separated string, or a full gRPC target.
      Several addresses are spread per RPC by gRPC round-robin.
    - ``token``: bearer token, sent as ``authorization: Bearer <token>``.
    - ``tls``, ``root_certificates`` (PEM bytes/text or a path; implies TLS), ``tls_server_name``.
    - ``timeout_s`` (60): deadline of each RPC attempt; None for none.
    - ``chunk_size`` (1024), ``max_chunk_bytes`` (3 MiB): how big batches are split into RPCs.
    - ``max_concurrency`` (4): RPCs in flight per client.
    - ``retries`` (5), ``backoff_s`` (0.5), ``max_backoff_s`` (8): retries of UNAVAILABLE only, with
      exponential backoff and jitter.
    - ``idempotent`` (False): give every scoring call a fresh request id (``request_id=`` sets one per
      call), so a retry after a dropped connection gets the server's first answer instead of scoring
      (and running sandboxes) again. Chunk k of a call carries ``<id>#k``.
    - ``none_on_error`` (True): reward None for infrastructure failures (every status but ``ok`` and
      ``no_answer``); False keeps the server's reward (0.0) — the status still says what happened.
    - ``raise_on_error`` (False): raise ``RewardServiceError`` when an RPC fails for good instead of
      returning per-item failure results.
    - ``weights``, ``item_deadline_s``, ``no_cache``: default score options; each call may override.
    - ``channel_options``: extra gRPC channel arguments; ``interceptors``: gRPC client interceptors.
    """

    def __init__(
        self,
        addresses: str | Sequence[str],
        *,
        interceptors: Sequence[Any] = (),
        **config: Any,
    ) -> None:
        self._cfg = _core.make_config(addresses, **config)
        self._init_args = (addresses, tuple(interceptors), dict(config))
        creds = self._cfg.credentials()
        self._channels = [
            self._open(t, creds, self._cfg.options_for(), interceptors) for t in self._cfg.targets
        ]
        self._stubs = [pb_grpc.RewardServiceStub(c) for c in self._channels]
        self._rr = itertools.count()
        # Episodes live on one server: Reset/Step go over a pick_first channel so they stay together.
        self._sticky = self._open(
            self._cfg.targets[0], creds, self._cfg.options_for(sticky=True), interceptors
        )
        self._sticky_stub = pb_grpc.RewardServiceStub(self._sticky)
        self._pool: ThreadPoolExecutor | None = None
        # stream() uses ScoreStreamBatched (a message per group of ready results, not per result)
        # and falls back to ScoreStream once, for good, against a server that lacks it.
        self._batched_stream = True
        self._lock = threading.Lock()
        self._closed = False

    @staticmethod
    def _open(target: str, creds: Any, options: list, interceptors: Sequence[Any]) -> grpc.Channel:
        ch = grpc.secure_channel(target, creds, options) if creds else grpc.insecure_channel(target, options)
        return grpc.intercept_channel(ch, *interceptors) if interceptors else ch

    @property
    def config(self) -> _core.ClientConfig:
        return self._cfg

    def copy(self) -> RewardClient:
        """A new client with the same settings and its own channels (e.g. in a forked worker)."""
        addresses, interceptors, config = self._init_args
        return RewardClient(addresses, interceptors=interceptors, **config)

    def _stub(self) -> pb_grpc.RewardServiceStub:
        return self._stubs[next(self._rr) % len(self._stubs)]

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._closed:
                raise RuntimeError("client is closed")
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._cfg.max_concurrency, thread_name_prefix="rewardgym-rpc")
            return self._pool

    def _call(self, fn: Callable[[], T], retry: bool = True) -> T:
        """Run a unary RPC with the UNAVAILABLE retry policy; raise RewardServiceError when it fails."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return fn()
            except grpc.RpcError as exc:
                code, details = _core.error_of(exc)
                delay = self._cfg.retry.delay(code, attempt) if retry else None
                if delay is None:
                    raise _core.RewardServiceError(code, details, attempt) from exc
                time.sleep(delay)

    # ------------------------------------------------------------ scoring

    def score(
        self, items: Iterable[Item | Mapping[str, Any]], *, task: str | None = None, **options: Any
    ) -> list[Result]:
        """Score items; results in the order given. ``task`` fills items that name none.

        ``options``: ``weights``, ``item_deadline_s``, ``no_cache`` for this call only, and
        ``request_id`` (an idempotency key: the same id within the server's window gets the first answer).
        """
        normalized, chunks = self._cfg.chunks(items, task, options)
        out: list[Result] = []
        if len(chunks) == 1:
            out = self._score_chunk(chunks[0])
        elif chunks:
            for part in self._executor().map(self._score_chunk, chunks):
                out.extend(part)
        # Chunks are contiguous and kept in order, so `out` is already in item order.
        assert len(out) == len(normalized)
        return out

    def _score_chunk(self, chunk: _core.Chunk) -> list[Result]:
        cfg = self._cfg
        attempt = 0
        while True:
            attempt += 1
            try:
                resp = self._stub().Score(chunk.request, timeout=cfg.timeout_s, metadata=cfg.metadata)
                return _core.decode_response(chunk, resp, cfg.none_on_error)
            except grpc.RpcError as exc:
                code, details = _core.error_of(exc)
                delay = cfg.retry.delay(code, attempt)
                if delay is None:
                    return _core.rpc_failure(
                        chunk,
                        code,
                        details,
                        attempt,
                        none_on_error=cfg.none_on_error,
                        raise_on_error=cfg.raise_on_error,
                    )
                time.sleep(delay)

    def score_texts(
        self,
        task: str,
        completions: Sequence[str],
        references: Any,
        *,
        ids: Sequence[Any] | None = None,
        **options: Any,
    ) -> list[float | None]:
        """Rewards only, one per completion (None for infrastructure failures under ``none_on_error``).

        ``references``: one per completion (a list/tuple) or a single reference shared by all.
        Use ``score`` when you need statuses and components.
        """
        return [r.reward for r in self.score(_core.text_items(task, completions, references, ids), **options)]

    def stream(
        self, items: Iterable[Item | Mapping[str, Any]], *, task: str | None = None, **options: Any
    ) -> Iterator[Result]:
        """Yield results as the server finishes them (any order; ``Result.index`` says which item).

        Each chunk is one ScoreStreamBatched call (ScoreStream on servers without it). On UNAVAILABLE mid-stream only the items not yet answered
        are sent again. Closing the iterator early cancels the calls still running.
        """
        _, chunks = self._cfg.chunks(items, task, options)
        ctl = _StreamControl()
        if len(chunks) == 1:
            yield from self._stream_chunk(chunks[0], ctl)
            return
        if not chunks:
            return
        q: queue.Queue[Any] = queue.Queue()

        def pump(chunk: _core.Chunk) -> None:
            try:
                for r in self._stream_chunk(chunk, ctl):
                    q.put(r)
            except BaseException as exc:  # handed to the consumer, who raises it
                q.put(exc)
            finally:
                q.put(_DONE)

        pool = self._executor()
        for c in chunks:
            pool.submit(pump, c)
        remaining = len(chunks)
        try:
            while remaining:
                got = q.get()
                if got is _DONE:
                    remaining -= 1
                elif isinstance(got, BaseException):
                    raise got
                else:
                    yield got
        finally:
            ctl.stop()

    def _stream_chunk(self, chunk: _core.Chunk, ctl: _StreamControl) -> Iterator[Result]:
        cfg = self._cfg
        pending = dict.fromkeys(range(len(chunk.indices)))  # chunk positions not yet answered
        current, positions = chunk, list(range(len(chunk.indices)))
        attempt = 0
        while not ctl.stopped:
            attempt += 1
            batched = self._batched_stream
            stub = self._stub()
            rpc = stub.ScoreStreamBatched if batched else stub.ScoreStream
            call = rpc(current.request, timeout=cfg.timeout_s, metadata=cfg.metadata)
            ctl.add(call)
            try:
                for msg in call:
                    yield from _core.stream_results(msg, batched, positions, pending, chunk, cfg.none_on_error)
                for k in pending:
                    yield _core.failure_result(
                        chunk, k, "internal_error", "missing_result", cfg.none_on_error
                    )
                return
            except grpc.RpcError as exc:
                if ctl.stopped:
                    return
                code, details = _core.error_of(exc)
                if batched and code == grpc.StatusCode.UNIMPLEMENTED:
                    self._batched_stream = False  # a server from before ScoreStreamBatched
                    attempt -= 1
                    continue
                delay = cfg.retry.delay(code, attempt)
                if delay is None:
                    yield from _core.rpc_failure(
                        chunk,
                        code,
                        details,
                        attempt,
                        pending=list(pending),
                        none_on_error=cfg.none_on_error,
                        raise_on_error=cfg.raise_on_error,
                    )
                    return
                time.sleep(delay)
                if not chunk.request.request_id:  # with an id, resend it whole: the server replays its job
                    positions = list(pending)
                    current = _core.rechunk(chunk, positions)
            finally:
                ctl.discard(call)
                call.cancel()  # no-op when finished; stops server work when the consumer left early

    def stream_groups(
        self, items: Iterable[Item | Mapping[str, Any]], *, task: str | None = None, **options: Any
    ) -> Iterator[Result | GroupSummary]:
        """``stream`` plus a ``GroupSummary`` right after the last result of each group (``Item.group``):
        count, valid, mean, std and ``all_equal`` (no GRPO signal), so a trainer can drop or resample
        a group before the optimiser step. Computed here from the results, so groups may span chunks."""
        normalized = [_core.to_item(x) for x in items]
        tracker = _core.group_summaries(normalized)
        for r in self.stream(normalized, task=task, **options):
            yield r
            summary = _core.track_result(tracker, r)
            if summary is not None:
                yield summary

    # ------------------------------------------------------------ other RPCs

    def list_tasks(self) -> list[TaskInfo]:
        cfg = self._cfg
        resp = self._call(
            lambda: self._stub().ListTasks(
                pb.ListTasksRequest(), timeout=cfg.timeout_s, metadata=cfg.metadata
            )
        )
        return _core.decode_tasks(resp)

    def sample(self, task: str, n: int = 1, seed: int = 0, **options: Any) -> list[Problem]:
        """``n`` generated problems; ``options`` are the task's difficulty options."""
        cfg = self._cfg
        req = pb.SampleRequest(task=task, n=n, seed=seed, options=_core.struct_of(options))
        return _core.decode_problems(
            self._call(lambda: self._stub().Sample(req, timeout=cfg.timeout_s, metadata=cfg.metadata))
        )

    def reset(self, task: str, seed: int = 0, **options: Any) -> Episode:
        cfg = self._cfg
        req = pb.ResetRequest(task=task, seed=seed, options=_core.struct_of(options))
        return _core.decode_episode(
            self._call(lambda: self._sticky_stub.Reset(req, timeout=cfg.timeout_s, metadata=cfg.metadata))
        )

    def step(self, episode_id: str, action: str, **options: Any) -> StepResult:
        """Not retried: the server may have advanced the episode before the connection dropped."""
        cfg = self._cfg
        req = pb.StepRequest(episode_id=episode_id, action=action, options=cfg.options(options))
        resp = self._call(
            lambda: self._sticky_stub.Step(req, timeout=cfg.timeout_s, metadata=cfg.metadata), retry=False
        )
        return _core.decode_step(resp, cfg.none_on_error)

    # ------------------------------------------------------------ lifecycle

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        for ch in [*self._channels, self._sticky]:
            ch.close()

    def __enter__(self) -> RewardClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
