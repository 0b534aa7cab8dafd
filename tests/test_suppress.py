"""Suppressions: the object annotation `kube-lsp.io/ignore`, the comments, and KL499 for unused ones."""

from __future__ import annotations

from kube_lsp.config import Settings
from kube_lsp.engine import Engine
from kube_lsp.fixes import apply_edits
from kube_lsp.model import Finding, Severity
from tests.conftest import codes, where
from tests.conftest import findings as _all_findings


def findings(text: str, engine: Engine | None = None, **kw: object) -> list[Finding]:
    """The findings of `text` as one object's rules see it (the cross-resource rules have their own tests)."""
    return _all_findings(text, engine, **({"workspace": False} | kw))


ANN = '    kube-lsp.io/ignore: "KL401, pss-host-ports # the node agent needs the host network"\n'
POD = """apiVersion: v1
kind: Pod
metadata:
  name: agent
  annotations:
    kube-lsp.io/ignore: "KL401, pss-host-ports # the node agent needs the host network"
spec:
  hostNetwork: true
  containers:
    - name: agent
      image: registry.example.com/agent:1.4.2
      ports:
        - containerPort: 9100
          hostPort: 9100
"""


def test_the_annotation_suppresses_codes_and_names_of_the_whole_object() -> None:
    assert findings(POD) == []
    unsuppressed = POD.replace(ANN, "    team: infra\n")
    assert codes(findings(unsuppressed)) == ["KL401", "KL405"]
    only_one = POD.replace("KL401, pss-host-ports", "KL401")
    assert where(findings(only_one)) == [("KL405", 14, 21)]


def test_an_unused_annotation_code_is_a_hint_on_the_annotation() -> None:
    text = POD.replace("KL401, pss-host-ports", "KL401, pss-host-ports, KL402")
    fs = findings(text)
    assert where(fs) == [("KL499", 6, 25)]
    assert fs[0].severity == Severity.HINT
    assert fs[0].message == "unused suppression: no KL402 finding in this object to suppress"
    assert fs[0].fixes == ()


def test_each_list_item_has_its_own_annotation() -> None:
    item = "".join(f"    {line}\n" for line in POD.splitlines())
    plain = item.replace("    " + ANN, "        team: infra\n")
    text = "apiVersion: v1\nkind: List\nitems:\n  - " + item[4:] + "  - " + plain[4:]
    assert where(findings(text)) == [("KL401", 25, 20), ("KL405", 31, 25)]


def test_an_unused_comment_is_a_hint_whose_fix_removes_it() -> None:
    text = POD.replace("  name: agent\n", "  name: agent  # kube-lsp: ignore=KL200\n")
    fs = findings(text)
    assert where(fs) == [("KL499", 4, 16)]
    assert fs[0].message == "unused suppression: no KL200 finding on this line to suppress"
    assert apply_edits(text, fs[0].fixes[0].edits) == POD
    whole_line = "# kube-lsp: ignore-document=KL300\n" + POD
    fs = findings(whole_line)
    assert fs[0].message == "unused suppression: no KL300 finding in this document to suppress"
    assert apply_edits(whole_line, fs[0].fixes[0].edits) == POD


def test_an_unknown_rule_in_a_suppression_is_named() -> None:
    text = POD.replace("KL401, pss-host-ports", "KL4O1, pss-host-ports, KL401")
    fs = findings(text)
    assert fs[0].message == "unused suppression: `KL4O1` is no rule (did you mean `KL401`?)"


def test_a_blanket_comment_that_suppresses_nothing_is_reported_and_one_that_does_is_not() -> None:
    text = POD.replace("  name: agent\n", "  name: agent  # kube-lsp: ignore\n")
    assert findings(text)[0].message == "unused suppression: nothing on this line to suppress"
    used = POD.replace("hostNetwork: true", "hostNetwork: true  # kube-lsp: ignore").replace(
        "KL401, pss-host-ports", "pss-host-ports")
    assert findings(used) == []


def test_switched_off_and_cluster_rules_never_count_as_unused() -> None:
    text = POD.replace("KL401, pss-host-ports", "KL401, pss-host-ports, KL421, KL900")
    assert findings(text) == []  # KL421 is opt-in; KL900 comes from dry-run only
    off = Engine(Settings().merged({"rules": {"KL499": "off"}}))
    assert off.analyse(POD.replace("KL401, pss", "KL402, KL401, pss")).findings == []


def test_kl499_itself_can_be_suppressed_for_the_document() -> None:
    text = "# kube-lsp: ignore-document=KL499\n" + POD.replace("KL401, pss-host-ports", "KL401, pss-host-ports, KL402")
    assert findings(text) == []
