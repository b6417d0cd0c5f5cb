"""Motion compliance: projectiles, timed paths, collisions and constant-g tables, checked by rule."""

from envs.motion.task import MotionTask

__all__ = ["MotionTask"]
