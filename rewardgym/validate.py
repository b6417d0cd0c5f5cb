"""Checks of what a request carries before any task code sees it: reference depth and schema, weights.

References are checked in the scoring workers (never on the event loop): the JSON text's nesting
depth first (a linear scan, nothing recursive), then the decoded value against the JSON Schema the
task publishes in ListTasks, then the task's own ``parse_reference``. A reference that breaks the
schema is ``INVALID_REFERENCE`` naming the field and never reaches ``parse_reference``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

MAX_DEPTH = 100  # nesting levels of a reference (arrays and objects); deeper is refused, never recursed into
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_BRACKETS = re.compile(r"[\[\]{}]")


class InvalidArgument(ValueError):
    """A request-level option is wrong (gRPC ``INVALID_ARGUMENT``); the message names it."""


def too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    """True when the JSON text nests arrays/objects deeper than ``limit`` (brackets in strings aside)."""
    if text.count("[") + text.count("{") <= limit:
        return False  # cannot nest deeper than it has openers: the common case costs two counts
    depth = 0
    for m in _BRACKETS.finditer(_STRINGS.sub("", text)):
        if m.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _field(path: Iterable[Any]) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "reference"


class SchemaCheck:
    """A task's reference schema, compiled once (jsonschema-rs: a maintained, fast validator)."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        import jsonschema_rs

        try:
            self._v = jsonschema_rs.validator_for(dict(schema))
        except (ValueError, TypeError) as exc:  # the task's bug: reported at load, parse_reference still checks
            raise ValueError(f"reference_schema is not a valid JSON Schema: {str(exc).splitlines()[0]}") from None

    def error(self, obj: Any) -> str | None:
        """None when ``obj`` fits the schema, else one message that starts with the offending field."""
        if self._v.is_valid(obj):
            return None
        err = next(iter(self._v.iter_errors(obj)))
        path = list(err.instance_path)
        kind = type(err.kind).__name__
        if kind == "Required":
            return f"{_field([*path, err.kind.property])}: required field missing"
        if kind == "AdditionalProperties":
            extra = sorted(map(str, err.kind.unexpected))
            return f"{_field([*path, extra[0]])}: unknown field" if extra else f"{_field(path)}: unknown field"
        return f"{_field(path)}: {_short(err.message)}"


def _short(msg: str, limit: int = 200) -> str:
    msg = msg.splitlines()[0] if msg else "does not match the reference schema"
    return msg if len(msg) <= limit else msg[: limit - 1] + "…"


def compile_schemas(tasks: Mapping[str, Any], errors: list[str] | None = None) -> dict[str, SchemaCheck]:
    """A compiled check per task; a task whose schema does not compile is reported and left to its parser."""
    out: dict[str, SchemaCheck] = {}
    for name, task in tasks.items():
        try:
            out[name] = SchemaCheck(task.reference_schema)
        except ValueError as exc:
            if errors is not None:
                errors.append(f"task {name}: {exc}")
    return out


def component_names(task: Any) -> set[str]:
    """The reward components a task reports (what a request's weights may name); ``language`` is
    reported by every task whose reference asks for it (see ``envs.language``)."""
    return set(getattr(task, "components", ()) or ()) | set(task.default_weights) | {"language"}


def check_weights(weights: Mapping[str, float] | None, tasks: Iterable[Any]) -> None:
    """Weights are per request: each value must be finite, and each key a component of at least one
    task the request names (a mixed batch applies to each task the weights it knows). Raises
    ``InvalidArgument`` naming the key."""
    if not weights:
        return
    for k, v in weights.items():
        if not math.isfinite(v):
            raise InvalidArgument(f"options.weights[{k!r}]: must be a finite number, got {v!r}")
    known: set[str] = set()
    named = False
    for task in tasks:
        named = True
        known |= component_names(task)
    if not named:
        return  # no known task in the request: every item answers UNKNOWN_TASK on its own
    for k in weights:
        if k not in known:
            raise InvalidArgument(f"options.weights[{k!r}]: not a reward component of the request's tasks "
                                  f"(known: {', '.join(sorted(known)) or 'none'})")
