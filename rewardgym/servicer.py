"""The RewardService implementation on grpc.aio. It validates and converts; the Engine schedules."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

import grpc
from google.protobuf import json_format

import rewardgym
from rewardgym.convert import (
    add_summaries,
    items_from_request,
    options_from_proto,
    response_from_results,
    result_to_proto,
    track,
    tracker_of,
)
from rewardgym.engine import Engine, Item, Options, Result
from rewardgym.episodes import Episode, Episodes
from rewardgym.idempotency import IdConflict, Idempotency, Job
from rewardgym.v1 import reward_pb2 as pb
from rewardgym.v1 import reward_pb2_grpc as pb_grpc
from rewardgym.validate import InvalidArgument, component_names

MAX_SAMPLE = 10_000


def _deadline(context: grpc.aio.ServicerContext) -> float | None:
    left = context.time_remaining()
    return None if left is None else time.monotonic() + left


class RewardServicer(pb_grpc.RewardServiceServicer):
    def __init__(self, engine: Engine, metrics: Any = None, idempotency: Idempotency | None = None) -> None:
        self.engine = engine
        self.metrics = metrics
        cfg = engine.config
        self.episodes = Episodes(cfg.episode_ttl_s, cfg.max_episodes)
        self.idempotency = idempotency or Idempotency(cfg.idempotency_window_s)

    async def _job(self, request: pb.ScoreRequest, context: grpc.aio.ServicerContext, items: list[Item],
                   opts: Options) -> Job:
        """The server-owned job of a request with a request_id (see rewardgym.idempotency). It runs
        without the call's deadline: each item keeps its own, and a retry may come after the call's end."""
        digest = hashlib.blake2b(request.SerializeToString(deterministic=True), digest_size=20).digest()
        try:
            return self.idempotency.job(request.request_id, digest,
                                        lambda on_result: self.engine.score(items, opts, None, on_result))
        except IdConflict as exc:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(exc))
            raise AssertionError("unreachable") from exc

    async def Score(self, request: pb.ScoreRequest, context: grpc.aio.ServicerContext) -> pb.ScoreResponse:
        t0 = time.perf_counter()
        items, options = await self._checked(request, context)
        if request.request_id:
            results = await (await self._job(request, context, items, options)).result()
        else:
            results = await self.engine.score(items, options, _deadline(context))
        resp = response_from_results(results)
        tracker = tracker_of(request)
        if tracker is not None:
            add_summaries(resp, track(tracker, results))
        if self.metrics is not None:
            self.metrics.observe_rpc("Score", time.perf_counter() - t0, len(results))
        return resp

    async def ScoreStream(self, request: pb.ScoreRequest,
                          context: grpc.aio.ServicerContext) -> AsyncIterator[pb.ScoreResult]:
        stream = self._stream("ScoreStream", request, context, lambda g: map(result_to_proto, g))
        async with contextlib.aclosing(stream):  # closed at once when the client goes away
            async for msg in stream:
                yield msg

    async def ScoreStreamBatched(self, request: pb.ScoreRequest,
                                 context: grpc.aio.ServicerContext) -> AsyncIterator[pb.ScoreResponse]:
        tracker = tracker_of(request)

        def encode(g: list[Result]) -> tuple[pb.ScoreResponse]:
            resp = response_from_results(g)
            return (resp if tracker is None else add_summaries(resp, track(tracker, g)),)

        stream = self._stream("ScoreStreamBatched", request, context, encode)
        async with contextlib.aclosing(stream):
            async for msg in stream:
                yield msg

    async def _stream(self, rpc: str, request: pb.ScoreRequest, context: grpc.aio.ServicerContext,
                      encode: Callable[[list[Result]], Iterable[Any]]) -> AsyncIterator[Any]:
        """The messages ``encode`` makes of each group of ready results, as they become ready."""
        t0 = time.perf_counter()
        n = 0
        try:
            async with contextlib.aclosing(self._ready_groups(request, context)) as groups:
                async for group in groups:
                    n += len(group)
                    for msg in encode(group):
                        yield msg
        finally:  # also when the client went away: _ready_groups then drops its pending work
            if self.metrics is not None:
                self.metrics.observe_rpc(rpc, time.perf_counter() - t0, n)

    async def _ready_groups(self, request: pb.ScoreRequest,
                            context: grpc.aio.ServicerContext) -> AsyncIterator[list[Result]]:
        """Results in groups: whatever is ready when the previous group has been handed on. The first
        result of a group is never held back to wait for others (same latency as ScoreStream)."""
        items, options = await self._checked(request, context)
        if request.request_id:  # a server-owned job: leaving this stream does not stop it
            job = await self._job(request, context, items, options)
            async with contextlib.aclosing(job.follow()) as groups:
                async for group in groups:
                    yield group
            return
        ready: asyncio.Queue[Result | None] = asyncio.Queue()
        job = asyncio.ensure_future(self.engine.score(items, options, _deadline(context), ready.put_nowait))
        job.add_done_callback(lambda _: ready.put_nowait(None))  # wakes us if the engine fails
        try:
            done = False
            while not done:
                group = [await ready.get()]
                while not ready.empty():
                    group.append(ready.get_nowait())
                if group[-1] is None:
                    done = True
                    group.pop()
                if group:
                    yield group  # type: ignore[misc] - None only ever comes last
            job.result()  # re-raises an engine failure as an RPC error
        finally:
            if not job.done():  # the client went away: drop its pending work
                job.cancel()

    async def _checked(self, request: pb.ScoreRequest,
                       context: grpc.aio.ServicerContext) -> tuple[list[Item], Options]:
        """The request's items and options, or the call ends with INVALID_ARGUMENT naming the option."""
        try:
            items, options = items_from_request(request), options_from_proto(request.options)
            self.engine.check_options(items, options)
        except InvalidArgument as exc:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
            raise AssertionError("unreachable") from None
        return items, options

    async def ListTasks(self, request: pb.ListTasksRequest, context: grpc.aio.ServicerContext) -> pb.ListTasksResponse:
        infos = []
        tasks = sorted(self.engine.tasks.items())
        # describe() may block (the code task asks its sandbox for health): off the event loop, together.
        described = await asyncio.gather(*(asyncio.to_thread(_describe, task) for _, task in tasks))
        for (name, task), info in zip(tasks, described, strict=True):
            infos.append(pb.TaskInfo(
                name=name, version=task.version, description=task.description,
                reference_schema_json=json.dumps(task.reference_schema),
                default_deadline_s=task.default_deadline_s, default_weights=task.default_weights,
                can_sample=task.can_sample, gym_id=gym_id(task), info=info))
        return pb.ListTasksResponse(tasks=infos, server_version=rewardgym.__version__)

    async def Sample(self, request: pb.SampleRequest, context: grpc.aio.ServicerContext) -> pb.SampleResponse:
        n = request.n or 1
        if n > MAX_SAMPLE:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"n: at most {MAX_SAMPLE} per call")
        problems = await self._sample(request.task, n, request.seed, json_format.MessageToDict(request.options),
                                      context)
        return pb.SampleResponse(problems=[pb.Problem(prompt=p, reference_json=r) for p, r in problems])

    async def _sample(self, task: str, n: int, seed: int, options: dict[str, Any],
                      context: grpc.aio.ServicerContext) -> list[tuple[str, str]]:
        try:
            return await self.engine.sample(task, n, seed, _int_options(options))
        except KeyError:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"unknown task {task!r}")
        except NotImplementedError as exc:
            await context.abort(grpc.StatusCode.UNIMPLEMENTED, str(exc))
        except TimeoutError as exc:
            await context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, str(exc))
        except ValueError as exc:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        raise AssertionError("unreachable")

    async def Reset(self, request: pb.ResetRequest, context: grpc.aio.ServicerContext) -> pb.ResetResponse:
        options = json_format.MessageToDict(request.options)
        if request.task not in self.engine.tasks:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"unknown task {request.task!r}")
        if "reference" in options:  # an episode on a given problem (tasks without a generator)
            prompt, ref_json = str(options.get("prompt", "")), json.dumps(_int_options(options["reference"]))
        else:
            ((prompt, ref_json),) = await self._sample(request.task, 1, request.seed, options, context)
        eid = self.episodes.add(Episode(request.task, prompt, ref_json))
        return pb.ResetResponse(episode_id=eid, observation=prompt, reference_json=ref_json)

    async def Step(self, request: pb.StepRequest, context: grpc.aio.ServicerContext) -> pb.StepResponse:
        ep = self.episodes.get(request.episode_id)
        if ep is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, "unknown or expired episode; call Reset")
        assert ep is not None
        if ep.done:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, "episode has terminated; call Reset")
        item = Item(ep.task, request.action, ep.ref_json, request.episode_id)
        try:
            opts: Options = options_from_proto(request.options)
            self.engine.check_options([item], opts)
        except InvalidArgument as exc:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        (res,) = await self.engine.score([item], opts,
                                         _deadline(context))
        ep.steps += 1
        ep.done = True  # built-in tasks are single-step (contextual bandits)
        return pb.StepResponse(observation="", reward=res.reward, terminated=True, truncated=False,
                               result=result_to_proto(res))


def gym_id(task: Any) -> str:
    return f"rewardgym/{task.env_name or task.name.title()}-v0"


def _describe(task: Any) -> dict[str, str]:
    try:
        return {"components": ",".join(sorted(component_names(task))),
                **{str(k): str(v) for k, v in task.describe().items()}}
    except Exception as exc:  # a plugin's describe() must not break ListTasks
        return {"describe_error": repr(exc)}


def _int_options(v: Any) -> Any:
    from rewardgym.convert import _ints

    return _ints(v)
