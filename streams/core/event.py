"""The API-call event of the wire contract, and its fast, strict parser.

The parser is the hot path of every worker: orjson plus hand-written checks, no
schema engine. It must accept and reject exactly what ``schemas/api-call-event.schema.json``
accepts and rejects (a property-based test holds the two together).

Error messages name fields and rules, never values: a value could be prompt text.

How it is built: ``FIELDS`` is the single table of contract fields. From it, at import,
a straight-line function is generated (like ``dataclasses`` generates ``__init__``) that
only *accepts* the common well-formed cases inline; every other value goes to
``_check``, which holds the complete rules and raises the precise ``InvalidEvent``. The
generated code is ~1.7x faster than a loop over the table and needs no second copy
of the rules to maintain: adding a field is one ``FieldSpec`` row plus the ``ApiCall``
attribute. ``_FROM_DICT_SOURCE`` holds the generated text for reading and debugging.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, Final, NamedTuple

import orjson

from streams.core.timeutil import MAX_MS, parse_rfc3339_ms

__all__ = [
    "FIELDS",
    "ApiCall",
    "FieldSpec",
    "InvalidEvent",
    "event_from_dict",
    "is_ip_address",
    "parse_event",
]


class InvalidEvent(ValueError):
    """A record that violates the wire contract.

    ``reason`` is a short machine-readable code (``not_json``, ``not_object``,
    ``missing_field``, ``wrong_type``, ``out_of_range``, ``bad_ts``, ``too_large``,
    ``bad_encoding``); ``str(exc)`` is a human-readable sentence that names the field but
    never echoes its value.
    """

    def __init__(self, reason: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.field = field


@dataclass(slots=True)
class ApiCall:
    """One model API request (contract v1). Times are epoch milliseconds, UTC."""

    event_id: str
    ts_ms: int
    account_id: str
    model: str
    input_tokens: int
    output_tokens: int
    org_id: str | None = None
    api_key_id: str | None = None
    account_created_ms: int | None = None
    signup_channel: str | None = None
    payment_fingerprint: str | None = None
    ip: str | None = None
    asn: int | None = None
    country: str | None = None
    user_agent: str | None = None
    tls_fingerprint: str | None = None
    endpoint: str | None = None
    status: int | None = None
    latency_ms: int | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    stop_reason: str | None = None
    conversation_id: str | None = None
    turn: int | None = None
    tool_calls: int | None = None
    prompt: str | None = None
    system_prompt_hash: str | None = None


# --- the field table ----------------------------------------------------------------------
# Kinds of check. Plain ints rather than an Enum: cheaper where they are compared per field.
STR: Final = 0
"""A JSON string; its code-point length is checked when the spec has bounds."""
INT: Final = 1
"""A JSON integer; an integral float such as ``3.0`` counts (JSON Schema 2020-12) -> 3."""
NUM: Final = 2
"""Any JSON number (never a boolean); stored as float."""
TS: Final = 3
"""``ts``: an RFC 3339 string, or integer epoch milliseconds within the spec's bounds."""
DATETIME: Final = 4
"""An RFC 3339 string only (``account_created_at``); stored as epoch milliseconds."""
IP: Final = 5
"""An IPv4 or IPv6 address string, as jsonschema's ``ipv4``/``ipv6`` formats define them."""
COUNTRY: Final = 6
"""ISO 3166-1 alpha-2 as the schema checks it: exactly two ASCII capitals."""

_KIND_RULE: Final = {
    STR: "must be a string",
    INT: "must be an integer",
    NUM: "must be a number",
    TS: "must be an RFC 3339 string or integer epoch milliseconds",
    DATETIME: "must be an RFC 3339 date-time string",
    IP: "must be a string holding an IPv4 or IPv6 address",
    COUNTRY: "must be a string holding an ISO 3166-1 alpha-2 code",
}


class FieldSpec(NamedTuple):
    """One contract field: JSON name, ApiCall attribute, kind of check and inclusive bounds.

    For STR the bounds are on the length in code points (as JSON Schema's ``minLength``
    and ``maxLength`` count), for INT and TS on the integer value.
    """

    name: str
    attr: str
    kind: int
    required: bool
    minimum: int | None = None
    maximum: int | None = None


