"""I/O-free machinery shared by the sync and asyncio clients.

Everything that does not wait on the network lives here — address planning, channel options,
request building (reference dedup, chunking), result decoding, retry timing and the mapping of a
failed RPC to per-item results — so ``client.py`` and ``aio.py`` only differ in how they wait.
"""

from __future__ import annotations

import ipaddress
import json
import random
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.protobuf import struct_pb2

from rewardgym.groups import GroupSummary, GroupTracker
from rewardgym.v1 import reward_pb2 as pb
from trainer_client.types import (
    STATUS_NAMES,
    VERDICT_STATUSES,
    Episode,
    Item,
    Problem,
    Result,
    RewardServiceError,
    StepResult,
    TaskInfo,
)

SERVICE_CONFIG = json.dumps({"loadBalancingConfig": [{"round_robin": {}}]})
STICKY_SERVICE_CONFIG = json.dumps({"loadBalancingConfig": [{"pick_first": {}}]})
_SCHEMES = ("dns:", "ipv4:", "ipv6:", "unix:", "unix-abstract:", "vsock:", "xds:")

# Codes that mean "the client is misconfigured": per-item failure results would let a trainer run
# for hours on masked rewards, so these always raise.
RAISE_CODES = frozenset(
    {grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNIMPLEMENTED}
)
# How a permanently failed RPC shows up in each of its items' results. Anything not listed is
# "internal_error"; the detail always names the gRPC code.
CODE_STATUS: dict[grpc.StatusCode, str] = {
    grpc.StatusCode.DEADLINE_EXCEEDED: "timeout",
    grpc.StatusCode.RESOURCE_EXHAUSTED: "rejected",
    grpc.StatusCode.INVALID_ARGUMENT: "rejected",
    grpc.StatusCode.OUT_OF_RANGE: "rejected",
    grpc.StatusCode.FAILED_PRECONDITION: "rejected",
}


# ---------------------------------------------------------------- addresses and channel settings


def _split_host_port(address: str) -> tuple[str, str]:
    if address.startswith("["):  # [v6]:port
        host, _, port = address[1:].partition("]:")
        return host, port
    host, _, port = address.rpartition(":")
    return host, port


def _ip_family(address: str) -> int | None:
    host, port = _split_host_port(address)
    if not port.isdigit():
        return None
    try:
        return ipaddress.ip_address(host).version
    except ValueError:
        return None


def plan_targets(addresses: str | Sequence[str]) -> list[str]:
    """gRPC channel targets for the given server addresses.

    One target whenever gRPC can balance by itself: a single address becomes ``dns:///host:port``
    (a headless Service's A records are all used), several IP literals of one family become
    ``ipv4:a:1,b:2``. Several host names cannot share a target, so each gets its own channel and the
    client rotates RPCs over them.
    """
    if isinstance(addresses, str):
        if addresses.startswith(_SCHEMES):
            return [addresses]  # a full target, commas and all
        addresses = addresses.split(",")
    addrs = [a.strip() for a in addresses if a and a.strip()]
    if not addrs:
        raise ValueError("no server address given")
    if len(addrs) == 1:
        a = addrs[0]
        return [a if a.startswith(_SCHEMES) else f"dns:///{a}"]
    families = {_ip_family(a) for a in addrs}
    if families == {4}:
        return ["ipv4:" + ",".join(addrs)]
    if families == {6}:
        return ["ipv6:" + ",".join(addrs)]
    return [a if a.startswith(_SCHEMES) else f"dns:///{a}" for a in addrs]


