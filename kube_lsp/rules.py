"""The rule registry: every finding's code, name, default severity, summary and documentation.

Codes are an API: never renumbered or reused. `example` must produce the rule's finding and
`use_instead` must not (tests/test_rules_meta.py runs them), and the README's rule table is generated
from this registry (`kube-lsp rules --markdown`).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from kube_lsp.model import Severity


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str
    explanation: str
    example: str
    use_instead: str
    fix: str = ""

    @property
    def url(self) -> str:
        return f"https://github.com/kube-lsp/kube-lsp/blob/main/docs/rules.md#{self.code.lower()}"


_CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: {type: integer}
"""
_WIDGET = """apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  size: 3
"""
_POD = """apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
"""

ALL_RULES: Final[tuple[Rule, ...]] = (
    Rule(
        "KL000", "internal-error", Severity.ERROR,
        "kube-lsp failed while analysing this document",
        "An unexpected error inside kube-lsp. The rest of the file is still analysed. Please report it.",
        "", "",
    ),
    Rule(
        "KL100", "yaml-syntax", Severity.ERROR,
        "The document is not valid YAML",
        "The YAML parser cannot read this document, so kubectl cannot either. The finding names the line "
        "that is most likely wrong; for indentation problems it says which columns would line up.",
        _POD.replace("  name: web\nspec", "  name: web\n   spec"),
        _POD,
    ),
    Rule(
        "KL101", "tab-indentation", Severity.ERROR,
        "A tab character is used for indentation",
        "YAML forbids tabs in indentation. The fix replaces them with spaces at the file's indentation width.",
        _POD.replace("    - name: web", "\t- name: web"),
        _POD,
        fix="Replaces the tabs with spaces (safe).",
    ),
    Rule(
        "KL102", "duplicate-key", Severity.ERROR,
        "A key appears twice in the same mapping",
        "kubectl and the API server reject a mapping with a repeated key; even tools that accept it keep "
        "only one of the values. The finding is on the second occurrence and names the first.",
        _POD.replace("  name: web\n", "  name: web\n  name: api\n", 1),
        _POD,
    ),
    Rule(
        "KL103", "wrong-indentation-level", Severity.ERROR,
        "A key is valid one level up or down from where it is indented",
        "The key is not a field of the mapping it sits in, but it is a field of the parent or of a "
        "neighbouring child mapping: most likely its block is indented one level off.",
        _POD.replace("    - name: web\n      image: nginx:1.27\n", "    - name: web\n  image: nginx:1.27\n"),
        _POD,
        fix="Re-indents the whole block to where it belongs.",
    ),
    Rule(
        "KL104", "unreadable-input", Severity.ERROR,
        "The input cannot be analysed safely",
        "Binary content, text that is not UTF-8, nesting deeper than 200 levels, aliases that expand "
        "to millions of nodes ('billion laughs') or files over the size limit are reported once and "
        "skipped, never crash or hang the checker. So are paths that cannot be read at all: a broken "
        "symbolic link or a link loop, a file or directory without read permission, a named pipe or "
        "device found in a directory; the other files are still checked. In the editor, a lone UTF-16 "
        "surrogate sent by the client (JSON allows \"\\ud800\", no file can hold it) is reported where it is, "
        "read as U+FFFD, and the rest of the text is checked.",
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
            f"{c}: &{c} [" + ", ".join([f"*{p}"] * 10) + "]\n" for p, c in zip("abcdef", "bcdefg", strict=True)
        ),
        _POD,
    ),
    Rule(
        "KL200", "unknown-field", Severity.ERROR,
        "A field that the object's schema does not have",
        "The API server's strict field validation (the default of kubectl since 1.27) rejects unknown "
        "fields; older clients silently drop them, which is worse. When a field with a similar name "
        "exists, the finding suggests it and the fix renames the key.",
        _POD.replace("containers:", "contianers:"),
        _POD,
        fix="Renames the key to the suggested field (safe).",
    ),
    Rule(
        "KL201", "wrong-type", Severity.ERROR,
        "A value has the wrong type",
        "The API server decodes manifests strictly: a string where an integer is required, a mapping "
        "where a list is required, or a number where a string is required is rejected. YAML 1.1 "
        "rules apply as in kubectl: `yes`, `no`, `on`, `off` and a lone `y` or `n` are booleans.",
        _POD.replace("image: nginx:1.27", "image: nginx:1.27\n      ports:\n        - containerPort: \"80\""),
        _POD.replace("image: nginx:1.27", "image: nginx:1.27\n      ports:\n        - containerPort: 80"),
        fix="Removes quotes around a number, or quotes a number where a string is required (safe).",
    ),
    Rule(
        "KL202", "value-not-allowed", Severity.ERROR,
        "A value outside the field's closed set of values",
        "Fields such as `imagePullPolicy`, `restartPolicy`, port `protocol` or Service `type` accept "
        "only a fixed set of values, compared case-sensitively by the API server.",
        _POD.replace("image: nginx:1.27", "image: nginx:1.27\n      imagePullPolicy: always"),
        _POD.replace("image: nginx:1.27", "image: nginx:1.27\n      imagePullPolicy: Always"),
        fix="Replaces the value by the allowed one it most resembles (safe).",
    ),
    Rule(
        "KL203", "missing-required-field", Severity.ERROR,
        "A required field is missing or empty",
        "The API server rejects the object when a required field is absent or null. Kustomize patches "
        "are partial objects and are not checked for this.",
        _POD.replace("    - name: web\n      image", "    - image"),
        _POD,
    ),
    Rule(
        "KL204", "unknown-schema", Severity.INFO,
        "No schema is known for this apiVersion and kind",
        "A custom resource whose CustomResourceDefinition is not among the checked files, so only its "
        "YAML syntax is checked. Add the CRD's file to the checked paths to validate it. When a CRD of "
        "that kind is there but does not define the version, the finding is a warning that names the CRD "
        "and the versions it defines: the API server would answer 'no matches for kind'.",
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n",
        _POD,
    ),
    Rule(
        "KL205", "unknown-kind", Severity.ERROR,
        "A Kubernetes API group does not have this kind",
        "The apiVersion belongs to Kubernetes itself, but no kind of that name exists in it.",
        _POD.replace("kind: Pod", "kind: Pd"),
        _POD,
        fix="Replaces the kind by the closest existing one (safe).",
    ),
    Rule(
        "KL206", "ambiguous-crd", Severity.INFO,
        "Several CustomResourceDefinitions define this apiVersion and kind",
        "Two or more CRDs among the checked files define the same group, version and kind (copies of a "
        "chart's CRDs, an old and a new release of one). The custom resource is validated against the "
        "nearest: in the same file, else in the same directory, else under the closest common parent "
        "directory. The finding names the one used; the others are its related information. Every "
        "finding about a custom resource names the CRD it was checked against.",
        _CRD.replace("name: widgets.example.com", "name: widgets.example.com\n  labels: {copy: a}")
        + "---\n" + _CRD.replace("name: widgets.example.com", "name: widgets.example.com\n  labels: {copy: b}")
        + "---\n" + _WIDGET,
        _CRD + "---\n" + _WIDGET,
    ),
    Rule(
        "KL300", "removed-api-version", Severity.ERROR,
        "The apiVersion is not served by the target Kubernetes version",
        "The apiVersion was removed, is not served yet, or never existed for this kind in the target "
        "release; the API server answers 'no matches for kind'. The finding names the release that removed "
        "(or brings) it and an apiVersion that the target serves: not deprecated there if possible, then the "
        "most stable (GA, then beta, then alpha).",
        "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n"
        "    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n"
        "    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n",
        fix="Rewrites the apiVersion to its replacement (review: the new version may need more fields).",
    ),
    Rule(
        "KL301", "deprecated-api-version", Severity.WARNING,
        "The apiVersion is deprecated in the target Kubernetes version",
        "The API server still serves it but warns, and a later release removes it.",
        "apiVersion: v1\nkind: ComponentStatus\nmetadata:\n  name: scheduler\n",
        _POD,
    ),
    Rule(
        "KL900", "dry-run-rejected", Severity.ERROR,
        "The cluster's server-side dry-run rejected the object",
        "The API server validated the object as it would for `kubectl apply --server-side` and refused it "
        "(invalid value, apply conflict, admission webhook, ...). The finding sits on the field the server "
        "named, or on the object's name when it named none. Only reported by `dry-run` runs.",
        "", "",
    ),
    Rule(
        "KL901", "dry-run-warning", Severity.WARNING,
        "The API server answered the dry-run with a warning",
        "Warnings such as deprecated APIs or unknown fields that the cluster accepted but reported.",
        "", "",
    ),
    Rule(
        "KL902", "not-served-by-cluster", Severity.ERROR,
        "The cluster does not serve this apiVersion and kind",
        "The cluster has no such resource: a CustomResourceDefinition is not installed, or the API was "
        "removed from the cluster's version.",
        "", "",
    ),
    Rule(
        "KL903", "cluster-access-denied", Severity.ERROR,
        "The cluster refused the request (credentials or RBAC)",
        "401 or 403: the finding names the verb and resource that RBAC refused; a dry-run needs the same "
        "permissions as a real apply.",
        "", "",
    ),
)

