"""The ``motion`` task: projectile, path, collision and table-judge rules, hostile answers, generators."""

from __future__ import annotations

import json
import random
import warnings
from decimal import Decimal
from fractions import Fraction

import pytest

from envs.base import InvalidReference, Status
from envs.motion import MotionTask
from envs.motion.checks import segment_enters
from envs.motion.generate import sample_with_solution
from envs.motion.reference import Rect
from tests.rpc import item, request, status, stub

TASK = MotionTask()
SHOT = {"kind": "projectile", "g": 9.81, "launch": [0, 0], "target": [20, 0], "hit_tol": 0.1, "v_max": 25,
        "walls": [{"x": 10, "height": 3}]}
PATH = {"kind": "path", "start": [0, 0], "goal": [10, 0], "t_max": 10, "v_max": 2,
        "obstacles": [{"x": 4, "y": -1, "w": 2, "h": 2}]}
HIT = {"kind": "collision", "m1": 1, "m2": 1, "u1": 2, "u2": 0, "e": 1}


def score(ref: dict, answer: dict | str) -> tuple[float, str, dict]:
    text = answer if isinstance(answer, str) else f"<answer>{json.dumps(answer)}</answer>"
    v = TASK.score(text, TASK.parse_reference(ref))
    assert v.status in (Status.OK, Status.NO_ANSWER)
    return v.reward, v.detail, v.components


def test_projectile_many_right_answers_all_pass() -> None:
    assert score(SHOT, {"v0": 14.0, "angle_deg": 45})[0] == 1.0  # the example: range 19.98 m, 4.99 m at the wall
    assert score(SHOT, {"v0": 15.05, "angle_deg": 60})[0] == 1.0  # the high lob
    r, detail, comp = score(SHOT, {"v0": 15.05, "angle_deg": 30})  # hits the target... through the wall
    assert r == 0.0 and comp["hit"] == 1.0 and comp["walls"] == 0.0 and detail.startswith("wall: hits wall 0")
    r, detail, comp = score(SHOT, {"v0": 13, "angle_deg": 45})
    assert r == 0.0 and comp["hit"] == 0.0 and detail.startswith("miss:")
    r, detail, comp = score({**SHOT, "v_max": 14}, {"v0": 15.05, "angle_deg": 60})
    assert r == 0.0 and comp["speed"] == 0.0 and detail.startswith("too_fast: v0 15.05 > v_max 14")
    # Passing *through* the target's neighbourhood on the way down counts, whatever the angle.
    assert score({**SHOT, "walls": []}, {"v0": 14.0, "angle_deg": 45.0})[0] == 1.0
    # Shooting backwards never passes the wall.
    r, detail, _ = score(SHOT, {"v0": 14.0, "angle_deg": 135})
    assert r == 0.0 and "never passes wall 0" in detail


def test_projectile_shape_is_exact() -> None:
    for bad in ({"v0": 14.0}, {"v0": 14.0, "angle_deg": 45, "angle_rad": 0.78}, {"v0": "14", "angle_deg": 45},
                {"v0": -14.0, "angle_deg": 45}, [14.0, 45]):
        r, detail, _ = score(SHOT, bad)
        assert r == 0.0 and detail.split(":")[0] in ("bad_shape", "bad_value"), (bad, detail)


def test_path_around_an_obstacle_touching_allowed() -> None:
    around = {"waypoints": [[0, 0, 0], [2.1, 4, 1], [3.1, 6, 1], [5.2, 10, 0]]}  # slides along the top edge
    assert score(PATH, around) == (1.0, "correct", score(PATH, around)[2])
    r, detail, comp = score(PATH, {"waypoints": [[0, 0, 0], [5, 10, 0]]})
    assert r == 0.0 and comp["obstacles"] == 0.0 and detail == "collision: segment 0 enters obstacle 0"
    cut = {"waypoints": [[0, 0, 0], [2.1, 4, 1], [3.2, 6, 0.999], [5.3, 10, 0]]}  # dips 0.001 into the box
    assert score(PATH, cut)[1] == "collision: segment 1 enters obstacle 0"


