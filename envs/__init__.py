"""Tasks: the Task contract, the registry and the built-in task families."""

from envs.base import InvalidReference, Problem, Status, Task, Verdict

__all__ = ["InvalidReference", "Problem", "Status", "Task", "Verdict"]
