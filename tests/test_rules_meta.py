"""The rule registry holds together: unique codes and names, documented examples that behave as documented."""

from __future__ import annotations

import re

import pytest

from kube_lsp.config import Settings
from kube_lsp.engine import Engine
from kube_lsp.rules import ALL_RULES, Rule
from tests.conftest import codes, findings


def test_codes_and_names_are_unique_and_well_formed() -> None:
    assert len({r.code for r in ALL_RULES}) == len(ALL_RULES)
    assert len({r.name for r in ALL_RULES}) == len(ALL_RULES)
    for r in ALL_RULES:
        assert re.fullmatch(r"KL\d{3}", r.code)
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", r.name)


@pytest.mark.parametrize("rule", [r for r in ALL_RULES if r.example], ids=lambda r: r.code)
def test_example_triggers_the_rule_and_use_instead_is_clean(rule: Rule) -> None:
    # An opt-in rule's examples are run with the rule switched on (and everything else as by default).
    engine = Engine() if rule.enabled else Engine(Settings().merged({"rules": {rule.code: rule.severity.label}}))
    assert rule.code in codes(findings(rule.example, engine))
    # An example is one object or a few: the cross-resource rules judge it as a workspace of its own only for
    # their own examples (a Service's example has no pods; that is not what it shows).
    assert findings(rule.use_instead, engine, workspace=rule.workspace_check is not None) == []


def test_every_emitted_code_is_registered() -> None:
    import pathlib

    from kube_lsp.rules import BY_CODE

    src = "".join(p.read_text() for p in pathlib.Path("kube_lsp").rglob("*.py"))
    emitted = set(re.findall(r'"(KL\d{3})"', src))
    assert emitted <= set(BY_CODE)


def test_every_rule_module_is_registered_and_documented() -> None:
    import pathlib

    from kube_lsp.rules import BY_CODE

    modules = {p.stem for p in pathlib.Path("kube_lsp/rules").glob("kl*.py")}
    assert modules == {r.module.rsplit(".", 1)[1] for r in ALL_RULES}
    for r in ALL_RULES:
        assert r.module.rsplit(".", 1)[1].startswith(r.code.lower() + "_"), r.code
        assert BY_CODE[r.code] is r
        docs = r.docs
        assert docs[""] == r.summary + ".", r.code  # the docstring's first line is the summary
        assert docs.get("What it does") and docs.get("Why is this bad?"), r.code
        assert (r.check is None) != (r.emitted_by == ""), f"{r.code}: a check, or says what emits it"
        if r.check is not None or r.workspace_check is not None:
            assert r.example and r.use_instead, f"{r.code}: a checked rule has a failing and a passing example"
