"""Settings: each invalid entry is left out on its own and named (the server), or refused with every problem
named (the CLI's `.kube-lsp.yaml`); the editors' examples use rule names that exist."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kube_lsp.config import ConfigError, Settings, load_config, read_config, read_settings
from kube_lsp.model import Severity
from kube_lsp.rules import find_rule
from tests.conftest import ROOT


def problems(data: dict[str, object], base: Settings | None = None) -> tuple[Settings, list[str]]:
    settings, found = read_settings(data, base, section="kubeLsp")
    return settings, [p.ignored() for p in found]


def test_an_unknown_rule_name_drops_only_its_entry_and_suggests_the_real_name() -> None:
    settings, found = problems({"kubeVersion": "1.28", "rules": {"deprecated-api": "off", "KL202": "warning"}})

    assert found == ["unknown rule `deprecated-api` in kubeLsp.rules — did you mean `deprecated-api-version`? "
                     "It was ignored."]
    assert settings.kube_version == (1, 28)
    assert dict(settings.severities) == {"KL202": Severity.WARNING}


def test_a_bad_severity_drops_only_its_entry() -> None:
    settings, found = problems({"rules": {"KL201": "warn", "KL202": "loud", "wrong-type": "off"}})

    assert found == [
        "unknown severity `warn` for `KL201` in kubeLsp.rules (use error, warning, info, hint or off) — did you "
        "mean `warning`? It was ignored.",
        "unknown severity `loud` for `KL202` in kubeLsp.rules (use error, warning, info, hint or off). It was "
        "ignored.",
    ]
    assert dict(settings.severities) == {"KL201": None}  # wrong-type is KL201: `off` is valid


def test_a_bad_kube_version_drops_only_itself() -> None:
    base = Settings(kube_version=(1, 27))
    settings, found = problems({"kubeVersion": "latest", "rules": {"KL202": "off"}}, base)

    assert found == ["invalid Kubernetes version `latest` in kubeLsp.kubeVersion (use MAJOR.MINOR such as 1.30). "
                     "It was ignored."]
    assert settings.kube_version == (1, 27) and dict(settings.severities) == {"KL202": None}


def test_a_kube_version_that_yaml_read_as_a_number_says_to_quote_it() -> None:
    settings, found = problems({"kubeVersion": 1.3})

    assert found == ['invalid Kubernetes version `1.3` in kubeLsp.kubeVersion (YAML and JSON read 1.30 as the '
                     'number 1.3: write it in quotes, "1.30"). It was ignored.']
    assert settings.kube_version is None
    assert problems({"kubeVersion": 1.29})[0].kube_version == (1, 29)


def test_bad_exclude_entries_are_dropped_one_by_one() -> None:
    settings, found = problems({"exclude": ["charts/*", 7, "", {"glob": "x"}, "*.tpl.yaml"]})

    assert found == [
        "entry 2 of kubeLsp.exclude is not a glob pattern: 7. It was ignored.",
        'entry 3 of kubeLsp.exclude is not a glob pattern: "". It was ignored.',
        'entry 4 of kubeLsp.exclude is not a glob pattern: {"glob": "x"}. It was ignored.',
    ]
    assert settings.exclude == ("charts/*", "*.tpl.yaml")


def test_a_lone_exclude_pattern_is_one_pattern_not_its_characters() -> None:
    assert problems({"exclude": "charts/*"}) == (Settings(exclude=("charts/*",)), [])


def test_rules_that_are_not_a_mapping_are_named() -> None:
    settings, found = problems({"kubeVersion": "1.30", "rules": ["KL201"]})

    assert found == ["kubeLsp.rules must be a mapping of rule code or name to a severity or `off`. It was ignored."]
    assert settings.kube_version == (1, 30)


def test_repository_file_read_leniently_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / ".kube-lsp.yaml"
    path.write_text("kubeVersion: '1.29'\nrules:\n  deprecated-api: off\n  KL202: off\n")

    settings, found = read_config(path)

    assert [p.ignored() for p in found] == [
        f"{path}: unknown rule `deprecated-api` in `rules` — did you mean `deprecated-api-version`? It was ignored."]
    assert settings.kube_version == (1, 29) and dict(settings.severities) == {"KL202": None}


def test_cli_reads_the_repository_file_strictly_and_names_every_problem(tmp_path: Path) -> None:
    path = tmp_path / ".kube-lsp.yaml"
    path.write_text("kubeVersion: 1.3\nrules:\n  deprecated-api: off\n")

    with pytest.raises(ConfigError) as err:
        load_config(path)

    assert str(err.value) == (
        f'{path}: invalid Kubernetes version `1.3` in `kubeVersion` (YAML and JSON read 1.30 as the number 1.3: '
        f'write it in quotes, "1.30"); {path}: unknown rule `deprecated-api` in `rules` — did you mean '
        f'`deprecated-api-version`?')


def test_editor_examples_name_rules_that_exist() -> None:
    package = json.loads((ROOT / "editors" / "vscode" / "package.json").read_text())
    description = package["contributes"]["configuration"]["properties"]["kubeLsp.rules"]["markdownDescription"]
    example = json.loads(re.search(r"`(\{.*\})`", description).group(1))  # type: ignore[union-attr]
    lua = (ROOT / "editors" / "nvim" / "lsp" / "kube_lsp.lua").read_text()
    lua_example = re.search(r"rules = .*-- e\.g\. (\{.*\})", lua).group(1)  # type: ignore[union-attr]
    lua_names = re.findall(r"\[?'?([\w-]+)'?\]? = '", lua_example)

    names = [*example, *lua_names]
    assert len(names) >= 4
    assert [n for n in names if find_rule(n) is None] == []


def test_a_severity_override_keeps_the_lines_a_finding_refers_to() -> None:
    from kube_lsp.engine import Engine
    from kube_lsp.model import Span

    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n"
    settings, _ = read_settings({"rules": {"duplicate-key": "warning"}})

    [f] = Engine(settings).analyse(text).findings
    assert (f.code, f.severity, f.related) == ("KL102", Severity.WARNING, (Span.of(3, 2, 3, 6),))
    assert f.shifted(2, 1).message.startswith("duplicate key `name`: it is already defined on line 6;")