def test_path_speed_time_start_goal_exact() -> None:
    ref = {**PATH, "obstacles": []}
    # 3-4-5 segments: speed exactly v_max passes; a hair faster fails.
    assert score(ref, {"waypoints": [[0, 0, 0], [2.5, 3, 4], [5, 6, 0], [7, 10, 0]]})[0] == 1.0
    r, detail, _ = score(ref, {"waypoints": [[0, 0, 0], [2.4999, 3, 4], [5, 6, 0], [7, 10, 0]]})
    assert r == 0.0 and detail.startswith("too_fast: segment 0 at 2.00008 > v_max 2")
    r, detail, comp = score(ref, {"waypoints": [[0, 0, 0], [3, 3, 4], [3, 6, 0], [7, 10, 0]]})
    assert comp["time"] == 0.0 and "time: t does not increase at segment 1" in detail
    r, detail, comp = score(ref, {"waypoints": [[0, 0, 0], [12, 10, 0]]})
    assert comp["time"] == 0.0 and "arrives at t = 12 > t_max 10" in detail
    r, detail, comp = score(ref, {"waypoints": [[0.5, 0, 0], [6, 10, 0]]})
    assert comp["start"] == 0.0 and detail.startswith("start:")
    r, detail, comp = score(ref, {"waypoints": [[0, 0, 0], [6, 9.9, 0]]})
    assert comp["goal"] == 0.0 and detail.startswith("goal:")
    assert score(ref, {"waypoints": [[0, 0, 0], [6, 10.0000005, 0]]})[0] == 1.0  # within tol (1e-6)
    many = [[i / 10, i / 20, 0] for i in range(201)]
    assert score(ref, {"waypoints": many})[1].startswith("bad_shape")
    assert score(ref, {"waypoints": [[0, 0], [6, 10]]})[1].startswith("bad_shape")


def test_path_acceleration_limit() -> None:
    ref = {**PATH, "obstacles": [], "a_max": 1, "t_max": 30}
    sharp = {"waypoints": [[0, 0, 0], [2, 4, 0], [4, 4, 4], [8, 10, 0]]}  # turns 90° at 2 m/s in 2 s
    r, detail, comp = score(ref, sharp)
    assert r == 0.0 and comp["accel"] == 0.0 and detail.startswith("too_sharp:")
    slow = {"waypoints": [[0, 0, 0], [8, 4, 0], [16, 4, 4], [24, 10, 4], [28, 10, 0]]}  # 0.5 m/s: Δv 0.7 over 8 s
    assert score(ref, slow)[0] == 1.0


def test_segment_rectangle_exact() -> None:
    d = Decimal
    r = Rect(d(4), d(-1), d(2), d(2))
    cases = [((0, 0, 10, 0), True), ((0, 1, 10, 1), False), ((3, 2, 4, 1), False),  # edge; corner touch
             ((3, 2, 5, 0), True), ((3, 0, 7, 2), True), ((3, 1, 5, 3), False), ((5, 0, 5, 0), True),
             ((4, -1, 6, 1), True), ((6, -1, 4, 1), True), ((2, 3, 6, 1), False),  # through a corner only
             ((2, 3, 6.0001, 0.9999), True), ((4, 2, 4, -2), False), ((4.0001, 2, 4.0001, -2), True)]
    for (ax, ay, bx, by), want in cases:
        got = segment_enters(d(str(ax)), d(str(ay)), d(str(bx)), d(str(by)), r)
        assert got == want, ((ax, ay, bx, by), got)


