"""Custom resources are checked for what the API server enforces from their CRD's structural schema: value
validations (KL260-KL268), CEL rules (KL269/KL270) and served/deprecated versions (KL271/KL272)."""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path
from types import MappingProxyType

import pytest

from kube_lsp.config import Settings
from kube_lsp.engine import Engine
from kube_lsp.model import Finding, Severity
from kube_lsp.schema import cel
from kube_lsp.schema.crd_checks import escape_cel_name, format_valid
from tests.conftest import findings as _all_findings
from tests.conftest import where


def findings(text: str, engine: Engine | None = None, **kw: object) -> list[Finding]:
    """The findings of `text` as one object's rules see it (the cross-resource rules have their own tests)."""
    return _all_findings(text, engine, **({"workspace": False} | kw))

FIXTURES = Path(__file__).parent / "fixtures" / "gateway-api"


def crd(spec_schema: str, versions: str = "") -> str:
    """A Widget CRD whose `spec` has the schema `spec_schema` (YAML, indented as a block)."""
    body = textwrap.indent(textwrap.dedent(spec_schema).strip("\n"), " " * 14)
    versions = versions or f"""\
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
{body}
"""
    return f"""\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {{kind: Widget, plural: widgets}}
  scope: Namespaced
{versions}---
"""


CRD_LINES = None  # set per text: findings are compared on the custom resource's lines


def widget(spec: str, version: str = "v1") -> str:
    body = textwrap.indent(textwrap.dedent(spec).strip("\n"), "  ")
    return f"apiVersion: example.com/{version}\nkind: Widget\nmetadata:\n  name: w\nspec:\n{body}\n"


def check(schema: str, spec: str, engine: Engine | None = None) -> list[tuple[str, int, int]]:
    """(code, line, column) of the findings on the Widget, lines counted from the Widget's `apiVersion` (1)."""
    head = crd(schema)
    offset = head.count("\n")
    fs = findings(head + widget(spec), engine)
    return [(c, line - offset, col) for c, line, col in where(fs)]


def messages(schema: str, spec: str, engine: Engine | None = None) -> list[Finding]:
    return findings(crd(schema) + widget(spec), engine)


def with_rule_on(code: str) -> Engine:
    from kube_lsp.rules import BY_CODE

    return Engine(Settings(severities=MappingProxyType({code: BY_CODE[code].severity})))


# ------------------------------------------------------------------------------------------ pattern KL260

PATTERN = """\
type: object
properties:
  name: {type: string, pattern: '^[a-z]+$'}
  id: {type: string, pattern: '[0-9]'}
"""


def test_pattern_mismatch_is_reported_on_the_value_with_the_api_servers_words() -> None:
    assert check(PATTERN, "name: Web") == [("KL260", 6, 9)]
    [f] = messages(PATTERN, "name: Web")
    assert f.message.startswith("Invalid value: \"Web\": spec.name in body should match '^[a-z]+$'")
    assert "(CRD widgets.example.com," in f.message  # named like every custom-resource finding
    assert f.path == "spec.name" and f.severity == Severity.ERROR


def test_pattern_is_an_unanchored_search_as_in_go() -> None:
    assert check(PATTERN, "id: abc1def") == []
    assert check(PATTERN, "id: abc") == [("KL260", 6, 7)]


def test_pattern_that_re2_cannot_compile_is_ignored() -> None:
    schema = "type: object\nproperties:\n  a: {type: string, pattern: '(?=x)y'}\n  b: {type: string, pattern: '['}\n"
    assert check(schema, "a: zzz\nb: zzz") == []


def test_catastrophic_pattern_is_linear_time() -> None:
    schema = "type: object\nproperties:\n  a: {type: string, pattern: '^(a+)+$'}\n"
    start = time.perf_counter()
    assert check(schema, "a: " + "a" * 5000 + "b") == [("KL260", 6, 6)]
    assert time.perf_counter() - start < 5


# The pattern controller-gen writes for resource.Quantity fields.
NUMBER = r"(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))"
QUANTITY = rf"^(\+|-)?{NUMBER}(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?{NUMBER}))?$"


def test_pattern_on_int_or_string_applies_to_strings_only() -> None:
    schema = """\
type: object
properties:
  size:
    anyOf: [{type: integer}, {type: string}]
    pattern: 'QUANTITY'
    x-kubernetes-int-or-string: true
""".replace("QUANTITY", QUANTITY)
    assert check(schema, "size: 10") == []
    assert check(schema, "size: 1Gi") == []
    assert check(schema, "size: 1GB") == [("KL260", 6, 9)]


# ------------------------------------------------------------------------------------------- format KL261

FORMATS = """\
type: object
properties:
  ip4: {type: string, format: ipv4}
  ip6: {type: string, format: ipv6}
  net: {type: string, format: cidr}
  id: {type: string, format: uuid}
  day: {type: string, format: date}
  at: {type: string, format: date-time}
  wait: {type: string, format: duration}
  host: {type: string, format: hostname}
  mac: {type: string, format: mac}
  data: {type: string, format: byte}
  link: {type: string, format: uri}
  color: {type: string, format: hexcolor}
  mail: {type: string, format: email}
  count: {type: integer, format: int32}
  secret: {type: string, format: password}
"""


