"""PHP serialize() / a strict unserialize() for the data the KaziWhmcs plugin exchanges.

Only null, booleans, integers, floats, strings and arrays are accepted: objects,
references and enums are refused, since PHP would instantiate classes from them.
String lengths count UTF-8 bytes, as in PHP.
"""

import math
import re

MAX_DEPTH = 32

_FLOAT = re.compile(rb"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|INF|-INF|NAN")
_INT_KEY = re.compile(r"-?[1-9][0-9]*|0")
_REFUSED = {
    ord("O"): "objects are refused",
    ord("C"): "objects are refused",
    ord("r"): "references are refused",
    ord("R"): "references are refused",
    ord("E"): "enums are refused",
}
_PHP_INT_MAX = 2**63 - 1


class PhpSerializeError(ValueError):
    """The data is not PHP serialize() output of the accepted types."""


# --- dumps -------------------------------------------------------------------------------


def dumps(value: object) -> bytes:
    """PHP serialize() of None, bool, int, float, str, list/tuple and dict."""
    out: list[bytes] = []
    _dump(value, out.append)
    return b"".join(out)


def _dump(value: object, write) -> None:
    if value is None:
        write(b"N;")
    elif value is True or value is False:
        write(b"b:1;" if value else b"b:0;")
    elif isinstance(value, int):
        write(b"i:%d;" % value)
    elif isinstance(value, float):
        write(b"d:" + _float_text(value) + b";")
    elif isinstance(value, str):
        raw = value.encode("utf-8")
        write(b's:%d:"' % len(raw) + raw + b'";')
    elif isinstance(value, (list, tuple)):
        write(b"a:%d:{" % len(value))
        for index, item in enumerate(value):
            write(b"i:%d;" % index)
            _dump(item, write)
        write(b"}")
    elif isinstance(value, dict):
        write(b"a:%d:{" % len(value))
        for key, item in value.items():
            if isinstance(key, bool) or not isinstance(key, (int, str)):
                raise TypeError(f"PHP array keys must be int or str, not {type(key).__name__}")
            _dump(key, write)
            _dump(item, write)
        write(b"}")
    else:
        raise TypeError(f"cannot PHP-serialize {type(value).__name__}")


def _float_text(value: float) -> bytes:
    # PHP (serialize_precision -1) writes the shortest round-trip form: "1.5", "3", "1.0E+25".
    if math.isnan(value):
        return b"NAN"
    if math.isinf(value):
        return b"INF" if value > 0 else b"-INF"
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        if "." not in mantissa:
            mantissa += ".0"
        text = f"{mantissa}E{int(exponent):+d}"
    elif text.endswith(".0"):
        text = text[:-2]
    return text.encode("ascii")


# --- loads -------------------------------------------------------------------------------