def test_collision_rules_each_their_own_component() -> None:
    assert score(HIT, {"v1": 0, "v2": 2})[0] == 1.0  # elastic, equal masses: they swap
    r, detail, comp = score(HIT, {"v1": 2, "v2": 0})  # pass through each other
    assert (comp["momentum"], comp["energy"], comp["restitution"]) == (1.0, 1.0, 0.0)
    assert detail.startswith("restitution:")
    r, detail, comp = score(HIT, {"v1": -1, "v2": 3})  # energy from nowhere
    assert comp["energy"] == 0.0 and comp["momentum"] == 1.0 and "energy: kinetic energy increased" in detail
    r, detail, comp = score(HIT, {"v1": 0, "v2": 1})
    assert comp["momentum"] == 0.0 and detail.startswith("momentum:")
    sticky = {**HIT, "m1": 3, "m2": 4, "e": 0}
    assert score(sticky, {"v1": 0.857143, "v2": 0.857143})[0] == 1.0  # 6/7, rounded: within rel_tol
    assert score(sticky, {"v1": 0.86, "v2": 0.86})[0] == 0.0  # 0.3 % off: outside rel_tol 0.1 %
    # Body 1 coming from the right (u1 < u2): the same rules, mirrored.
    mirror = {**HIT, "u1": -2, "u2": 0}
    assert score(mirror, {"v1": 0, "v2": -2})[0] == 1.0
    assert score(mirror, {"v1": -2, "v2": 0})[1].startswith("restitution:")


def test_judge_names_the_broken_row() -> None:
    rows = [[t / 2, 3 * t / 2, 20 * t / 2 - 9.8 * (t / 2) ** 2 / 2] for t in range(6)]
    rows = [[a, b, round(c, 6)] for a, b, c in rows]
    rows[3][2] += 0.5
    ref = {"kind": "judge", "g": 9.8, "table": rows}
    assert score(ref, {"row": 4})[0] == 1.0
    r, detail, _ = score(ref, {"row": 3})
    assert r == 0.0 and detail.startswith("wrong_row")
    assert score(ref, {"row": 4.5})[1].startswith("bad_shape")
    assert score(ref, '<answer>{"row": 4}</answer> or maybe <answer>{"row": 2}</answer>')[1].startswith("hedging")
    rows[3][2] -= 0.5  # nothing broken: no single answer
    with pytest.raises(InvalidReference, match="^table:"):
        TASK.parse_reference({"kind": "judge", "g": 9.8, "table": rows})


@pytest.mark.parametrize(("ref", "field"), [
    ({"g": 9.81}, "kind"),
    ({**SHOT, "target": [0, 5]}, "target"),
    ({**SHOT, "g": -1}, "g"),
    ({**SHOT, "walls": [{"x": 1}]}, "walls[0].height"),
    ({**PATH, "v_max": 0}, "v_max"),
    ({**PATH, "obstacles": [{"x": 1, "y": 1, "w": -1, "h": 1}]}, "obstacles[0].w"),
    ({**PATH, "start": [0]}, "start"),
    ({**PATH, "max_points": 1000}, "max_points"),
    ({**HIT, "e": 1.5}, "e"),
    ({**HIT, "u2": 2}, "u2"),
    ({**HIT, "m1": float("inf")}, "m1"),
    ({**HIT, "spin": 1}, "spin"),
    ({"kind": "judge", "table": [[0, 0, 0]] * 3}, "table"),
])
def test_bad_references_name_the_field(ref: dict, field: str) -> None:
    with pytest.raises(InvalidReference) as exc:
        TASK.parse_reference(ref)
    assert str(exc.value).startswith(field + ":"), exc.value


@pytest.mark.parametrize("completion", [
    '<answer>{"v1": 0, "v2": 2}</answer> <answer>{"v1": 2, "v2": 0}</answer>',
    '<answer>{"v1": 0, "v2": 2, "v1": 5}</answer>',
    '<answer>{"v1": NaN, "v2": 2}</answer>',
    '<answer>{"v1": 0, "v2": 2e99999}</answer>',
    '<answer>{"v1": 0, "v2": 2, "note": "trust me"}</answer>',
    '<answer>{"v1": 0, "v2": "2"}</answer>',
    "The velocities are 0 and 2.",
])
def test_collision_hacks_and_honest_twin(completion: str) -> None:
    assert score(HIT, completion)[0] == 0.0
    assert score(HIT, '<think>maybe {"v1": 2}</think>\n<answer>{"v1": 0, "v2": 2.0}</answer>')[0] == 1.0