@pytest.mark.parametrize(("field", "bad", "good"), [
    ("ip4", "10.0.0.300", "10.0.0.30"),
    ("ip6", "fe80::1::2", "fe80::1"),
    ("net", "10.0.0.0", "10.0.0.0/8"),
    ("id", "not-a-uuid", "123e4567-e89b-12d3-a456-426614174000"),
    ("day", "2024-02-30", "2024-02-29"),
    ("at", "2024-02-01", "2024-02-01T10:00:00Z"),
    ("wait", "soon", "1h30m"),
    ("host", "-bad-", "api.example.com"),
    ("mac", "00:11:22:33:44", "00:11:22:33:44:55"),
    ("data", "not base64!", "aGVsbG8="),
    ("link", "example.com/path", "https://example.com/path"),
    ("color", "#12345", "#123456"),
])
def test_format(field: str, bad: str, good: str) -> None:
    assert check(FORMATS, f'{field}: "{bad}"') == [("KL261", 6, len(field) + 5)]
    assert check(FORMATS, f'{field}: "{good}"') == []


def test_formats_the_api_server_does_not_validate_are_ignored() -> None:
    # email is left alone (Go's net/mail is not mirrored); int32 and password are stripped from CRD schemas,
    # so a custom resource's integer is not range-checked as int32 either.
    assert check(FORMATS, 'mail: "not an address"\ncount: 99999999999\nsecret: "x"') == []
    assert format_valid("int32", "x") is None and format_valid("float", "x") is None
    assert format_valid("password", "anything") is True


def test_format_checks_accept_what_go_accepts() -> None:
    # Corners where Go's parsers and Python's differ are "cannot tell" (None): never reported, never judged.
    assert format_valid("ipv4", "010.001.002.003") is None  # netutils.ParseIPSloppy takes leading zeros
    assert format_valid("ipv4", "::ffff:1.2.3.4") is None
    assert format_valid("ipv6", "fe80::1%eth0") is None
    assert format_valid("duration", "3 days") is None  # kube-openapi's Scala-style durations
    assert format_valid("datetime", "2024-02-01 10:00") is None
    assert format_valid("byte", "") is None
    assert format_valid("uri", "/relative/to/root") is True and format_valid("uri", "*") is True
    assert format_valid("uri", "https://example.com/a%20b") is None
    assert format_valid("uuid", "123E4567E89B12D3A456426614174000") is True
    assert format_valid("uuid", "123e4567-e89b-12d3-a456-426614174000\n") is None
    assert format_valid("datetime", "2024-02-01T10:00:00.5+02:00") is True
    assert format_valid("hostname", "api.example.com") is True
    assert format_valid("hostname", "host.example.c0m") is None  # kube-openapi releases differ on such TLDs
    assert format_valid("ipv4", "1.2.3.4") is True and format_valid("cidr", "10.0.0.0/8") is True


# ------------------------------------------------------------------------------------------- length KL262

LENGTH = "type: object\nproperties:\n  name: {type: string, minLength: 2, maxLength: 5}\n"


def test_string_length_counts_characters_not_bytes() -> None:
    assert check(LENGTH, "name: ééééé") == []  # 5 characters, 10 bytes
    assert check(LENGTH, "name: abcdef") == [("KL262", 6, 9)]
    assert check(LENGTH, "name: a") == [("KL262", 6, 9)]
    [f] = messages(LENGTH, "name: abcdef")
    assert f.message.startswith("Too long: may not be longer than 5")


# -------------------------------------------------------------------------------------------- range KL263

RANGE = """\
type: object
properties:
  replicas: {type: integer, minimum: 1, maximum: 10}
  ratio: {type: number, minimum: 0, maximum: 1, exclusiveMaximum: true}
  step: {type: number, multipleOf: 0.1}
  port: {type: integer, multipleOf: 5}
"""


def test_bounds_and_multiple_of() -> None:
    assert check(RANGE, "replicas: 0") == [("KL263", 6, 13)]
    assert check(RANGE, "replicas: 11") == [("KL263", 6, 13)]
    assert check(RANGE, "replicas: 10\nratio: 0.5") == []
    assert check(RANGE, "ratio: 1") == [("KL263", 6, 10)]
    assert check(RANGE, "step: 0.3\nport: 80") == []  # 0.3 / 0.1 is 2.9999999999999996: a multiple all the same
    assert check(RANGE, "step: 0.35") == [("KL263", 6, 9)]
    assert check(RANGE, "port: 81") == [("KL263", 6, 9)]
    [f] = messages(RANGE, "replicas: 0")
    assert f.message.startswith("Invalid value: 0: spec.replicas in body should be greater than or equal to 1")
    # Reported once, under the CRD's code (the schema walk leaves custom resources' bounds to this rule).
    assert [x.code for x in messages(RANGE, "replicas: 11")] == ["KL263"]