def channel_options(
    extra: Iterable[tuple[str, Any]] = (), *, sticky: bool = False, tls_server_name: str | None = None
) -> list[tuple[str, Any]]:
    opts: dict[str, Any] = {
        "grpc.service_config": STICKY_SERVICE_CONFIG if sticky else SERVICE_CONFIG,
        # Results of a 1,024-item chunk with long `detail`s can pass gRPC's 4 MiB default.
        "grpc.max_receive_message_length": 64 << 20,
        "grpc.max_send_message_length": 64 << 20,
        # gRPC's reconnect backoff grows to 120 s by default: a restarted server would stay unseen
        # long after our own retries gave up. Keep it short so retries find the server again.
        "grpc.initial_reconnect_backoff_ms": 100,
        "grpc.max_reconnect_backoff_ms": 2000,
        "grpc.primary_user_agent": "rewardgym-trainer-client",
    }
    if tls_server_name:
        opts["grpc.ssl_target_name_override"] = tls_server_name
    opts.update(dict(extra))
    return list(opts.items())


def load_pem(value: bytes | str | None) -> bytes | None:
    """PEM bytes from bytes, PEM text or a file path."""
    if value is None or isinstance(value, bytes):
        return value
    if "-----BEGIN" in value:
        return value.encode()
    with open(value, "rb") as f:
        return f.read()


# ---------------------------------------------------------------- retries


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter, applied to UNAVAILABLE only.

    UNAVAILABLE is the one code that says the request never reached a scorer (server down, restarting,
    connection reset). A TIMEOUT or REJECTED repeated at once would only add load to a busy server.
    """

    # Defaults ride out a server restart or rolling update (~8-16 s of backoff in all).
    retries: int = 5
    backoff_s: float = 0.5
    max_backoff_s: float = 8.0

    def delay(self, code: grpc.StatusCode | None, attempt: int) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or None to give up."""
        if code != grpc.StatusCode.UNAVAILABLE or attempt > self.retries:
            return None
        cap = min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1))
        # "Equal jitter": spreads clients that failed together while still growing with each try.
        return cap / 2 + random.uniform(0, cap / 2)


# ---------------------------------------------------------------- requests


def _jsonable(obj: Any) -> Any:
    # Array-likes and scalars from numpy/torch/pandas (parquet columns in verl) without importing them.
    for attr in ("tolist", "item"):
        fn = getattr(obj, attr, None)
        if callable(fn):
            return fn()
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    raise TypeError(f"reference value of type {type(obj).__name__} is not JSON-serializable")


def reference_text(ref: Any) -> str | None:
    """The reference as JSON text; text is taken as already JSON. Keys are sorted so equal dicts dedup."""
    if ref is None:
        return None
    if isinstance(ref, bytes):
        return ref.decode()
    if isinstance(ref, str):
        return ref
    return json.dumps(ref, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_jsonable)


def to_item(obj: Item | Mapping[str, Any]) -> Item:
    if isinstance(obj, Item):
        return obj
    if not isinstance(obj, Mapping):
        raise TypeError(f"an item must be an Item or a dict, not {type(obj).__name__}")
    completion = obj.get("completion")
    if not isinstance(completion, str):
        raise TypeError(f"item completion must be a str, not {type(completion).__name__}")
    item_id = obj.get("id")
    group = obj.get("group")
    return Item(
        task=str(obj.get("task") or ""),
        completion=completion,
        reference=obj.get("reference"),
        id="" if item_id is None else str(item_id),
        group="" if group is None else str(group),
    )


@dataclass(slots=True)
class Chunk:
    """One RPC's worth of items. ``indices[k]`` is the caller-side position of request item k."""

    indices: list[int]
    items: list[Item]
    request: pb.ScoreRequest = field(default_factory=pb.ScoreRequest)


def score_options(
    weights: Mapping[str, float] | None, item_deadline_s: float | None, no_cache: bool | None
) -> pb.ScoreOptions:
    return pb.ScoreOptions(
        weights=dict(weights or {}), item_deadline_s=float(item_deadline_s or 0.0), no_cache=bool(no_cache)
    )


def _nbytes(s: str) -> int:
    return len(s) if s.isascii() else len(s.encode("utf-8"))


