"""The 24 game and Countdown."""

from envs.game24.task import CountdownTask, Game24Task

__all__ = ["CountdownTask", "Game24Task"]