# ------------------------------------------------------------------------------------- items KL264 / KL265

COUNTS = """\
type: object
properties:
  hosts: {type: array, minItems: 1, maxItems: 2, items: {type: string}}
  selector: {type: object, minProperties: 1, maxProperties: 2, additionalProperties: {type: string}}
"""


def test_item_and_property_counts_are_reported_on_the_key() -> None:
    assert check(COUNTS, "hosts: [a, b, c]") == [("KL264", 6, 3)]
    assert check(COUNTS, "hosts: []") == [("KL264", 6, 3)]
    assert check(COUNTS, "selector: {a: p, b: q, c: r}") == [("KL265", 6, 3)]
    assert check(COUNTS, "selector: {}") == [("KL265", 6, 3)]
    assert check(COUNTS, "hosts: [a]\nselector: {a: p}") == []


# -------------------------------------------------------------------------------------- duplicates KL266

LISTS = """\
type: object
properties:
  tags: {type: array, x-kubernetes-list-type: set, items: {type: string}}
  ports:
    type: array
    x-kubernetes-list-type: map
    x-kubernetes-list-map-keys: [port, protocol]
    items:
      type: object
      required: [port]
      properties:
        port: {type: integer}
        protocol: {type: string, default: TCP}
        name: {type: string}
  plain: {type: array, items: {type: string}}
"""


def test_set_duplicates_are_reported_on_the_repeated_item() -> None:
    assert check(LISTS, "tags: [a, b, a]") == [("KL266", 6, 16)]
    assert check(LISTS, "tags: [a, b]\nplain: [a, a]") == []  # a list without a list type may repeat
    [f] = messages(LISTS, "tags: [a, b, a]")
    assert f.message.startswith("Duplicate value: a: spec.tags[2] repeats spec.tags[0]")


def test_map_duplicates_count_defaults_of_missing_keys() -> None:
    spec = """\
ports:
  - port: 80
    name: a
  - port: 80
    protocol: TCP
    name: b
  - port: 80
    protocol: UDP
"""
    assert check(LISTS, spec) == [("KL266", 9, 7)]
    [f] = messages(LISTS, spec)
    assert f.path == "spec.ports[1]" and 'Duplicate value: {port: 80, protocol: "TCP"}' in f.message


# -------------------------------------------------------------------------------------------- nulls KL267

NULLS = """\
type: object
properties:
  hosts: {type: array, items: {type: string}}
  maybe: {type: array, items: {type: string, nullable: true}}
  name: {type: string}
"""


def test_null_list_items_are_rejected_unless_nullable_but_null_fields_are_pruned() -> None:
    assert check(NULLS, "hosts: [a, null]") == [("KL267", 6, 14)]
    assert check(NULLS, "hosts:\n  - a\n  -\n") == [("KL267", 8, 5)]
    assert check(NULLS, "maybe: [a, null]\nname: null") == []


# -------------------------------------------------------------------------------------- combinators KL268

COMBINATORS = """\
type: object
properties:
  url: {type: string}
  service: {type: string}
  kind: {type: string, default: A}
  other: {type: string}
oneOf:
  - required: [url]
  - required: [service]
anyOf:
  - properties: {kind: {enum: [A, B]}}
  - required: [other]
not:
  required: [other, url]
"""


def test_one_of_any_of_not() -> None:
    assert check(COMBINATORS, "url: x") == []
    assert check(COMBINATORS, "url: x\nservice: svc") == [("KL268", 5, 1)]
    assert check(COMBINATORS, "other: z") == [("KL268", 5, 1)]  # neither url nor service
    assert check(COMBINATORS, "service: svc\nkind: C") == [("KL268", 5, 1)]  # anyOf: kind not A/B, no other
    assert check(COMBINATORS, "service: svc\nkind: C\nother: z") == []
    assert check(COMBINATORS, "url: x\nother: z") == [("KL268", 5, 1)]  # not
    fs = messages(COMBINATORS, "url: x\nservice: svc")
    assert "must validate one and only one schema (oneOf)" in fs[0].message


def test_a_branch_this_checker_cannot_judge_reports_nothing() -> None:
    schema = """\
type: object
properties:
  a: {type: string}
oneOf:
  - properties: {a: {pattern: '(?=lookahead)'}}
  - required: [a]
"""
    assert check(schema, "a: x") == []


def test_defaults_count_in_branches() -> None:
    # Gateway API's addresses: `type` defaults to IPAddress, and then the value must be an IP.
    schema = """\
type: object
properties:
  address:
    type: object
    properties:
      type: {type: string, default: IPAddress}
      value: {type: string}
    oneOf:
      - properties:
          type: {enum: [IPAddress]}
          value: {anyOf: [{format: ipv4}, {format: ipv6}]}
      - properties:
          type: {not: {enum: [IPAddress]}}
"""
    assert check(schema, "address: {value: 1.2.3.4}") == []
    assert check(schema, "address: {type: Hostname, value: example.com}") == []
    assert check(schema, "address: {value: example.com}") == [("KL268", 6, 3)]


