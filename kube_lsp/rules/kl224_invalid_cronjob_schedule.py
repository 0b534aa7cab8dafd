"""A CronJob's schedule or timeZone is not one the API server can parse.

## What it does
Parses `spec.schedule` as the API server does (`cron.ParseStandard` of robfig/cron v3): five fields
(minute 0-59, hour 0-23, day of month 1-31, month 1-12 or `jan`-`dec`, day of week 0-6 or `sun`-`sat`),
each a `*`, `?`, number, name, range `a-b` or step `/n`, comma-separated; or a descriptor (`@hourly`,
`@daily`, `@midnight`, `@weekly`, `@monthly`, `@yearly`, `@annually`, `@every 1h30m`). A new CronJob may
not put `TZ=` or `CRON_TZ=` in its schedule: `spec.timeZone` takes the zone, an IANA name such as
`Europe/Berlin` (not `Local`). Also checks that `spec.jobTemplate.spec.selector` and `manualSelector` are
not set (the selector is generated).

## Why is this bad?
The API server refuses the CronJob: `spec.schedule: Invalid value: "0 24 * * *": end of range (24) above
maximum (23): 24`.

## Example
```yaml
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "0 0 * * 7"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: job
              image: busybox:1.36
```

## Use instead
```yaml
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "0 0 * * 0"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: job
              image: busybox:1.36
```

## References
`validateCronJobSpec`, `validateScheduleFormat`, `validateTimeZone` and `ValidateJobTemplateSpec` in
`pkg/apis/batch/validation/validation.go`; `Parser.Parse` in `github.com/robfig/cron/v3/parser.go`.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterator
from functools import lru_cache

from kube_lsp.model import Finding, Severity
from kube_lsp.parsing.nodes import YMap, YScalar
from kube_lsp.rules import _apimachinery as am
from kube_lsp.rules._cron import FIELDS, CronError, failing_field, parse_standard
from kube_lsp.rules.base import ObjectContext, Rule, key_span

_TZ_PART = re.compile(r"[A-Za-z.\-_0-9+]{1,14}")


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    try:
        return frozenset(zoneinfo.available_timezones())
    except Exception:  # noqa: BLE001 - no time zone database here: the names are not judged
        return frozenset()


def _known_zone(name: str) -> bool | None:
    zones = _zones()
    if not zones:
        return None
    if name in zones or name == "UTC":
        return True
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def check(ctx: ObjectContext) -> Iterator[Finding]:
    spec = ctx.spec
    if ctx.group != "batch" or spec is None:
        return
    tz = spec.get("timeZone")
    sched = spec.get("schedule")
    if isinstance(sched, YScalar) and isinstance(sched.value, str) and sched.value \
            and not am.substituted(sched.value):
        value = sched.value
        msgs = []
        try:
            parse_standard(value)
        except CronError as exc:
            msgs.append(str(exc))
        if "TZ" in value:
            msgs.append("cannot use TZ or CRON_TZ in schedule, use timeZone field instead")
        if msgs:
            hint = _hint(value)
            yield ctx.finding(RULE, sched.span, "; ".join(am.invalid("spec.schedule", value, m) for m in msgs)
                              + f" — {hint}", path="spec.schedule")
    if isinstance(tz, YScalar) and isinstance(tz.value, str) and not am.substituted(tz.value):
        msg = _tz_error(tz.value)
        if msg:
            yield ctx.finding(RULE, tz.span, am.invalid("spec.timeZone", tz.value, msg)
                              + " — use an IANA time zone name such as `Etc/UTC` or `Europe/Berlin`",
                              path="spec.timeZone")
    jt = spec.get("jobTemplate")
    jspec = jt.get("spec") if isinstance(jt, YMap) else None
    if isinstance(jspec, YMap):
        if jspec.get("selector") is not None and not (isinstance(s := jspec.get("selector"), YScalar)
                                                      and s.value is None):
            yield ctx.finding(RULE, key_span(jspec, "selector"), "spec.jobTemplate.spec.selector: Invalid value: "
                              "`selector` will be auto-generated — remove it", path="spec.jobTemplate.spec.selector")
        ms = jspec.get("manualSelector")
        if isinstance(ms, YScalar) and ms.value is True:
            yield ctx.finding(RULE, ms.span, 'spec.jobTemplate.spec.manualSelector: Unsupported value: true: '
                              'supported values: "nil", "false"', path="spec.jobTemplate.spec.manualSelector")


def _hint(value: str) -> str:
    if "TZ" in value:
        return "move the zone into `spec.timeZone`"
    body = value.strip()
    n = len(body.split())
    if not body.startswith("@") and n == 6:
        return ("a CronJob schedule has 5 fields (minute hour day-of-month month day-of-week), no seconds field")
    idx = failing_field(value)
    if idx is not None:
        name, lo, hi, names = FIELDS[idx]
        extra = " or jan-dec" if name == "month" else " or sun-sat (Sunday is 0, not 7)" if name == "day of week" \
            else ""
        return f"the {name} field takes {lo}-{hi}{extra}"
    return "use five fields (minute hour day-of-month month day-of-week) or a descriptor such as `@daily`"


def _tz_error(tz: str) -> str:
    if not tz:
        return "timeZone must be nil or non-empty string"
    for part in tz.split("/"):
        if part in (".", "..") or part.startswith("-") or _TZ_PART.fullmatch(part) is None:
            return f"unknown time zone {tz}"
    if tz.lower() == "local":
        return "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"
    if _known_zone(tz) is False:
        return f"unknown time zone {tz}"
    return ""


RULE = Rule(
    code="KL224", name="invalid-cronjob-schedule", severity=Severity.ERROR, module=__name__, check=check,
    kinds=frozenset({"CronJob"}),
    summary="A CronJob's schedule or timeZone is not one the API server can parse",
)