def loads(data: bytes | str) -> object:
    """Parse PHP serialize() output strictly; raise PhpSerializeError on anything else.

    Arrays whose keys are exactly 0..n-1 in order become lists, others dicts."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    elif isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    elif not isinstance(data, bytes):
        raise TypeError(f"expected bytes or str, not {type(data).__name__}")
    try:
        return _parse(data)
    except IndexError:
        raise PhpSerializeError(f"truncated input ({len(data)} bytes)") from None
    except UnicodeDecodeError as exc:
        raise PhpSerializeError(f"a string is not valid UTF-8 ({exc.reason})") from None


def _fail(message: str, pos: int) -> PhpSerializeError:
    return PhpSerializeError(f"{message} at offset {pos}")


def _parse(data: bytes) -> object:
    # One loop, the current array's state in locals and enclosing arrays on an explicit
    # stack: 100,000-entry usage lists parse in a fraction of a second, and deep input
    # cannot exhaust Python's stack. Lists of records repeat the same key (and often the
    # same key + value) tokens at the same place of every map: `hints` remembers them so
    # a single startswith() replaces parsing; a match is exact since tokens self-delimit.
    find = data.find
    startswith = data.startswith
    size = len(data)
    stack: list[tuple] = []
    keys: list = []
    values: list = []
    remaining = -1  # entries still to read in the current array; -1 at the top level
    is_list = True
    opened_at = 0
    # per place in a map: [key token, key, key + value token or None, value, pair misses]
    hints: list = [None] * _HINTS
    remember = False
    pos = 0
    while True:
        if remaining == 0:
            if data[pos] != 125:  # }
                raise _fail("expected '}' closing the array", pos)
            pos += 1
            if is_list:
                value = values
            else:
                value = dict(zip(keys, values, strict=True))
                if len(value) != len(keys):
                    raise _fail("duplicate key in the array", opened_at)
            keys, values, remaining, is_list, opened_at = stack.pop()
            remember = False  # an array value is neither immutable nor a short token
        else:
            if remaining > 0:
                index = len(keys)
                key_at = pos
                hint = hints[index] if index < _HINTS else None
                if hint is not None and startswith(hint[0], pos):
                    pair = hint[2]
                    if pair is not None and startswith(pair, pos):
                        key = hint[1]
                        if is_list and (type(key) is not int or key != index):
                            is_list = False
                        keys.append(key)
                        values.append(hint[3])
                        remaining -= 1
                        pos += len(pair)
                        continue
                    key = hint[1]
                    pos += len(hint[0])
                    # Learn this pair unless values keep changing at this place.
                    remember = hint[4] < _MISSES
                    hint[4] += 1
                elif data[pos] == 115:  # s:<bytes>:"key";
                    colon = find(b":", pos + 2, pos + 24)
                    digits = data[pos + 2 : colon]
                    if data[pos + 1] != 58 or colon < 0 or not digits.isdigit():
                        raise _fail("bad string length", pos)
                    end = colon + 2 + int(digits)
                    if data[colon + 1] != 34 or not startswith(b'";', end):
                        raise _fail("bad string length or quoting", pos)
                    key = _string_key(data[colon + 2 : end])
                    pos = end + 2
                    if index < _HINTS:
                        hint = hints[index] = [data[key_at:pos], key, None, None, 0]
                        remember = True
                elif data[pos] == 105:  # i:<int>;
                    semi = find(b";", pos + 2, pos + 24)
                    digits = data[pos + 2 : semi]
                    if semi < 0 or data[pos + 1] != 58 or not digits.isdigit():
                        key = _integer(data, pos, semi)  # signed, or an error
                    else:
                        key = int(digits)
                    pos = semi + 1
                    remember = False
                elif data[pos] == 125:  # }
                    raise _fail("array closed before its announced length", pos)
                else:
                    raise _fail("array keys must be integers or strings", pos)
                if is_list and (type(key) is not int or key != index):
                    is_list = False
                keys.append(key)
            kind = data[pos]
            if kind == 115:  # s:<bytes>:"...";
                colon = find(b":", pos + 2, pos + 24)
                digits = data[pos + 2 : colon]
                if data[pos + 1] != 58 or colon < 0 or not digits.isdigit():
                    raise _fail("bad string length", pos)
                end = colon + 2 + int(digits)
                if data[colon + 1] != 34 or not startswith(b'";', end):
                    raise _fail("bad string length or quoting", pos)
                value = data[colon + 2 : end].decode("utf-8")
                pos = end + 2
            elif kind == 105:  # i:<int>;
                semi = find(b";", pos + 2, pos + 24)
                digits = data[pos + 2 : semi]
                if semi < 0 or data[pos + 1] != 58 or not digits.isdigit():
                    value = _integer(data, pos, semi)  # signed, or an error
                else:
                    value = int(digits)
                pos = semi + 1
            elif kind == 97:  # a:<count>:{
                colon = find(b":", pos + 2, pos + 24)
                digits = data[pos + 2 : colon]
                if data[pos + 1] != 58 or colon < 0 or not digits.isdigit():
                    raise _fail("bad array length", pos)
                if data[colon + 1] != 123:  # {
                    raise _fail("expected '{' opening the array", colon + 1)
                if len(stack) >= MAX_DEPTH:
                    raise _fail(f"arrays nested deeper than {MAX_DEPTH}", pos)
                count = int(digits)
                if count * 6 > size - pos:  # each entry needs at least "i:0;N;"
                    raise _fail(f"array length {count} exceeds the data", pos)
                stack.append((keys, values, remaining, is_list, opened_at))
                keys, values, remaining, is_list, opened_at = [], [], count, True, pos
                pos = colon + 2
                continue
            elif kind == 78:  # N;
                if data[pos + 1] != 59:
                    raise _fail("bad null", pos)
                value = None
                pos += 2
            elif kind == 98:  # b:0; or b:1;
                token = data[pos : pos + 4]
                if token != b"b:1;" and token != b"b:0;":
                    raise _fail("bad boolean", pos)
                value = token == b"b:1;"
                pos += 4
            elif kind == 100:  # d:<float>;
                semi = find(b";", pos + 2, pos + 40)
                text = data[pos + 2 : semi]
                if data[pos + 1] != 58 or semi < 0 or not _FLOAT.fullmatch(text):
                    raise _fail("bad float", pos)
                value = _SPECIAL_FLOATS.get(text)
                if value is None:
                    value = float(text)
                pos = semi + 1
            elif kind in _REFUSED:
                raise _fail(f"{_REFUSED[kind]} ({chr(kind)}:)", pos)
            else:
                raise _fail(f"unexpected {chr(kind)!r}", pos)
        if remaining < 0:
            if pos != size:
                raise _fail("trailing data", pos)
            return value
        if remember:
            hint[2] = data[key_at:pos]
            hint[3] = value
            remember = False
        values.append(value)
        remaining -= 1


_HINTS = 64
_MISSES = 4
_SPECIAL_FLOATS = {b"INF": math.inf, b"-INF": -math.inf, b"NAN": math.nan}


def _integer(data: bytes, pos: int, semi: int) -> int:
    digits = data[pos + 2 : semi]
    unsigned = digits[1:] if digits[:1] in (b"-", b"+") else digits
    if data[pos + 1] != 58 or semi < 0 or not unsigned.isdigit():
        raise _fail("bad integer", pos)
    return int(digits)


def _string_key(raw: bytes) -> object:
    key = raw.decode("utf-8")
    if _INT_KEY.fullmatch(key) and int(key) <= _PHP_INT_MAX:
        return int(key)  # PHP turns numeric string keys into integers
    return key