# ------------------------------------------------------------------------------------------------ enum

def test_non_string_enums_are_checked_for_custom_resources() -> None:
    schema = "type: object\nproperties:\n  level: {type: integer, enum: [1, 2, 3]}\n"
    assert check(schema, "level: 2") == []
    assert check(schema, "level: 7") == [("KL202", 6, 10)]


# ---------------------------------------------------------------------------------------- required+default

def test_a_required_field_with_a_default_may_be_missing() -> None:
    schema = """\
type: object
required: [mode, name]
properties:
  mode: {type: string, default: Fast}
  name: {type: string}
"""
    assert check(schema, "name: x") == []
    assert check(schema, "mode: Slow") == [("KL203", 5, 1)]


# ------------------------------------------------------------------------------------------- CEL KL269

CEL = """\
type: object
properties:
  minReplicas: {type: integer}
  maxReplicas: {type: integer, default: 10}
  name: {type: string}
  mode: {type: string}
  tags: {type: array, items: {type: string}}
  my-field: {type: string}
x-kubernetes-validations:
  - rule: self.minReplicas <= self.maxReplicas
    message: minReplicas must not exceed maxReplicas
    fieldPath: .minReplicas
  - rule: "!has(self.name) || self.name.lowerAscii() == self.name"
    messageExpression: "'name ' + self.name + ' must be lower case'"
  - rule: "!has(self.tags) || self.tags.all(t, t.startsWith('x-'))"
    reason: FieldValueForbidden
  - rule: "!has(self.my__dash__field) || self.my__dash__field.size() < 4"
"""


def test_failing_rule_reports_its_message_at_its_field_path() -> None:
    assert check(CEL, "minReplicas: 11") == [("KL269", 6, 16)]  # maxReplicas defaults to 10
    [f] = messages(CEL, "minReplicas: 11")
    assert f.message.startswith("Invalid value: minReplicas must not exceed maxReplicas")
    assert f.path == "spec.minReplicas" and f.severity == Severity.ERROR
    assert check(CEL, "minReplicas: 3") == []


def test_message_expression_reason_and_default_message() -> None:
    [f] = messages(CEL, "minReplicas: 1\nname: Web")
    assert f.message.startswith("Invalid value: name Web must be lower case")
    [f] = messages(CEL, "minReplicas: 1\ntags: [x-a, b]")
    assert f.message.startswith("Forbidden: failed rule: !has(self.tags) || self.tags.all")
    assert check(CEL, "minReplicas: 1\ntags: [x-a, b]") == [("KL269", 5, 1)]  # on `spec`, where the rule is


def test_property_names_are_escaped_as_kubernetes_does() -> None:
    assert check(CEL, "minReplicas: 1\nmy-field: abcdef") == [("KL269", 5, 1)]
    assert escape_cel_name("my-field") == "my__dash__field" and escape_cel_name("namespace") == "__namespace__"
    assert escape_cel_name("a.b") == "a__dot__b" and escape_cel_name("x__y") == "x__underscores__y"


@pytest.mark.parametrize("rule", [
    "quantity(self.size).asInteger() > 0",  # Kubernetes library function not mirrored
    "ip(self.size).family() == 4",
    "self.size == oldSelf.size",  # transition rule
    "self.missing == 'x'",  # no such key: an evaluation error
    "self.size +",  # syntax error
    "self.size",  # not a bool
    "(" * 40 + "false" + ")" * 40,  # nests deeper than the parser allows
])
def test_a_rule_that_cannot_be_evaluated_never_yields_an_error(rule: str) -> None:
    schema = f"""\
type: object
properties:
  size: {{type: string}}
x-kubernetes-validations:
  - rule: {rule!r}
"""
    assert check(schema, "size: 1Gi") == []
    # With KL270 switched on, it says it was not evaluated, as information.
    fs = messages(schema, "size: 1Gi", with_rule_on("KL270"))
    assert [(f.code, f.severity) for f in fs] == [("KL270", Severity.INFO)]
    assert "was not evaluated" in fs[0].message


def test_timestamps_and_durations_are_not_evaluated() -> None:
    schema = """\
type: object
properties:
  at: {type: string, format: date-time}
x-kubernetes-validations:
  - rule: self.at == '2024-01-01T00:00:00Z'
"""
    assert check(schema, "at: 2025-01-01T00:00:00Z") == []


def test_optional_syntax_and_string_extensions_evaluate() -> None:
    schema = """\
type: object
properties:
  name: {type: string}
  parts: {type: string}
x-kubernetes-validations:
  - rule: self.?name.orValue('') != 'forbidden'
  - rule: "!has(self.parts) || self.parts.split(',').size() <= 2"
"""
    assert check(schema, "name: ok\nparts: a,b") == []
    assert [c for c, _, _ in check(schema, "name: forbidden\nparts: a,b,c")] == ["KL269", "KL269"]


