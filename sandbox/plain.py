"""Plain values across process boundaries: the only thing a submission's process can hand back.

``plain(v)`` turns a value into tagged JSON data: None, bool, int, float, str as themselves; list
``{"l": [...]}``, tuple ``{"t": ...}``, dict ``{"d": [[k, v], ...]}``, set ``{"s": ...}``, frozenset
``{"f": ...}``, bytes ``{"b": hex}``, complex ``{"c": [re, im]}``, NaN/inf ``{"F": "nan"}``, and the
builtin value types themselves (``int``, ``str``... as ``{"T": "int"}``).
The type test is on the exact type (``type(v) is int``); an instance of a subclass is reduced to its
base value through the base type's own C slots (``int.__int__``, ``list.__iter__``...), so no
method the submission defined is ever called; anything else raises ``Unplain``. Set elements are
sorted by their JSON text, so the same value always encodes to the same text (it serves as a key).

``unplain(data)`` is the inverse and builds exact builtin values only. ``to_json`` writes the JSON
text with primitives captured at import, before any submission code runs in the process.
"""

from __future__ import annotations

import json
import math

_type, _repr, _issubclass = type, repr, issubclass
_list, _tuple, _dict, _set, _frozenset, _complex, _sorted = list, tuple, dict, set, frozenset, complex, sorted
_esc = json.encoder.encode_basestring_ascii  # the C function, captured
_int_repr, _float_repr = int.__repr__, float.__repr__
_isfinite = math.isfinite
_dict_items, _set_iter, _frozenset_iter = dict.items, set.__iter__, frozenset.__iter__
_complex_get = complex.__getattribute__
_list_iter, _tuple_iter, _bytes_hex = list.__iter__, tuple.__iter__, bytes.hex
MAX_NODES = 200_000


class Unplain(ValueError):
    """Not a plain value (or a malformed encoding of one)."""


def plain(v: object, budget: list[int] | None = None, depth: int = 0) -> object:
    """Encode ``v`` as tagged JSON data; raises ``Unplain`` for anything but builtin values."""
    budget = budget if budget is not None else [MAX_NODES]
    budget[0] -= 1
    if budget[0] < 0 or depth > 200:
        raise Unplain("value too large or deep")
    t = _type(v)
    if v is None or t is bool or t is int or t is str:
        return v
    d = depth + 1
    if t is float:
        return v if _isfinite(v) else {"F": _float_repr(v)}
    if t is list:
        return {"l": [plain(x, budget, d) for x in v]}
    if t is tuple:
        return {"t": [plain(x, budget, d) for x in v]}
    if t is dict:
        return {"d": [[plain(k, budget, d), plain(x, budget, d)] for k, x in _dict_items(v)]}
    if t is set or t is frozenset:
        enc = [plain(x, budget, d) for x in (_set_iter(v) if t is set else _frozenset_iter(v))]
        return {"s" if t is set else "f": _sorted(enc, key=to_json)}
    if t is bytes:
        return {"b": _bytes_hex(v)}
    if t is complex:
        return {"c": [plain(_complex_get(v, "real"), budget, d), plain(_complex_get(v, "imag"), budget, d)]}
    if t is type and v in _TYPES:  # a builtin type itself, e.g. ``f(items, int)``
        return {"T": v.__name__}
    for base, conv in _BASES:  # subclasses: the base value through the base type's slot
        if _issubclass(t, base):
            return plain(conv(v), budget, d)
    raise Unplain(f"not a plain value: {t.__name__ if _type(t.__name__) is str else '?'}")


_BASES = (
    (int, int.__int__),  # bool cannot be subclassed
    (float, float.__float__),
    (str, str.__str__),
    (bytes, bytes.__bytes__),
    (list, lambda v: _list(_list_iter(v))),
    (tuple, lambda v: _tuple(_tuple_iter(v))),
    (dict, lambda v: _dict(_dict_items(v))),
    (frozenset, lambda v: _frozenset(_frozenset_iter(v))),
    (set, lambda v: _set(_set_iter(v))),
    (complex, lambda v: _complex(_complex_get(v, "real"), _complex_get(v, "imag"))),
)


_TYPES = {c: c for c in (int, float, str, bool, bytes, list, tuple, dict, set, frozenset, complex, type(None))}
_TYPE_OF = {c.__name__: c for c in _TYPES}


def to_json(o: object) -> str:
    """JSON text of tagged data (None/bool/int/float/str/list/dict with str keys)."""
    if o is None:
        return "null"
    if o is True:
        return "true"
    if o is False:
        return "false"
    t = _type(o)
    if t is int:
        return _int_repr(o)
    if t is float:
        return _float_repr(o)
    if t is str:
        return _esc(o)
    if t is list:
        return "[" + ",".join([to_json(x) for x in o]) + "]"
    if t is dict:
        return "{" + ",".join([_esc(k) + ":" + to_json(x) for k, x in _dict_items(o)]) + "}"
    raise Unplain("not serialisable")


def unplain(v: object, depth: int = 0) -> object:
    """Decode tagged JSON data into exact builtin values; raises ``Unplain`` on anything malformed."""
    if depth > 220:
        raise Unplain("too deep")
    t = _type(v)
    if v is None or t is bool or t is int or t is float or t is str:
        return v
    if t is dict and len(v) == 1:
        (tag, x), = v.items()
        d = depth + 1
        try:
            if tag == "l" and _type(x) is list:
                return [unplain(e, d) for e in x]
            if tag == "t" and _type(x) is list:
                return tuple(unplain(e, d) for e in x)
            if tag == "s" and _type(x) is list:
                return {unplain(e, d) for e in x}
            if tag == "f" and _type(x) is list:
                return frozenset(unplain(e, d) for e in x)
            if tag == "d" and _type(x) is list:
                return {unplain(k, d): unplain(e, d) for k, e in x}
            if tag == "F" and x in ("nan", "inf", "-inf"):
                return float(x)
            if tag == "T" and _type(x) is str and x in _TYPE_OF:
                return _TYPE_OF[x]
            if tag == "b" and _type(x) is str:
                return bytes.fromhex(x)
            if tag == "c" and _type(x) is list and len(x) == 2:
                re_, im = unplain(x[0], d), unplain(x[1], d)
                if _type(re_) is float and _type(im) is float:
                    return complex(re_, im)
        except (TypeError, ValueError) as e:  # unhashable element/key, bad hex, bad pair
            raise Unplain(f"bad value: {e}") from None
    raise Unplain(f"bad value: {str(v)[:60]}")