def build_chunks(
    items: Sequence[Item],
    *,
    chunk_size: int,
    max_chunk_bytes: int,
    options: pb.ScoreOptions,
    default_task: str = "",
    indices: Sequence[int] | None = None,
) -> list[Chunk]:
    """Split items into requests of at most ``chunk_size`` items / about ``max_chunk_bytes`` bytes.

    Within a request each distinct reference is sent once and items point to it by index, so a
    GRPO group of 16 completions carries its reference (a test suite, say) once.
    """
    chunks: list[Chunk] = []
    cur: Chunk | None = None
    refs: dict[str, int] = {}
    size = 0
    text_of: dict[int, str | None] = {}  # id(reference object) -> text: a group shares one object
    positions = range(len(items)) if indices is None else indices
    for pos, item in zip(positions, items, strict=True):
        key = id(item.reference)
        if key not in text_of:
            text_of[key] = reference_text(item.reference)
        text = text_of[key]
        cost = _nbytes(item.completion) + len(item.task) + len(item.id) + 16
        ref_cost = 0 if text is None else _nbytes(text)
        full = cur is None or len(cur.indices) >= chunk_size
        if not full and cur is not None:
            extra = ref_cost if text is not None and text not in refs else 0
            full = size + cost + extra > max_chunk_bytes
        if full:
            cur = Chunk([], [])
            cur.request.options.CopyFrom(options)
            cur.request.default_task = default_task
            chunks.append(cur)
            refs = {}
            size = 0
        assert cur is not None
        if text is not None and text not in refs:
            cost += ref_cost
        msg = cur.request.items.add(id=item.id, task=item.task, completion=item.completion, group=item.group)
        if text is not None:
            ref_index = refs.get(text)
            if ref_index is None:
                ref_index = refs[text] = len(cur.request.references)
                cur.request.references.add(json=text)
            msg.reference_index = ref_index
        cur.indices.append(pos)
        cur.items.append(item)
        size += cost
    return chunks


def rechunk(chunk: Chunk, keep: Sequence[int]) -> Chunk:
    """A request for the items of ``chunk`` at request positions ``keep`` (for resuming a stream)."""
    (sub,) = build_chunks(
        [chunk.items[k] for k in keep],
        chunk_size=len(keep),
        max_chunk_bytes=1 << 62,
        options=chunk.request.options,
        default_task=chunk.request.default_task,
        indices=[chunk.indices[k] for k in keep],
    )
    return sub


# ---------------------------------------------------------------- results


def decode_result(msg: pb.ScoreResult, index: int, none_on_error: bool) -> Result:
    status = STATUS_NAMES.get(msg.status, f"status_{msg.status}")
    masked = none_on_error and status not in VERDICT_STATUSES
    return Result(
        index=index,
        id=msg.id,
        reward=None if masked else msg.reward,
        status=status,
        components=dict(msg.components),
        extracted=msg.extracted,
        detail=msg.detail,
        task_version=msg.task_version,
        elapsed_s=msg.elapsed_s,
        cached=msg.cached,
    )


def stream_results(
    msg: Any, batched: bool, positions: list[int], pending: dict[int, None], chunk: Chunk, none_on_error: bool
) -> Iterator[Result]:
    """The results one stream message carries (a ScoreResponse group when ``batched``, else a single
    ScoreResult) for chunk positions still pending; each is taken out of ``pending`` as it is yielded.
    ``positions`` maps the index in the request actually sent (a retry re-sends a subset) to the chunk's."""
    for res in msg.results if batched else (msg,):
        k = positions[res.index] if res.index < len(positions) else None
        if k in pending:
            del pending[k]
            yield decode_result(res, chunk.indices[k], none_on_error)


def failure_result(chunk: Chunk, k: int, status: str, detail: str, none_on_error: bool) -> Result:
    return Result(
        index=chunk.indices[k],
        id=chunk.items[k].id,
        reward=None if none_on_error else 0.0,
        status=status,
        detail=detail,
    )