BY_CODE: Final = MappingProxyType({r.code: r for r in ALL_RULES})
BY_NAME: Final = MappingProxyType({r.name: r for r in ALL_RULES})


def find_rule(code_or_name: str) -> Rule | None:
    return BY_CODE.get(code_or_name.upper()) or BY_NAME.get(code_or_name.lower())


def rule_names() -> list[str]:
    """Every rule's code and name: what configuration and suppressions accept."""
    return [*BY_CODE, *BY_NAME]


def markdown_table() -> str:
    lines = ["| Code | Name | Default | What it catches |", "| --- | --- | --- | --- |"]
    for r in ALL_RULES:
        lines.append(f"| {r.code} | `{r.name}` | {r.severity.label} | {r.summary} |")
    return "\n".join(lines) + "\n"


def markdown_docs() -> str:
    """docs/rules.md: every rule with its explanation, fix, and a failing and a passing example."""
    out = ["# kube-lsp rules", "", "Generated by `kube-lsp rules --docs`; do not edit by hand.", ""]
    for r in ALL_RULES:
        out += [f'<a id="{r.code.lower()}"></a>', f"## {r.code} `{r.name}` ({r.severity.label})", "",
                f"{r.summary}.", "", r.explanation, ""]
        if r.fix:
            out += [f"**Fix:** {r.fix}", ""]
        if r.example:
            out += ["Example:", "", "```yaml", r.example.rstrip("\n"), "```", "", "Use instead:", "", "```yaml",
                    r.use_instead.rstrip("\n"), "```", ""]
    return "\n".join(out)
