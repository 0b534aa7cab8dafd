"""CronJob schedules as the API server parses them (not a rule): `cron.ParseStandard` of
github.com/robfig/cron/v3 (five fields, or a descriptor such as `@hourly`), with its error texts."""

from __future__ import annotations

import re
from typing import Final

_MONTHS: Final = {n: i + 1 for i, n in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}
_DOWS: Final = {n: i for i, n in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
# (name, min, max, names) of the standard parser's fields: Minute | Hour | Dom | Month | Dow.
FIELDS: Final = (("minute", 0, 59, None), ("hour", 0, 23, None), ("day of month", 1, 31, None),
                 ("month", 1, 12, _MONTHS), ("day of week", 0, 6, _DOWS))
_DESCRIPTORS: Final = frozenset({"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"})
_DURATION: Final = re.compile(r"[-+]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+|[-+]?0")
_GO_SPACE: Final = " \t\n\v\f\r\x85\xa0"


class CronError(ValueError):
    """A schedule robfig/cron refuses; str() is its error text."""


def _atoi(expr: str) -> int:
    # strconv.Atoi: optional sign, ASCII digits only.
    if re.fullmatch(r"[+-]?[0-9]+", expr) is None:
        raise CronError(f'failed to parse int from {expr}: strconv.Atoi: parsing "{expr}": invalid syntax')
    return int(expr)


def _must_parse_int(expr: str) -> int:
    num = _atoi(expr)
    if num < 0:
        raise CronError(f"negative number ({num}) not allowed: {expr}")
    return num


def _int_or_name(expr: str, names: dict[str, int] | None) -> int:
    if names is not None and expr.lower() in names:
        return names[expr.lower()]
    return _must_parse_int(expr)


def _range(expr: str, lo: int, hi: int, names: dict[str, int] | None) -> None:
    range_and_step = expr.split("/")
    low_and_high = range_and_step[0].split("-")
    single = len(low_and_high) == 1
    if low_and_high[0] in ("*", "?"):
        start, end = lo, hi
    else:
        start = _int_or_name(low_and_high[0], names)
        if len(low_and_high) == 1:
            end = start
        elif len(low_and_high) == 2:
            end = _int_or_name(low_and_high[1], names)
        else:
            raise CronError(f"too many hyphens: {expr}")
    if len(range_and_step) == 1:
        step = 1
    elif len(range_and_step) == 2:
        step = _must_parse_int(range_and_step[1])
        if single:
            end = hi  # "N/step" means "N-max/step"
    else:
        raise CronError(f"too many slashes: {expr}")
    if start < lo:
        raise CronError(f"beginning of range ({start}) below minimum ({lo}): {expr}")
    if end > hi:
        raise CronError(f"end of range ({end}) above maximum ({hi}): {expr}")
    if start > end:
        raise CronError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise CronError(f"step of range should be a positive number: {expr}")


def parse_standard(spec: str) -> None:
    """Raise CronError as ParseStandard fails."""
    if not spec:
        raise CronError("empty spec string")
    if spec.startswith(("TZ=", "CRON_TZ=")):
        i = spec.find(" ")
        if i < 0:
            raise CronError(f"provided bad location {spec[spec.find('=') + 1:]}")
        spec = spec[i:].strip(_GO_SPACE)
    if spec.startswith("@"):
        if spec in _DESCRIPTORS:
            return
        if spec.startswith("@every "):
            duration = spec[len("@every "):]
            if _DURATION.fullmatch(duration) is None:
                raise CronError(f'failed to parse duration {spec}: time: invalid duration "{duration}"')
            return
        raise CronError(f"unrecognized descriptor: {spec}")
    fields = spec.split()
    if len(fields) != 5:
        shown = "[" + " ".join(fields) + "]"
        raise CronError(f"expected exactly 5 fields, found {len(fields)}: {shown}")
    for text, (_, lo, hi, names) in zip(fields, FIELDS, strict=True):
        for expr in (e for e in text.split(",") if e):
            _range(expr, lo, hi, names)


def failing_field(spec: str) -> int | None:
    """The index (0-4) of the first field ParseStandard rejects, or None."""
    body = spec
    if body.startswith(("TZ=", "CRON_TZ=")) and " " in body:
        body = body[body.find(" "):].strip(_GO_SPACE)
    fields = body.split()
    if len(fields) != 5:
        return None
    for index, (text, (_, lo, hi, names)) in enumerate(zip(fields, FIELDS, strict=True)):
        try:
            for expr in (e for e in text.split(",") if e):
                _range(expr, lo, hi, names)
        except CronError:
            return index
    return None