def rpc_failure(
    chunk: Chunk,
    code: grpc.StatusCode | None,
    details: str,
    attempts: int,
    *,
    none_on_error: bool,
    raise_on_error: bool,
    pending: Iterable[int] | None = None,
) -> list[Result]:
    """Per-item results for a chunk whose RPC failed for good, or raise (see RAISE_CODES)."""
    if raise_on_error or code in RAISE_CODES:
        raise RewardServiceError(code, details, attempts)
    status = CODE_STATUS.get(code, "internal_error") if code is not None else "internal_error"
    name = code.name if code is not None else "UNKNOWN"
    detail = f"rpc_failed:{name}: {details} (attempts={attempts})"
    ks = range(len(chunk.indices)) if pending is None else pending
    return [failure_result(chunk, k, status, detail, none_on_error) for k in ks]


def decode_response(chunk: Chunk, response: pb.ScoreResponse, none_on_error: bool) -> list[Result]:
    """Results of one chunk, in request order, with caller-side indices; a missing result is an error."""
    out: list[Result | None] = [None] * len(chunk.indices)
    for msg in response.results:
        if msg.index < len(out):
            out[msg.index] = decode_result(msg, chunk.indices[msg.index], none_on_error)
    return [
        r if r is not None else failure_result(chunk, k, "internal_error", "missing_result", none_on_error)
        for k, r in enumerate(out)
    ]


def error_of(exc: BaseException) -> tuple[grpc.StatusCode | None, str]:
    code = getattr(exc, "code", None)
    details = getattr(exc, "details", None)
    c = code() if callable(code) else None
    d = details() if callable(details) else None
    return c, d or str(exc)


# ---------------------------------------------------------------- other RPCs