FIELDS: Final[tuple[FieldSpec, ...]] = (
    FieldSpec("event_id", "event_id", STR, True, 1, 128),
    FieldSpec("ts", "ts_ms", TS, True, 0, MAX_MS),
    FieldSpec("account_id", "account_id", STR, True, 1, 128),
    FieldSpec("model", "model", STR, True),
    FieldSpec("input_tokens", "input_tokens", INT, True, 0),
    FieldSpec("output_tokens", "output_tokens", INT, True, 0),
    FieldSpec("org_id", "org_id", STR, False),
    FieldSpec("api_key_id", "api_key_id", STR, False),
    FieldSpec("account_created_at", "account_created_ms", DATETIME, False),
    FieldSpec("signup_channel", "signup_channel", STR, False),
    FieldSpec("payment_fingerprint", "payment_fingerprint", STR, False),
    FieldSpec("ip", "ip", IP, False),
    FieldSpec("asn", "asn", INT, False),
    FieldSpec("country", "country", COUNTRY, False),
    FieldSpec("user_agent", "user_agent", STR, False),
    FieldSpec("tls_fingerprint", "tls_fingerprint", STR, False),
    FieldSpec("endpoint", "endpoint", STR, False),
    FieldSpec("status", "status", INT, False),
    FieldSpec("latency_ms", "latency_ms", INT, False, 0),
    FieldSpec("max_tokens", "max_tokens", INT, False, 0),
    FieldSpec("temperature", "temperature", NUM, False),
    FieldSpec("stop_reason", "stop_reason", STR, False),
    FieldSpec("conversation_id", "conversation_id", STR, False),
    FieldSpec("turn", "turn", INT, False, 1),
    FieldSpec("tool_calls", "tool_calls", INT, False, 0),
    FieldSpec("prompt", "prompt", STR, False),
    FieldSpec("system_prompt_hash", "system_prompt_hash", STR, False),
)
"""Every field of contract v1, in contract order, which is also ``ApiCall``'s field order.
Tests hold it equal to ``schemas/api-call-event.schema.json`` and to ``ApiCall``."""

# Exactly the dotted quads ipaddress.IPv4Address accepts (0..255, no leading zeros). Only a
# fast path: anything it does not match still goes to ipaddress, which has the final word.
_IPV4: Final = re.compile(
    r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
    r"(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}"
)


_H = "[0-9a-fA-F]{1,4}"
# The textbook RFC 4291 forms (full, and "::"-compressed) without an embedded IPv4 tail or
# a zone id: all accepted by ipaddress.IPv6Address. Again only a fast path (ipaddress is
# ~6 us per call, about as long as the rest of the parse); a test holds it to ipaddress.
_IPV6: Final = re.compile(
    "|".join(
        [
            f"(?:{_H}:){{7}}{_H}",
            f"(?:{_H}:){{1,7}}:",
            f"(?:{_H}:){{1,6}}:{_H}",
            f"(?:{_H}:){{1,5}}(?::{_H}){{1,2}}",
            f"(?:{_H}:){{1,4}}(?::{_H}){{1,3}}",
            f"(?:{_H}:){{1,3}}(?::{_H}){{1,4}}",
            f"(?:{_H}:){{1,2}}(?::{_H}){{1,5}}",
            f"{_H}:(?::{_H}){{1,6}}",
            f":(?:(?::{_H}){{1,7}}|:)",
        ]
    )
)


def is_ip_address(value: str) -> bool:
    """True iff jsonschema's ``ipv4`` or ``ipv6`` format accepts ``value``.

    Uses the very same rules (Python's ``ipaddress``; an IPv6 zone id such as
    ``fe80::1%eth0`` is rejected) so the parser agrees with the schema's format checker.
    """
    if _IPV4.fullmatch(value) is not None or _IPV6.fullmatch(value) is not None:
        return True
    try:
        ipaddress.IPv4Address(value)
        return True
    except ValueError:
        pass
    try:
        return not ipaddress.IPv6Address(value).scope_id
    except ValueError:
        return False


def _is_country(value: str) -> bool:
    """``^[A-Z]{2}$`` with minLength/maxLength 2, as the schema says, without a regex."""
    return len(value) == 2 and value.isascii() and value.isalpha() and value.isupper()


# --- validation -----------------------------------------------------------------------------
def _invalid(reason: str, spec: FieldSpec, rule: str) -> InvalidEvent:
    return InvalidEvent(reason, f"field {spec.name!r} {rule}", spec.name)


def _out_of_range(spec: FieldSpec) -> InvalidEvent:
    what = "length" if spec.kind == STR else "value"
    if spec.maximum is None:
        return _invalid("out_of_range", spec, f"{what} must be >= {spec.minimum}")
    return _invalid("out_of_range", spec, f"{what} must be in {spec.minimum}..{spec.maximum}")


