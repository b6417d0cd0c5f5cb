"""Task discovery through the entry-point group ``rewardgym.tasks``.

Gymnasium 1.x dropped entry-point plugins, so we own the group. An entry point names either a
``Task`` subclass (``pkg.mod:MyTask``) or a zero-argument callable returning a Task instance or
a list of them. Built-in tasks are declared in our own pyproject the same way.
"""

from __future__ import annotations

import importlib.metadata
import logging
from typing import Any

from envs.base import Task

GROUP = "rewardgym.tasks"
log = logging.getLogger(__name__)


def _instantiate(obj: Any) -> list[Task]:
    if isinstance(obj, type) and issubclass(obj, Task):
        return [obj()]
    if isinstance(obj, Task):
        return [obj]
    if callable(obj):
        return _instantiate_result(obj())
    raise TypeError(f"entry point gave {type(obj).__name__}, expected a Task class or factory")


def _instantiate_result(res: Any) -> list[Task]:
    if isinstance(res, Task):
        return [res]
    if isinstance(res, (list, tuple)) and all(isinstance(t, Task) for t in res):
        return list(res)
    raise TypeError(f"task factory returned {type(res).__name__}, expected Task or list[Task]")


def discover(errors: list[str] | None = None) -> dict[str, Task]:
    """Load every installed task. A broken plugin is logged (and reported in ``errors``), never fatal."""
    tasks: dict[str, Task] = {}
    for ep in sorted(importlib.metadata.entry_points(group=GROUP), key=lambda e: e.name):
        try:
            loaded = _instantiate(ep.load())
        except Exception as exc:  # a plugin must not take the server down
            msg = f"task plugin {ep.name} ({ep.value}) failed to load: {exc!r}"
            log.error(msg)
            if errors is not None:
                errors.append(msg)
            continue
        for task in loaded:
            if not task.name:
                log.error("task from %s has no name; skipped", ep.value)
                continue
            if task.name in tasks:
                msg = f"duplicate task name {task.name!r} from {ep.value}; keeping the first"
                log.error(msg)
                if errors is not None:
                    errors.append(msg)
                continue
            tasks[task.name] = task
    return tasks