def struct_of(options: Mapping[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    if options:
        s.update(dict(options))
    return s


def _json_or_text(text: str) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def decode_tasks(resp: pb.ListTasksResponse) -> list[TaskInfo]:
    return [
        TaskInfo(
            name=t.name,
            version=t.version,
            description=t.description,
            reference_schema=_json_or_text(t.reference_schema_json) or {},
            default_deadline_s=t.default_deadline_s,
            default_weights=dict(t.default_weights),
            can_sample=t.can_sample,
            gym_id=t.gym_id,
            info=dict(t.info),
        )
        for t in resp.tasks
    ]


def decode_problems(resp: pb.SampleResponse) -> list[Problem]:
    return [Problem(p.prompt, _json_or_text(p.reference_json), p.reference_json) for p in resp.problems]


def decode_episode(resp: pb.ResetResponse) -> Episode:
    return Episode(resp.episode_id, resp.observation, _json_or_text(resp.reference_json))


def decode_step(resp: pb.StepResponse, none_on_error: bool) -> StepResult:
    result = decode_result(resp.result, 0, none_on_error) if resp.HasField("result") else None
    reward = resp.reward if result is None else result.reward
    return StepResult(resp.observation, reward, resp.terminated, resp.truncated, result)


# ---------------------------------------------------------------- configuration shared by both clients


@dataclass(slots=True)
class ClientConfig:
    targets: list[str]
    token: str | None = None
    tls: bool = False
    root_certificates: bytes | None = None
    tls_server_name: str | None = None
    timeout_s: float | None = 60.0
    chunk_size: int = 1024
    max_chunk_bytes: int = 3 << 20
    max_concurrency: int = 4
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    idempotent: bool = False
    none_on_error: bool = True
    raise_on_error: bool = False
    weights: dict[str, float] = field(default_factory=dict)
    item_deadline_s: float = 0.0
    no_cache: bool = False
    channel_options: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def metadata(self) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.token}"),) if self.token else ()

    def options(self, overrides: Mapping[str, Any]) -> pb.ScoreOptions:
        unknown = set(overrides) - {"weights", "item_deadline_s", "no_cache"}
        if unknown:
            raise TypeError(f"unknown score option(s): {', '.join(sorted(unknown))}")
        weights = {**self.weights, **(overrides.get("weights") or {})}
        deadline = overrides.get("item_deadline_s")
        no_cache = overrides.get("no_cache")
        return score_options(
            weights,
            self.item_deadline_s if deadline is None else deadline,
            self.no_cache if no_cache is None else no_cache,
        )

    def chunks(
        self, items: Iterable[Item | Mapping[str, Any]], task: str | None, overrides: Mapping[str, Any]
    ) -> tuple[list[Item], list[Chunk]]:
        overrides = dict(overrides)
        request_id = overrides.pop("request_id", None)
        normalized = [to_item(x) for x in items]
        chunks = build_chunks(
            normalized,
            chunk_size=self.chunk_size,
            max_chunk_bytes=self.max_chunk_bytes,
            options=self.options(overrides),
            default_task=task or "",
        )
        if request_id is None and self.idempotent:
            request_id = uuid.uuid4().hex
        if request_id:  # every retry of a chunk carries its id: the server answers it without rescoring
            for k, c in enumerate(chunks):
                c.request.request_id = str(request_id) if len(chunks) == 1 else f"{request_id}#{k}"
        return normalized, chunks

    def credentials(self) -> grpc.ChannelCredentials | None:
        if not (self.tls or self.root_certificates):
            return None
        return grpc.ssl_channel_credentials(root_certificates=self.root_certificates)

    def options_for(self, sticky: bool = False) -> list[tuple[str, Any]]:
        return channel_options(self.channel_options, sticky=sticky, tls_server_name=self.tls_server_name)


def make_config(
    addresses: str | Sequence[str],
    *,
    token: str | None = None,
    tls: bool = False,
    root_certificates: bytes | str | None = None,
    tls_server_name: str | None = None,
    timeout_s: float | None = 60.0,
    chunk_size: int = 1024,
    max_chunk_bytes: int = 3 << 20,
    max_concurrency: int = 4,
    retries: int = 5,
    backoff_s: float = 0.5,
    max_backoff_s: float = 8.0,
    idempotent: bool = False,
    none_on_error: bool = True,
    raise_on_error: bool = False,
    weights: Mapping[str, float] | None = None,
    item_deadline_s: float = 0.0,
    no_cache: bool = False,
    channel_options: Iterable[tuple[str, Any]] = (),
) -> ClientConfig:
    if chunk_size < 1 or max_concurrency < 1 or retries < 0:
        raise ValueError("chunk_size and max_concurrency must be >= 1, retries >= 0")
    return ClientConfig(
        targets=plan_targets(addresses),
        token=token,
        tls=tls,
        root_certificates=load_pem(root_certificates),
        tls_server_name=tls_server_name,
        timeout_s=timeout_s,
        chunk_size=chunk_size,
        max_chunk_bytes=max_chunk_bytes,
        max_concurrency=max_concurrency,
        retry=RetryPolicy(retries, backoff_s, max_backoff_s),
        idempotent=idempotent,
        none_on_error=none_on_error,
        raise_on_error=raise_on_error,
        weights=dict(weights or {}),
        item_deadline_s=item_deadline_s,
        no_cache=no_cache,
        channel_options=list(channel_options),
    )


def broadcast_references(completions: Sequence[Any], references: Any) -> list[Any]:
    """``references`` as one per completion: a list/tuple is taken per item, anything else is shared."""
    if isinstance(references, (list, tuple)):
        if len(references) != len(completions):
            raise ValueError(f"{len(references)} references for {len(completions)} completions")
        return list(references)
    return [references] * len(completions)


def text_items(
    task: str, completions: Sequence[str], references: Any, ids: Sequence[Any] | None = None
) -> Iterator[Item]:
    refs = broadcast_references(completions, references)
    if ids is not None and len(ids) != len(completions):
        raise ValueError(f"{len(ids)} ids for {len(completions)} completions")
    for k, (c, r) in enumerate(zip(completions, refs, strict=True)):
        yield Item(task=task, completion=c, reference=r, id="" if ids is None else str(ids[k]))


def group_summaries(items: Sequence[Item]) -> GroupTracker:
    """A tracker of the items' groups, fed with each Result (``track_result``) as it arrives."""
    return GroupTracker([it.group for it in items])


def track_result(tracker: GroupTracker, r: Result) -> GroupSummary | None:
    return tracker.add(r.index, r.reward if r.ok else None)
