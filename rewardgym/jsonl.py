"""The JSON-lines item and result format of ``rewardgym score``, shared with the HTTP ``/v1/score``.

Item line: ``{"task", "completion", "reference", "id", "group"}`` (``id``, ``group`` optional).
Result line: ``{"id", "index", "reward", "status", "components", "extracted", "detail", "task_version"}``
with lower-case statuses. A malformed line gets its own ``invalid_reference`` result.
"""

from __future__ import annotations

import json
from typing import Any

from rewardgym.engine import Item, Result
from rewardgym.validate import MAX_DEPTH, too_deep

STATUS_NAMES = {1: "ok", 2: "no_answer", 3: "invalid_reference", 4: "unknown_task", 5: "timeout",
                6: "sandbox_error", 7: "internal_error", 8: "rejected"}


def parse_line(n: int, line: str) -> dict[str, Any] | str | None:
    """The item of line ``n``, an error message naming what is wrong, or None for a blank line."""
    if not line.strip():
        return None
    if too_deep(line):  # before json.loads, which recurses
        return f"line {n}: nested deeper than {MAX_DEPTH} levels"
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError) as exc:
        return f"line {n}: not JSON ({exc})"
    if not isinstance(obj, dict) or not isinstance(obj.get("completion"), str) or not obj.get("task"):
        return f"line {n}: needs \"task\" and a string \"completion\""
    group = obj.get("group")
    if group is not None and not isinstance(group, (str, int)):
        return f"line {n}: \"group\" must be a string or an integer"
    return obj


def reference_text(ref: Any) -> str:
    return ref if isinstance(ref, str) else json.dumps(ref)


def engine_item(obj: dict[str, Any]) -> Item:
    return Item(str(obj["task"]), obj["completion"], reference_text(obj.get("reference", {})),
                "" if obj.get("id") is None else str(obj["id"]))


def group_of(obj: dict[str, Any] | str) -> str:
    g = obj.get("group") if isinstance(obj, dict) else None
    return "" if g is None else str(g)


def bad_line_result(index: int, detail: str) -> dict[str, Any]:
    return {"id": "", "index": index, "reward": 0.0, "status": "invalid_reference", "components": {},
            "extracted": "", "detail": detail, "task_version": ""}


def result_line(index: int, r: Result) -> dict[str, Any]:
    return {"id": r.id, "index": index, "reward": r.reward, "status": STATUS_NAMES.get(r.status, str(r.status)),
            "components": r.components, "extracted": r.extracted, "detail": r.detail,
            "task_version": r.task_version}