@pytest.mark.parametrize("kind", ["projectile", "path", "collision", "judge"])
def test_generator_1000_instances_solved_by_own_solver(kind: str) -> None:
    rng = random.Random(hash(kind) % 1000)
    for _ in range(1000):
        problem, answer = sample_with_solution(rng, kind=kind)
        v = TASK.score(f"<answer>{json.dumps(answer)}</answer>", TASK.parse_reference(problem.reference))
        assert v.reward == 1.0, (problem.reference, answer, v.detail)
        assert "<answer>" in problem.prompt and "JSON" in problem.prompt


def test_check_env() -> None:
    import gymnasium
    from gymnasium.utils.env_checker import check_env

    import envs.gym_env  # noqa: F401

    env = gymnasium.make("rewardgym/Motion-v0")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped, skip_render_check=True)
    obs, info = env.reset(seed=1, options={"kind": "path"})
    assert "waypoints" in obs and info["reference"]["kind"] == "path"


def test_through_the_server(rg_server) -> None:  # type: ignore[no-untyped-def]
    s = stub(rg_server.address)
    items = [
        item("motion", '<answer>{"v0": 14.0, "angle_deg": 45}</answer>', SHOT, id="shot"),
        item("motion", '<answer>{"waypoints": [[0, 0, 0], [5, 10, 0]]}</answer>', PATH, id="crash"),
        item("motion", '<answer>{"v1": 0, "v2": 2}</answer>', HIT, id="hit"),
        item("motion", '<answer>{"v1": 0, "v2": 2}</answer>', {**HIT, "e": 2}, id="badref"),
        item("motion", '<answer>{"waypoints": [' + ",".join(["[0, 0, 0]"] * 300) + "]}</answer>", PATH, id="long"),
    ]
    got = {r.id: (status(r), r.reward, r.detail) for r in s.Score(request(items), timeout=60).results}
    assert got["shot"] == ("OK", 1.0, "correct")
    assert got["crash"] == ("OK", 0.0, "collision: segment 0 enters obstacle 0")
    assert got["hit"] == ("OK", 1.0, "correct")
    assert got["badref"][0] == "INVALID_REFERENCE" and got["badref"][2].startswith("e:")
    assert got["long"][:2] == ("OK", 0.0) and got["long"][2].startswith("bad_shape")


def _clip_oracle(ax: Fraction, ay: Fraction, bx: Fraction, by: Fraction, r: tuple[int, int, int, int]) -> bool:
    """Liang–Barsky in fractions: is there s in [0, 1] with A + s(B − A) strictly inside the box?"""
    lo, hi = Fraction(0), Fraction(1)
    for p, d, a, b in ((ax, bx - ax, r[0], r[0] + r[2]), (ay, by - ay, r[1], r[1] + r[3])):
        if d == 0:
            if not a < p < b:
                return False
            continue
        s1, s2 = sorted(((a - p) / d, (b - p) / d))
        lo, hi = max(lo, s1), min(hi, s2)
    # Open slab intervals (s1, s2) met with [0, 1]: non-empty iff the bounds leave room.
    return lo < hi


def test_segment_test_matches_an_independent_clipper_on_grid_segments() -> None:
    rng = random.Random(5)
    box = (2, 2, 4, 2)
    rect = Rect(*(Decimal(v) for v in box))
    for _ in range(10_000):
        ax, ay, bx, by = (Fraction(rng.randint(0, 16), 2) for _ in range(4))
        want = _clip_oracle(ax, ay, bx, by, box) if (ax, ay) != (bx, by) else (
            box[0] < ax < box[0] + box[2] and box[1] < ay < box[1] + box[3])
        got = segment_enters(*(Decimal(v.numerator) / Decimal(v.denominator) for v in (ax, ay, bx, by)), rect)
        assert got == want, (ax, ay, bx, by)
