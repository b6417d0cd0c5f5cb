"""The ``physics`` task: quantities with units and formulas with a dimension gate, without ``eval``.

Reference: ``{"answer": "19.6 m/s"}`` (a number and a unit; optional ``rel_tol``, default 0.01, and
``unit_required``, default true), or a formula ``{"answer": "sqrt(2*g*h)", "symbols": {"g": "m/s^2",
"h": "m"}}`` (symbols are positive reals unless declared: ``{"unit": "m", "domain": "real"}``).

* Extraction and the hedge rule are the shared layer's (``envs.answer``: last ``<answer>``/``\\boxed{}``
  …); numbers go through the math task's number grammar; units through our own grammar (``units.py``); pint only ever sees names
  from our whitelist. ``docs/physics.md`` has the rules with worked examples.
* Rules, each with its own component and ``detail`` code: ``single`` (``hedging``,
  ``multiple_answers``), ``unit`` (``missing_unit``), ``dimension`` (``wrong_unit: m vs m/s``,
  ``wrong_dimension``), ``value`` (``wrong_value``, ``non_finite``) or ``equivalent``
  (``wrong_formula``).
"""

from envs.physics.task import PhysicsTask

__all__ = ["PhysicsTask"]