def _check(spec: FieldSpec, value: Any) -> Any:
    """Validate one present, non-null value and return it as ApiCall stores it.

    The complete rules (the generated fast path only pre-accepts common cases). Raises
    InvalidEvent naming the field and the rule, never the value.
    """
    kind = spec.kind
    if kind == STR:
        if type(value) is not str:
            raise _invalid("wrong_type", spec, _KIND_RULE[kind])
        n = len(value)
        if (spec.minimum is not None and n < spec.minimum) or (
            spec.maximum is not None and n > spec.maximum
        ):
            raise _out_of_range(spec)
        return value
    if kind == INT or (kind == TS and type(value) is not str):
        # bool subclasses int but is no JSON Schema integer: hence type(), not isinstance.
        if type(value) is float and value.is_integer():
            value = int(value)
        elif type(value) is not int:
            raise _invalid("wrong_type", spec, _KIND_RULE[kind])
        if (spec.minimum is not None and value < spec.minimum) or (
            spec.maximum is not None and value > spec.maximum
        ):
            raise _out_of_range(spec)
        return value
    if kind == NUM:
        if type(value) is float:
            return value
        if type(value) is int:
            return float(value)
        raise _invalid("wrong_type", spec, _KIND_RULE[kind])
    if type(value) is not str:
        raise _invalid("wrong_type", spec, _KIND_RULE[kind])
    if kind in (TS, DATETIME):
        try:
            return parse_rfc3339_ms(value)
        except ValueError:
            raise _invalid("bad_ts", spec, "is not a valid RFC 3339 date-time") from None
    if kind == IP:
        if not is_ip_address(value):
            raise _invalid("out_of_range", spec, "is not a valid IPv4 or IPv6 address")
        return value
    if kind == COUNTRY:
        if not _is_country(value):
            raise _invalid("out_of_range", spec, "is not two capital letters (ISO 3166-1 alpha-2)")
        return value
    raise AssertionError(f"unknown field kind {kind}")  # pragma: no cover


def _check_required(spec: FieldSpec, value: Any, doc: dict[str, Any]) -> Any:
    """``_check`` for a required field, where absent and null are ``missing_field``."""
    if value is None:
        if spec.name in doc:
            raise _invalid("missing_field", spec, "is required (null counts as absent)")
        raise _invalid("missing_field", spec, "is required")
    return _check(spec, value)


# --- the generated fast path --------------------------------------------------------------
def _fast_accept(spec: FieldSpec, v: str) -> str | None:
    """A Python expression over variable ``v``, true only for values ``_check`` keeps as is.

    False for anything needing conversion or an error, which then takes the slow path;
    None when there is no fast path (the value is always converted).
    """
    lo, hi = spec.minimum, spec.maximum
    if spec.kind == STR:
        if lo is None and hi is None:
            return f"type({v}) is str"
        return f"type({v}) is str and {_chain(lo, f'len({v})', hi)}"
    if spec.kind in (INT, TS):  # TS: its integer form; the string form is special-cased
        if lo is None and hi is None:
            return f"type({v}) is int"
        return f"type({v}) is int and {_chain(lo, v, hi)}"
    if spec.kind == NUM:
        return f"type({v}) is float"
    if spec.kind == IP:
        return (
            f"type({v}) is str and (_IPV4.fullmatch({v}) is not None"
            f" or _IPV6.fullmatch({v}) is not None)"
        )
    if spec.kind == COUNTRY:
        return f"type({v}) is str and _is_country({v})"
    return None


def _chain(lo: int | None, expr: str, hi: int | None) -> str:
    """``lo <= expr <= hi`` with either bound optional."""
    return (f"{lo} <= " if lo is not None else "") + expr + (f" <= {hi}" if hi is not None else "")


