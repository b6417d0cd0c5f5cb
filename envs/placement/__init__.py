"""Box placement in a 2-D world with gravity: exact support, equilibrium and rule checks."""

from envs.placement.task import PlacementTask

__all__ = ["PlacementTask"]
