"""The ``code`` task: program synthesis rewarded by running tests in the sandbox (``sandbox/``)."""

from envs.code.task import CodeRef, CodeTask

__all__ = ["CodeRef", "CodeTask"]