def _generate_from_dict() -> tuple[str, Callable[[dict[str, Any]], ApiCall]]:
    """Source and function: dict -> ApiCall, one straight-line block per FIELDS row."""
    lines = ["def event_from_dict(doc):", "    get = doc.get"]
    for i, spec in enumerate(FIELDS):
        v = spec.attr  # attribute names are identifiers, and unique
        lines.append(f"    {v} = get({spec.name!r})")
        if spec.kind == TS:
            lines += [
                f"    if type({v}) is str:",
                "        try:",
                f"            {v} = _parse_rfc3339_ms({v})",
                "        except ValueError:",
                f"            {v} = _check_required(_F[{i}], {v}, doc)",
                f"    elif not ({_fast_accept(spec, v)}):",
                f"        {v} = _check_required(_F[{i}], {v}, doc)",
            ]
        elif spec.required:
            lines.append(f"    if not ({_fast_accept(spec, v)}):")
            lines.append(f"        {v} = _check_required(_F[{i}], {v}, doc)")
        else:  # absent and null are the same: None
            fast = _fast_accept(spec, v)
            lines.append(
                f"    if {v} is not None and not ({fast}):" if fast else f"    if {v} is not None:"
            )
            lines.append(f"        {v} = _check(_F[{i}], {v})")
    lines.append(f"    return _ApiCall({', '.join(spec.attr for spec in FIELDS)})")
    source = "\n".join(lines) + "\n"
    namespace: dict[str, Any] = {
        "_F": FIELDS,
        "_ApiCall": ApiCall,
        "_check": _check,
        "_check_required": _check_required,
        "_parse_rfc3339_ms": parse_rfc3339_ms,
        "_IPV4": _IPV4,
        "_IPV6": _IPV6,
        "_is_country": _is_country,
    }
    exec(compile(source, "<distillguard event_from_dict>", "exec"), namespace)
    func: Callable[[dict[str, Any]], ApiCall] = namespace["event_from_dict"]
    return source, func


if tuple(f.name for f in fields(ApiCall)) != tuple(f.attr for f in FIELDS):
    raise AssertionError("FIELDS and ApiCall disagree on the fields or their order")
_FROM_DICT_SOURCE, _event_from_dict = _generate_from_dict()


def event_from_dict(doc: dict[str, Any]) -> ApiCall:
    """Validate an already-decoded JSON object; same rules and errors as ``parse_event``.

    ``doc`` must be what a JSON decoder produced (str keys; str/int/float/bool/None/list/
    dict values).
    """
    return _event_from_dict(doc)


# --- bytes -> ApiCall -------------------------------------------------------------------------
_JSON_TYPE: Final = {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}


def _not_json(raw: bytes, exc: orjson.JSONDecodeError) -> InvalidEvent:
    """``bad_encoding`` if the bytes are not UTF-8, else ``not_json``.

    The decode is only paid on this error path. orjson's own message is not passed on,
    only the position: never a fragment of the record.
    """
    try:
        bytes(raw).decode("utf-8")
    except UnicodeDecodeError as err:
        return InvalidEvent("bad_encoding", f"record is not valid UTF-8 (at byte {err.start})")
    return InvalidEvent("not_json", f"record is not valid JSON (at char {exc.pos})")


_loads = orjson.loads
_JSONDecodeError = orjson.JSONDecodeError


def parse_event(raw: bytes, max_bytes: int = 1_048_576) -> ApiCall:
    """Parse and validate one API-call event (contract v1) from its wire bytes.

    Accepts exactly what ``schemas/api-call-event.schema.json`` accepts (with format
    assertion). Unknown fields are ignored; an optional field set to null is absent;
    ``ts`` and ``account_created_at`` become epoch milliseconds (UTC); an integral float
    in an integer field (``3.0``) becomes an int, an int temperature a float.

    Raises InvalidEvent with ``reason``:
    ``too_large`` (over ``max_bytes``, checked before parsing);
    ``bad_encoding`` (the bytes are not UTF-8);
    ``not_json`` (also well-formed JSON that orjson refuses: a number overflowing a double
    such as ``1e400``, a lone UTF-16 surrogate escape, a byte-order mark);
    ``not_object``; ``missing_field`` (absent, or null, for a required field);
    ``wrong_type`` (booleans are never numbers); ``out_of_range`` (integer bounds, string
    lengths, a malformed ``ip`` or ``country``); ``bad_ts`` (a ``ts`` or
    ``account_created_at`` string that is not an RFC 3339 date-time; an integer ``ts``
    outside 0..9999-12-31T23:59:59.999Z is ``out_of_range``).
    """
    if len(raw) > max_bytes:
        raise InvalidEvent("too_large", f"record is {len(raw)} bytes, over the {max_bytes} limit")
    try:
        doc = _loads(raw)
    except _JSONDecodeError as exc:
        raise _not_json(raw, exc) from None
    if type(doc) is not dict:
        what = "null" if doc is None else _JSON_TYPE.get(type(doc), "value")
        raise InvalidEvent("not_object", f"record is a JSON {what}, not an object")
    return _event_from_dict(doc)