def test_rules_on_the_root_see_metadata_name_and_kind() -> None:
    versions = """\
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-validations:
            - rule: self.metadata.name.startsWith('w-') && self.kind == 'Widget'
              message: the name must start with w-
          properties:
            spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
"""
    text = crd("", versions=versions) + "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: NAME\nspec: {}\n"
    assert [f.code for f in findings(text.replace("NAME", "w-1"))] == []
    assert [f.code for f in findings(text.replace("NAME", "x-1"))] == ["KL269"]


def test_hostile_rules_are_bounded() -> None:
    items = ", ".join(str(i) for i in range(200))
    schema = f"""\
type: object
properties:
  xs: {{type: array, items: {{type: integer}}}}
x-kubernetes-validations:
  - rule: self.xs.all(a, self.xs.all(b, self.xs.all(c, self.xs.all(d, a + b + c + d >= 0))))
  - rule: {json.dumps("'a' + " * 3000 + "'a' != 'b'")}
  - rule: {json.dumps("(" * 200 + "false" + ")" * 200)}
  - rule: {json.dumps("self.xs.all(a, !(string(a) + '" + "a" * 40 + "b').matches('^(a+)+$'))")}
"""
    start = time.perf_counter()
    # The first exhausts the interpreter's iteration budget (200^4): not evaluated, so not reported; the others
    # evaluate (to true) in bounded time.
    assert check(schema, f"xs: [{items}]") == []
    assert time.perf_counter() - start < 10
    fs = messages(schema, f"xs: [{items}]", with_rule_on("KL270"))
    assert [f.code for f in fs] == ["KL270", "KL270", "KL270"]
    assert "budget" in fs[0].message.lower() and "longer than" in fs[1].message


def test_cel_availability() -> None:
    assert cel.available()
    assert cel.search("^a", "abc") is True and cel.search("^a", "bc") is False and cel.search("(", "x") is None


# ---------------------------------------------------------------------------------- versions KL271 / 272

VERSIONS = """\
  versions:
    - name: v1alpha1
      served: false
      storage: false
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
    - name: v1beta1
      served: true
      storage: false
      deprecated: true
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
    - name: v1beta2
      served: true
      storage: false
      deprecated: true
      deprecationWarning: use example.com/v1 Widget instead
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
"""


@pytest.mark.parametrize(("version", "code", "severity", "text"), [
    ("v1alpha1", "KL271", Severity.ERROR, "version v1alpha1 of widgets.example.com is not served"),
    ("v1beta1", "KL272", Severity.WARNING, "the API server warns: example.com/v1beta1 Widget is deprecated"),
    ("v1beta2", "KL272", Severity.WARNING, "the API server warns: use example.com/v1 Widget instead"),
])
def test_unserved_and_deprecated_versions(version: str, code: str, severity: Severity, text: str) -> None:
    head = crd("", versions=VERSIONS)
    fs = findings(head + widget("a: 1", version))
    assert [(f.code, f.severity) for f in fs] == [(code, severity)]
    assert fs[0].message.startswith(text)
    assert fs[0].span.start.line == head.count("\n") and fs[0].span.start.col == 12  # on the apiVersion value
    assert findings(head + widget("a: 1", "v1")) == []


# ------------------------------------------------------------------------------------ real CRDs: Gateway API

def _gateway_engine() -> Engine:
    from kube_lsp.parsing.loader import parse_stream
    from kube_lsp.schema.crds import crds_in

    schemas = []
    for path in sorted((FIXTURES / "crds").glob("*.yaml")):
        schemas.extend(crds_in(parse_stream(path.read_text()), str(path)))
    return Engine().with_crds(schemas)


@pytest.fixture(scope="module")
def gateway() -> Engine:
    return _gateway_engine()


@pytest.mark.parametrize("path", sorted((FIXTURES / "valid").rglob("*.yaml")), ids=lambda p: p.name)
def test_gateway_api_examples_are_clean(gateway: Engine, path: Path) -> None:
    fs = gateway.analyse(path.read_text(), origin=str(path)).findings
    assert [f for f in fs if f.severity <= Severity.WARNING] == []


@pytest.mark.parametrize("path", sorted((FIXTURES / "invalid").rglob("*.yaml")), ids=lambda p: p.name)
def test_gateway_api_invalid_examples_are_rejected(gateway: Engine, path: Path) -> None:
    fs = gateway.analyse(path.read_text(), origin=str(path)).findings
    assert any(f.severity == Severity.ERROR for f in fs), path


def test_gateway_api_cel_rules_are_evaluated(gateway: Engine) -> None:
    text = (FIXTURES / "invalid" / "gateway" / "duplicate-listeners.yaml").read_text()
    fs = gateway.analyse(text, origin="x.yaml", workspace=False).findings
    assert any(f.code == "KL269" and "Listener name must be unique within the Gateway" in f.message for f in fs)
    text = (FIXTURES / "invalid" / "httproute" / "httproute-portless-backend.yaml").read_text()
    fs = gateway.analyse(text, origin="x.yaml", workspace=False).findings
    assert [f.code for f in fs if f.severity == Severity.ERROR] == ["KL269"]
    assert "Must have port for Service reference" in fs[0].message


