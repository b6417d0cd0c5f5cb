"""The asyncio client (grpc.aio). Same API and failure policy as ``client.RewardClient``, awaitable.

A grpc.aio channel belongs to the event loop that created it, so channels are opened lazily in the
running loop and re-opened if the client is later used from another loop (TRL runs async reward
functions on its own daemon loop; scripts often call ``asyncio.run`` more than once).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import grpc
import grpc.aio

from rewardgym.groups import GroupSummary
from rewardgym.v1 import reward_pb2 as pb
from rewardgym.v1 import reward_pb2_grpc as pb_grpc
from trainer_client import _core
from trainer_client.types import Episode, Item, Problem, Result, StepResult, TaskInfo

T = TypeVar("T")


class _LoopState:
    """Channels, stubs and the in-flight limit of one event loop."""

    def __init__(self, cfg: _core.ClientConfig, interceptors: Sequence[Any]) -> None:
        self.loop = asyncio.get_running_loop()
        creds = cfg.credentials()

        def open_(target: str, sticky: bool) -> grpc.aio.Channel:
            opts = cfg.options_for(sticky=sticky)
            icpt = list(interceptors) or None
            if creds:
                return grpc.aio.secure_channel(target, creds, opts, interceptors=icpt)
            return grpc.aio.insecure_channel(target, opts, interceptors=icpt)

        self.channels = [open_(t, False) for t in cfg.targets]
        self.stubs = [pb_grpc.RewardServiceStub(c) for c in self.channels]
        # Episodes live on one server: Reset/Step go over a pick_first channel so they stay together.
        self.sticky = open_(cfg.targets[0], True)
        self.sticky_stub = pb_grpc.RewardServiceStub(self.sticky)
        self.sem = asyncio.Semaphore(cfg.max_concurrency)

    async def close(self) -> None:
        for ch in [*self.channels, self.sticky]:
            await ch.close()


class AsyncRewardClient:
    """Awaitable client for ``rewardgym.v1.RewardService``; see ``RewardClient`` for the options.

    >>> async with AsyncRewardClient("127.0.0.1:50051") as rc:
    ...     results = await rc.score(items)
    """

    def __init__(
        self,
        addresses: str | Sequence[str],
        *,
        interceptors: Sequence[Any] = (),
        **config: Any,
    ) -> None:
        self._cfg = _core.make_config(addresses, **config)
        self._interceptors = list(interceptors)
        self._state: _LoopState | None = None
        self._rr = itertools.count()
        self._batched_stream = True  # as RewardClient: ScoreStreamBatched, ScoreStream on old servers
        self._closed = False

    @property
    def config(self) -> _core.ClientConfig:
        return self._cfg

    def _loop_state(self) -> _LoopState:
        if self._closed:
            raise RuntimeError("client is closed")
        loop = asyncio.get_running_loop()
        st = self._state
        if st is None or st.loop is not loop:
            # The old loop is gone or elsewhere; its channels cannot be awaited from here.
            self._state = st = _LoopState(self._cfg, self._interceptors)
        return st

    def _stub(self, st: _LoopState) -> pb_grpc.RewardServiceStub:
        return st.stubs[next(self._rr) % len(st.stubs)]

    async def _call(self, fn: Callable[[], Awaitable[T]], retry: bool = True) -> T:
        attempt = 0
        while True:
            attempt += 1
            try:
                return await fn()
            except grpc.aio.AioRpcError as exc:
                code, details = _core.error_of(exc)
                delay = self._cfg.retry.delay(code, attempt) if retry else None
                if delay is None:
                    raise _core.RewardServiceError(code, details, attempt) from exc
                await asyncio.sleep(delay)

    # ------------------------------------------------------------ scoring

    async def score(
        self, items: Iterable[Item | Mapping[str, Any]], *, task: str | None = None, **options: Any
    ) -> list[Result]:
        """Score items; results in the order given. See ``RewardClient.score``."""
        _, chunks = self._cfg.chunks(items, task, options)
        st = self._loop_state()
        parts = await asyncio.gather(*(self._score_chunk(st, c) for c in chunks))
        return [r for part in parts for r in part]

    async def _score_chunk(self, st: _LoopState, chunk: _core.Chunk) -> list[Result]:
        cfg = self._cfg
        attempt = 0
        while True:
            attempt += 1
            try:
                async with st.sem:
                    resp = await self._stub(st).Score(
                        chunk.request, timeout=cfg.timeout_s, metadata=cfg.metadata
                    )
                return _core.decode_response(chunk, resp, cfg.none_on_error)
            except grpc.aio.AioRpcError as exc:
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
                await asyncio.sleep(delay)  # outside the semaphore: a sleeping retry holds no slot

    async def score_texts(
        self,
        task: str,
        completions: Sequence[str],
        references: Any,
        *,
        ids: Sequence[Any] | None = None,
        **options: Any,
    ) -> list[float | None]:
        """Rewards only; see ``RewardClient.score_texts``."""
        results = await self.score(_core.text_items(task, completions, references, ids), **options)
        return [r.reward for r in results]

    async def stream(
        self, items: Iterable[Item | Mapping[str, Any]], *, task: str | None = None, **options: Any
    ) -> AsyncIterator[Result]:
        """Yield results as they finish (any order). Leaving the loop early cancels the calls."""
        _, chunks = self._cfg.chunks(items, task, options)
        st = self._loop_state()
        if len(chunks) == 1:
            async for r in self._stream_chunk(st, chunks[0]):
                yield r
            return
        q: asyncio.Queue[Any] = asyncio.Queue()
        done = object()

        async def pump(chunk: _core.Chunk) -> None:
            try:
                async for r in self._stream_chunk(st, chunk):
                    q.put_nowait(r)
            except Exception as exc:  # handed to the consumer, who raises it
                q.put_nowait(exc)
            finally:
                q.put_nowait(done)

        tasks = [asyncio.ensure_future(pump(c)) for c in chunks]
        remaining = len(tasks)
        try:
            while remaining:
                got = await q.get()
                if got is done:
                    remaining -= 1
                elif isinstance(got, Exception):
                    raise got
                else:
                    yield got
        finally:
            for t in tasks:
                t.cancel()  # cancels the underlying RPCs too

    async def _stream_chunk(self, st: _LoopState, chunk: _core.Chunk) -> AsyncIterator[Result]:
        cfg = self._cfg
        pending = dict.fromkeys(range(len(chunk.indices)))
        current, positions = chunk, list(range(len(chunk.indices)))
        attempt = 0
        while True:
            attempt += 1
            batched = self._batched_stream
            async with st.sem:
                stub = self._stub(st)
                rpc = stub.ScoreStreamBatched if batched else stub.ScoreStream
                call = rpc(current.request, timeout=cfg.timeout_s, metadata=cfg.metadata)
                try:
                    failure: tuple[Any, str] | None = None
                    try:
                        async for msg in call:
                            for res in _core.stream_results(msg, batched, positions, pending, chunk,
                                                            cfg.none_on_error):
                                yield res
                    except grpc.aio.AioRpcError as exc:
                        failure = _core.error_of(exc)
                finally:
                    call.cancel()
            if failure is None:
                for k in pending:
                    yield _core.failure_result(
                        chunk, k, "internal_error", "missing_result", cfg.none_on_error
                    )
                return
            code, details = failure
            if batched and code == grpc.StatusCode.UNIMPLEMENTED:
                self._batched_stream = False  # a server from before ScoreStreamBatched
                attempt -= 1
                continue
            delay = cfg.retry.delay(code, attempt)
            if delay is None:
                for r in _core.rpc_failure(
                    chunk,
                    code,
                    details,
                    attempt,
                    pending=list(pending),
                    none_on_error=cfg.none_on_error,
                    raise_on_error=cfg.raise_on_error,
                ):
                    yield r
                return
            await asyncio.sleep(delay)
            if not chunk.request.request_id:  # with an id, resend it whole: the server replays its job
                positions = list(pending)
                current = _core.rechunk(chunk, positions)

    async def stream_groups(
        self, items: Iterable[Item | Mapping[str, Any]], *, task: str | None = None, **options: Any
    ) -> AsyncIterator[Result | GroupSummary]:
        """``stream`` plus each group's ``GroupSummary`` right after its last result; see RewardClient."""
        normalized = [_core.to_item(x) for x in items]
        tracker = _core.group_summaries(normalized)
        async for r in self.stream(normalized, task=task, **options):
            yield r
            summary = _core.track_result(tracker, r)
            if summary is not None:
                yield summary

    # ------------------------------------------------------------ other RPCs

    async def list_tasks(self) -> list[TaskInfo]:
        cfg, st = self._cfg, self._loop_state()
        resp = await self._call(
            lambda: self._stub(st).ListTasks(
                pb.ListTasksRequest(), timeout=cfg.timeout_s, metadata=cfg.metadata
            )
        )
        return _core.decode_tasks(resp)

    async def sample(self, task: str, n: int = 1, seed: int = 0, **options: Any) -> list[Problem]:
        cfg, st = self._cfg, self._loop_state()
        req = pb.SampleRequest(task=task, n=n, seed=seed, options=_core.struct_of(options))
        return _core.decode_problems(
            await self._call(lambda: self._stub(st).Sample(req, timeout=cfg.timeout_s, metadata=cfg.metadata))
        )

    async def reset(self, task: str, seed: int = 0, **options: Any) -> Episode:
        cfg, st = self._cfg, self._loop_state()
        req = pb.ResetRequest(task=task, seed=seed, options=_core.struct_of(options))
        return _core.decode_episode(
            await self._call(lambda: st.sticky_stub.Reset(req, timeout=cfg.timeout_s, metadata=cfg.metadata))
        )

    async def step(self, episode_id: str, action: str, **options: Any) -> StepResult:
        """Not retried: the server may have advanced the episode before the connection dropped."""
        cfg, st = self._cfg, self._loop_state()
        req = pb.StepRequest(episode_id=episode_id, action=action, options=cfg.options(options))
        resp = await self._call(
            lambda: st.sticky_stub.Step(req, timeout=cfg.timeout_s, metadata=cfg.metadata), retry=False
        )
        return _core.decode_step(resp, cfg.none_on_error)

    # ------------------------------------------------------------ lifecycle

    async def close(self) -> None:
        self._closed = True
        st, self._state = self._state, None
        if st is not None and st.loop is asyncio.get_running_loop():
            await st.close()

    async def __aenter__(self) -> AsyncRewardClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
