"""Proto ⇄ engine conversions. Shared references are resolved once per request."""

from __future__ import annotations

import json
import math
from typing import Any

from google.protobuf import json_format

from envs.base import Status
from rewardgym.engine import Item, Options, Result
from rewardgym.groups import GroupSummary, GroupTracker
from rewardgym.v1 import reward_pb2 as pb
from rewardgym.validate import InvalidArgument


def _ints(v: Any) -> Any:
    """Struct numbers are doubles: give integral ones back as ints (24.0 → 24)."""
    if isinstance(v, float) and math.isfinite(v) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    if isinstance(v, list):
        return [_ints(x) for x in v]
    if isinstance(v, dict):
        return {k: _ints(x) for k, x in v.items()}
    return v


def reference_json(ref: pb.Reference) -> str:
    kind = ref.WhichOneof("kind")
    if kind == "json":
        return ref.json
    if kind == "value":
        return json.dumps(_ints(json_format.MessageToDict(ref.value)), separators=(",", ":"))
    raise ValueError("reference: empty (set json or value)")


def items_from_request(req: pb.ScoreRequest) -> list[Item]:
    shared: list[str | ValueError] = []
    for ref in req.references:
        try:
            shared.append(reference_json(ref))
        except ValueError as exc:
            shared.append(exc)
    out: list[Item] = []
    for it in req.items:
        task = it.task or req.default_task
        which = it.WhichOneof("ref")
        ref: str | ValueError
        if which == "reference":
            try:
                ref = reference_json(it.reference)
            except ValueError as exc:
                ref = exc
        elif which == "reference_index":
            idx = it.reference_index
            ref = shared[idx] if idx < len(shared) else ValueError(
                f"reference_index: {idx} is out of range (request has {len(shared)} references)")
        else:
            ref = ValueError("reference: missing (set reference or reference_index)")
        if isinstance(ref, ValueError):
            out.append(Item(task, it.completion, "", it.id, (int(Status.INVALID_REFERENCE), str(ref))))
        else:
            out.append(Item(task, it.completion, ref, it.id))
    return out


def options_from_proto(o: pb.ScoreOptions) -> Options:
    if math.isnan(o.item_deadline_s):
        raise InvalidArgument("options.item_deadline_s: must be a number, got nan")
    weights = {k: float(v) for k, v in o.weights.items()} or None
    return Options(weights=weights, item_deadline_s=max(0.0, o.item_deadline_s), no_cache=o.no_cache)


def response_from_results(results: list[Result]) -> pb.ScoreResponse:
    """Build in place with ``add``: half the cost of constructing each message and copying it in."""
    resp = pb.ScoreResponse()
    add = resp.results.add
    for r in results:
        add(index=r.index, id=r.id, reward=r.reward, status=r.status, components=r.components,
            extracted=r.extracted, detail=r.detail, task_version=r.task_version, elapsed_s=r.elapsed_s,
            cached=r.cached)
    return resp


def result_to_proto(r: Result) -> pb.ScoreResult:
    return pb.ScoreResult(index=r.index, id=r.id, reward=r.reward, status=r.status, components=r.components,
                          extracted=r.extracted, detail=r.detail, task_version=r.task_version,
                          elapsed_s=r.elapsed_s, cached=r.cached)


# ---- group summaries (ScoreItem.group)
VERDICTS = (int(Status.OK), int(Status.NO_ANSWER))


def tracker_of(req: pb.ScoreRequest) -> GroupTracker | None:
    """A tracker of the request's groups, or None when no item names one (the common case: free)."""
    groups = [it.group for it in req.items]
    return GroupTracker(groups) if any(groups) else None


def track(tracker: GroupTracker, results: list[Result]) -> list[GroupSummary]:
    return tracker.add_all((r.index, r.reward if r.status in VERDICTS else None) for r in results)


def add_summaries(resp: pb.ScoreResponse, summaries: list[GroupSummary]) -> pb.ScoreResponse:
    add = resp.groups.add
    for s in summaries:
        add(group=s.group, count=s.count, valid=s.valid, mean=s.mean, std=s.std, all_equal=s.all_equal)
    return resp