@pytest.mark.parametrize(("rule", "value", "ok"), [
    ("isIP(self)", "10.0.0.1", True),
    ("isIP(self)", "010.0.0.1", False),  # netip.ParseAddr: no leading zeros
    ("isIP(self)", "::ffff:10.0.0.1", False),  # no IPv4-mapped IPv6
    ("isIP(self)", "fe80::1%eth0", False),  # no zones
    ("isCIDR(self)", "10.0.0.1/8", True),
    ("isCIDR(self)", "10.0.0.1", False),
    ("self.isSorted()", [1, 2, 3], True),
    ("self.isSorted()", ["b", "a"], False),
    ("self.sum() == 6", [1, 2, 3], True),
    ("self.max() == 3", [1, 3], True),
    ("self.min() == 1", [], None),  # an error in Kubernetes too: not evaluated
    ("self.sum() > 0", [2**62, 2**62], None),  # int64 overflow
    ("self.indexOf('b') == 1", "abc", True),  # the strings extension
])
def test_kubernetes_library_functions(rule: str, value: object, ok: bool | None) -> None:
    assert cel.evaluate(rule, value, 4).ok is ok


def test_status_is_not_checked_when_the_crd_has_the_status_subresource() -> None:
    versions = """\
  versions:
    - name: v1
      served: true
      storage: true
      subresources: {status: {}}
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-validations:
            - rule: "!has(self.status)"
          properties:
            status:
              type: object
              properties:
                phase: {type: string, pattern: '^[A-Z]'}
"""
    cr = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nstatus:\n  phase: ready\n"
    assert findings(crd("", versions=versions) + cr) == []
    without = versions.replace("      subresources: {status: {}}\n", "")
    assert sorted(f.code for f in findings(crd("", versions=without) + cr)) == ["KL260", "KL269"]


def test_patches_skip_what_the_base_may_complete() -> None:
    text = crd(COMBINATORS) + widget("other: z")
    assert [f.code for f in findings(text, partial=True)] == []
    assert [f.code for f in findings(crd(COUNTS) + widget("selector: {}"), partial=True)] == []
    assert [f.code for f in findings(crd(COUNTS) + widget("hosts: [a, b, c]"), partial=True)] == ["KL264"]


def test_cel_sees_nulls_as_the_api_server_leaves_them() -> None:
    schema = """\
type: object
properties:
  a: {type: string, nullable: true}
  b: {type: string}
  c: {type: string, default: x}
x-kubernetes-validations:
  - rule: has(self.a) && self.a == null
    message: a kept
  - rule: "!has(self.b)"
    message: b pruned
  - rule: self.c == 'x'
    message: c defaulted
"""
    assert check(schema, "a: null\nb: null\nc: null") == []
    assert [f.message.split(" (")[0] for f in messages(schema, "b: y2\nc: z")] == [
        "Invalid value: a kept", "Invalid value: b pruned", "Invalid value: c defaulted"]


@pytest.mark.parametrize(("rule", "value", "ok"), [
    ('self.find("^([^/]+)") == "karpenter.sh"', "karpenter.sh/capacity", True),
    ('self.find("[0-9]+") == ""', "abc", True),
    ('self.findAll("[0-9]+") == ["1", "22"]', "a1b22", True),
    ('self.findAll("[0-9]+", 1) == ["1"]', "a1b22", True),
    ('self.findAll("[0-9]*").size() == 2', "a1", None),  # empty matches: Go and Python differ
    ('self.find("(a+)+$") == ""', "aaab", None),  # would backtrack: RE2 only
    ('self.find("[[:alpha:]]+") == "ab"', "ab1", None),  # POSIX class: RE2 only
    ('self.find("a") == "a"', "é a", None),  # non-ASCII text
])
def test_regex_library(rule: str, value: object, ok: bool | None) -> None:
    assert cel.evaluate(rule, value, 1).ok is ok


def test_karpenter_nodepool_rules() -> None:
    from kube_lsp.parsing.loader import parse_stream
    from kube_lsp.schema.crds import crds_in

    crd_path = Path(__file__).parent / "fixtures" / "karpenter" / "karpenter.sh_nodepools.yaml"
    engine = Engine().with_crds(crds_in(parse_stream(crd_path.read_text()), str(crd_path)))
    good = (crd_path.parent / "nodepool.yaml").read_text()
    assert [f for f in engine.analyse(good, origin="np.yaml").findings if f.severity <= Severity.WARNING] == []
    bad = good.replace("        team: web", "        karpenter.sh/team: web")
    fs = [f for f in engine.analyse(bad, origin="np.yaml").findings if f.severity == Severity.ERROR]
    assert [f.code for f in fs] == ["KL269"] and 'label domain "karpenter.sh" is restricted' in fs[0].message
    assert fs[0].span.start.line == 7  # on `labels`, where the rule is attached


