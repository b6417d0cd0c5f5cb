"""Tasks: the Task contract, the registry and the built-in task families."""

from envs.base import InvalidReference, ProbeCase, Problem, Status, Task, Verdict

__all__ = ["InvalidReference", "ProbeCase", "Problem", "Status", "Task", "Verdict"]
