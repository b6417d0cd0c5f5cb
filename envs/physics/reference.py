"""Reference parsing for the ``physics`` task: quantities and formulas, every field checked.

The reference is untrusted text too: its answer goes through the same grammars as a completion.
Each problem raises ``InvalidReference`` with a message that starts with the field's name.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from envs.base import InvalidReference
from envs.math.ast import Node, symbols
from envs.physics.formula import (
    DOMAINS,
    NAME,
    FormulaError,
    SymbolSpec,
    answer_sides,
    canonical_name,
    check_kinds,
    dimension,
    evaluable,
    parse_formula,
)
from envs.physics.quantity import Quantity, QuantityError, parse_span, prepare
from envs.physics.units import NODIM, Dim, Facts, UnitError, facts, parse_unit, show_dim

DEFAULT_REL_TOL = 0.01
MAX_REL_TOL = 0.5
MIN_REL_TOL = 1e-9  # float conversions (70.56 km/h -> 19.599999999999998 m/s) are not wrong answers
MAX_SYMBOLS = 20
FIELDS = {"answer", "symbols", "unit", "rel_tol", "unit_required", "temperature"}


@dataclass(slots=True)
class QuantityRef:
    text: str
    quantity: Quantity
    facts: Facts
    si: float
    tol: float  # absolute tolerance in SI units
    rel_tol: float
    unit_required: bool
    difference: bool = False  # temperatures are differences: a lone °C/°F converts without offset


@dataclass(slots=True)
class FormulaRef:
    text: str
    node: Node
    specs: dict[str, SymbolSpec]
    dim: Dim
    seed: int
    names: set[str] = field(default_factory=set)


def _unit_dim(text: Any, where: str) -> Dim:
    if not isinstance(text, str):
        raise InvalidReference(f"{where}: expected a unit string")
    if text.strip() in ("", "1", "dimensionless"):
        return NODIM
    try:
        return facts(parse_unit(prepare(text))).dim
    except UnitError as exc:
        raise InvalidReference(f"{where}: {exc.code}: {exc}") from None


def _number(v: Any, where: str) -> Fraction:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise InvalidReference(f"{where}: expected a finite number")
    return Fraction(v)


def _symbol(key: Any, val: Any) -> tuple[str, SymbolSpec]:
    if not isinstance(key, str) or not NAME.match(key):
        raise InvalidReference(f"symbols.{key}: not a symbol name (a letter or Greek name, optional _subscript)")
    where = f"symbols.{key}"
    if isinstance(val, str):
        return canonical_name(key), SymbolSpec(_unit_dim(val, where))
    if not isinstance(val, dict):
        raise InvalidReference(f"{where}: expected a unit string or an object with unit/domain/min/max")
    unknown = set(val) - {"unit", "domain", "min", "max"}
    if unknown:
        raise InvalidReference(f"{where}.{sorted(unknown)[0]}: unknown field")
    dim = _unit_dim(val.get("unit", ""), f"{where}.unit")
    domain = val.get("domain", "positive")
    if domain not in DOMAINS:
        raise InvalidReference(f"{where}.domain: expected one of {', '.join(DOMAINS)}")
    lo = _number(val["min"], f"{where}.min") if "min" in val else None
    hi = _number(val["max"], f"{where}.max") if "max" in val else None
    if lo is not None and hi is not None and not lo < hi:
        raise InvalidReference(f"{where}: min must be below max")
    return canonical_name(key), SymbolSpec(dim, domain, lo, hi)


def parse_reference(obj: Any) -> QuantityRef | FormulaRef:
    if not isinstance(obj, dict):
        raise InvalidReference("reference: expected a JSON object")
    unknown = set(obj) - FIELDS
    if unknown:
        raise InvalidReference(f"{sorted(unknown)[0]}: unknown field")
    unit_required = obj.get("unit_required", True)
    if not isinstance(unit_required, bool):
        raise InvalidReference("unit_required: expected true or false")
    rel_tol = obj.get("rel_tol", DEFAULT_REL_TOL)
    if isinstance(rel_tol, bool) or not isinstance(rel_tol, (int, float)) or not 0 <= rel_tol <= MAX_REL_TOL:
        raise InvalidReference(f"rel_tol: expected a number in [0, {MAX_REL_TOL}]")
    answer = obj.get("answer")
    if isinstance(answer, (int, float)) and not isinstance(answer, bool) and not unit_required \
            and "symbols" not in obj:
        answer = repr(float(answer)) if math.isfinite(answer) else "nan"
    if not isinstance(answer, str) or not answer.strip():
        raise InvalidReference("answer: expected a non-empty string")
    if "symbols" in obj:
        return _formula_ref(obj, answer)
    if "unit" in obj:
        raise InvalidReference("unit: only used with symbols (a formula's unit); put a quantity's unit in answer")
    temperature = obj.get("temperature", "absolute")
    if temperature not in ("absolute", "difference"):
        raise InvalidReference("temperature: expected absolute or difference")
    return _quantity_ref(answer, float(rel_tol), unit_required, temperature == "difference")


def _quantity_ref(answer: str, rel_tol: float, unit_required: bool, difference: bool) -> QuantityRef:
    try:
        qs = parse_span(answer)
    except QuantityError as exc:
        raise InvalidReference(f"answer: {exc.code}: {exc}") from None
    if len(qs) != 1:
        raise InvalidReference("answer: expected one quantity")
    q = qs[0]
    if unit_required and not q.has_unit:
        raise InvalidReference("answer: no unit (set unit_required to false for a dimensionless answer)")
    f = facts(q.unit, difference)
    si = f.scale * q.value + f.offset
    # Relative to the number as written: for °C/°F that is the Celsius/Fahrenheit number, not kelvin.
    tol = max(rel_tol * abs(q.value) * f.scale, MIN_REL_TOL * abs(si))
    return QuantityRef(answer, q, f, si, tol, rel_tol, unit_required, difference)


def _formula_ref(obj: dict[str, Any], answer: str) -> FormulaRef:
    raw = obj["symbols"]
    if not isinstance(raw, dict) or not raw:
        raise InvalidReference("symbols: expected an object of symbol -> unit")
    if len(raw) > MAX_SYMBOLS:
        raise InvalidReference(f"symbols: more than {MAX_SYMBOLS} symbols")
    specs = dict(_symbol(k, v) for k, v in raw.items())
    names = set(specs)
    try:
        node = parse_formula(answer, names)
        sides = answer_sides(node, names)
        if len(sides) != 1:
            raise FormulaError("multiple_answers", "expected one formula")
        node = sides[0]
        check_kinds(node)
    except FormulaError as exc:
        raise InvalidReference(f"answer: {exc.code}: {exc}") from None
    undeclared = sorted(symbols(node) - names - {"e"})
    if undeclared:
        raise InvalidReference(f"answer: symbol {undeclared[0]} is not declared in symbols")
    try:
        dim = dimension(node, specs)
    except FormulaError as exc:
        raise InvalidReference(f"answer: {exc.code}: {exc}") from None
    if "unit" in obj:
        want = _unit_dim(obj["unit"], "unit")
        if want != dim:
            raise InvalidReference(f"unit: the formula has dimension {show_dim(dim)}, not {show_dim(want)}")
    seed = zlib.crc32(answer.encode())
    if not evaluable(node, specs, seed):
        raise InvalidReference("answer: the formula cannot be evaluated over the declared domains")
    return FormulaRef(answer, node, specs, dim, seed, names)