def test_rules_comparing_set_lists_are_not_evaluated() -> None:
    # Kubernetes compares lists of x-kubernetes-list-type set regardless of order; a plain CEL list would not.
    schema = """\
type: object
properties:
  tags: {type: array, x-kubernetes-list-type: set, items: {type: string}}
x-kubernetes-validations:
  - rule: self.tags == ['a', 'b']
  - rule: size(self.tags + ['a']) == 2
  - rule: self.tags.all(t, t in ['a', 'b'])
"""
    assert check(schema, "tags: [b, a]") == []
    assert check(schema, "tags: [b, c]") == [("KL269", 5, 1)]  # the third rule still evaluates


MALFORMED = """\
type: object
x-kubernetes-validations: {rule: notalist}
oneOf: {required: [a]}
anyOf: [1, {required: 5}]
not: [1]
properties:
  a: {type: string, pattern: 5, minLength: x, maxLength: 1.5, format: 7}
  b: {type: integer, minimum: x, maximum: [1], multipleOf: 0}
  c: {type: array, items: [], minItems: -1, x-kubernetes-list-type: map, x-kubernetes-list-map-keys: name}
  d: {type: array, items: {type: object}, x-kubernetes-list-type: map, x-kubernetes-list-map-keys: [1, 2]}
  e:
    type: object
    x-kubernetes-validations:
      - {rule: 5}
      - {rule: "true", fieldPath: 7, message: [1], messageExpression: 3, reason: [x]}
      - {rule: "false", fieldPath: ".a['unclosed", messageExpression: "1 +"}
      - "a string"
  f: {type: string, format: hostname}
"""


def test_malformed_crd_keywords_never_break_the_check() -> None:
    spec = 'a: x\nb: 3\nc: [1]\nd: [{x: 1}, {x: 1}]\ne: {a: 1}\nf: "-bad-"'
    head = crd(MALFORMED)
    all_findings = findings(head + widget(spec))
    assert "KL000" not in [f.code for f in all_findings]
    fs = [f for f in all_findings if f.span.start.line >= head.count("\n")]  # the CRD's own are KL201s
    # `false` fails (its messageExpression does not evaluate) and the hostname is bad; nothing else is judged.
    assert [f.code for f in fs] == ["KL269", "KL261"]
    assert fs[0].message.startswith("Invalid value: failed rule: false")


@pytest.mark.parametrize("schema", [
    "type: object\nproperties: [1]\n",
    "type: [{}]\n",
    "type: object\nproperties:\n  a: 5\n  b: {type: array, items: 5}\n  c: {type: object, additionalProperties: 7}\n",
    "type: object\nrequired: a\nproperties: {a: {type: string, enum: 5}}\n",
    "type: object\nproperties:\n  a: {type: array, x-kubernetes-list-type: set, items: {type: string}, maxItems: x}\n",
])
def test_more_malformed_schemas_never_break_the_check(schema: str) -> None:
    fs = findings(crd(schema) + widget("a: [x, x]\nb: [1]\nc: {k: v}"))
    assert "KL000" not in [f.code for f in fs]


def test_a_branch_with_a_format_this_checker_leaves_alone_is_not_judged() -> None:
    schema = """\
type: object
properties:
  contact:
    type: string
    oneOf: [{format: email}, {format: hostname}]
    not: {format: email}
"""
    assert check(schema, "contact: admin@example.com") == []


def test_nested_defaults_count_in_branches() -> None:
    schema = """\
type: object
properties:
  listener:
    type: object
    properties:
      tls:
        type: object
        properties:
          mode: {type: string, default: Terminate}
          certificateRef: {type: string}
oneOf:
  - properties: {listener: {properties: {tls: {properties: {mode: {enum: [Terminate]}}, required: [certificateRef]}}}}
  - properties: {listener: {properties: {tls: {properties: {mode: {enum: [Passthrough]}}}}}}
"""
    assert check(schema, "listener: {tls: {certificateRef: c}}") == []  # mode defaults to Terminate: first only
    assert check(schema, "listener: {tls: {mode: Passthrough}}") == []
    assert check(schema, "listener: {tls: {}}") == [("KL268", 5, 1)]  # Terminate without certificateRef: none


def test_a_defaulted_object_gets_its_own_defaults_in_cel() -> None:
    schema = """\
type: object
properties:
  tls:
    type: object
    default: {}
    properties:
      mode: {type: string, default: Terminate}
x-kubernetes-validations:
  - rule: has(self.tls.mode) && self.tls.mode == 'Terminate'
"""
    assert check(schema, "other: 1") == [("KL200", 6, 3)]  # only the unknown field: the rule passes
    assert check(schema, "tls: {mode: Passthrough}") == [("KL269", 5, 1)]


def test_cli_checks_custom_resources_against_crds_in_other_files(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    (tmp_path / "crds").mkdir()
    for name in ("gateway.networking.k8s.io_httproutes.yaml",):
        (tmp_path / "crds" / name).write_text((FIXTURES / "crds" / name).read_text())
    bad = FIXTURES / "invalid" / "httproute" / "invalid-backend-port.yaml"
    (tmp_path / "route.yaml").write_text(bad.read_text())
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-m", "kube_lsp", "check", "--no-cache", "--format", "concise", "."],
                       capture_output=True, text=True, cwd=tmp_path, env=env, check=False)
    assert r.returncode == 1
    [line] = [x for x in r.stdout.splitlines() if "error" in x]
    assert line.startswith("route.yaml:9:13: error KL263 Invalid value: 800080: spec.rules[0].backendRefs[0].port in "
                           "body should be less than or equal to 65535 (CRD httproutes.gateway.networking.k8s.io, ")


@pytest.mark.parametrize(("rule", "value", "ok"), [
    ("quantity(self).isGreaterThan(quantity('1Mi'))", "1Gi", True),
    ("quantity(self).isLessThan(quantity('1Mi'))", "1Gi", False),
    ("quantity(self) == quantity('1024Mi')", "1Gi", True),  # equal values, as Quantity.Equal
    ("quantity(self).compareTo(quantity('1')) == 1", "1500m", True),
    ("quantity(self).add(quantity('500m')) == quantity('2')", "1500m", True),
    ("quantity(self).sub(1).sign() == 0", "1", True),
    ("isQuantity(self)", "1GB", False),
    ("quantity(self).sign() == 1", "junk", None),  # an invalid quantity is an error: not evaluated
    ("quantity(self).sign() == 1", "0.0000000001", None),  # finer than nano: the API server rounds it
    ("quantity(self).asInteger() == 1", "1", None),  # not mirrored
])
def test_quantity_library(rule: str, value: object, ok: bool | None) -> None:
    assert cel.evaluate(rule, value, 1).ok is ok


def test_not_branches_are_judged_only_on_certain_format_verdicts() -> None:
    schema = """\
type: object
properties:
  address:
    type: string
    not: {format: ipv4}
"""
    assert check(schema, "address: 010.0.0.1") == []  # leading zeros: Go's parsers disagree, so no verdict
    assert check(schema, "address: 10.0.0.1") == [("KL268", 6, 12)]
    assert check(schema, "address: example.com") == []


@pytest.mark.parametrize(("rule", "value", "ok"), [
    ("sets.contains(self, ['a'])", ["a", "b"], True),
    ("sets.contains(self, ['c'])", ["a", "b"], False),
    ("sets.equivalent(self, ['b', 'a', 'a'])", ["a", "b"], True),
    ("sets.intersects(self, [2.0])", [1, 2], True),  # CEL's numeric equality
    ("sets.contains(self, [true])", [1], None),  # Python's True == 1 is not CEL's: not evaluated
])
def test_sets_library(rule: str, value: object, ok: bool | None) -> None:
    assert cel.evaluate(rule, value, 3).ok is ok


def test_rules_do_not_evaluate_values_of_the_wrong_type() -> None:
    schema = """\
type: object
properties:
  port: {type: integer}
x-kubernetes-validations:
  - rule: self.port == 80
"""
    assert [c for c, _, _ in check(schema, 'port: "80"')] == ["KL201"]  # the type error only
    assert check(schema, "port: 81") == [("KL269", 5, 1)]


@pytest.mark.parametrize(("rule", "value", "ok"), [
    ("isURL(self)", "https://example.com/x", True),
    ("isURL(self)", "example.com", False),  # url.ParseRequestURI: neither absolute URI nor absolute path
    ("isURL(self)", "https://exa%20mple.com", None),  # escapes: Go's parser is not mirrored
    ("isURL(self)", "localhost:5000/x", None),  # an opaque URI
    ("url(self).getScheme() == 'https'", "HTTPS://example.com:8443/a", True),
    ("url(self).getHostname() == 'example.com' && url(self).getPort() == '8443'", "https://example.com:8443/a", True),
    ("url(self).getEscapedPath() == '/a/b'", "https://example.com/a/b?x=1", True),
    # Istio's rule for image URLs.
    ('isURL(self) ? (url(self).getScheme() in ["", "http", "https", "file", "oci"]) : (isURL("http://" + self) && '
     'url("http://" + self).getScheme() in ["", "http", "https", "file", "oci"])', "gcr.io/x/y:1", True),
])
def test_url_library(rule: str, value: object, ok: bool | None) -> None:
    assert cel.evaluate(rule, value, 1).ok is ok


def test_without_the_cel_binding_nothing_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    # Where cel-expr-python has no wheel (musl, PyPy), patterns, hostnames and CEL rules are simply not checked.
    monkeypatch.setattr(cel, "_cel", None)
    for cached in (cel._env, cel._compiled, cel.regex_ok, cel.search, cel._python_regex):
        cached.cache_clear()
    try:
        assert not cel.available()
        assert check(PATTERN, "name: Web") == []
        assert check(CEL, "minReplicas: 11") == []
        assert check(FORMATS, 'host: "-bad-"') == []
        assert check(RANGE, "replicas: 0") == [("KL263", 6, 13)]  # the rest still works
    finally:
        for cached in (cel._env, cel._compiled, cel.regex_ok, cel.search, cel._python_regex):
            cached.cache_clear()
