"""The rule registry: every rule kube-lsp reports, one module per rule, listed here by name.

Codes are an API: never renumbered or reused. Each module's docstring is its rule's documentation; the
examples in it are run by tests/test_rules_meta.py, and `docs/rules.md` and the README's rule table are
generated from this registry (`kube-lsp rules --docs`, `kube-lsp rules --markdown`).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from kube_lsp.rules import (
    kl000_internal_error,
    kl100_yaml_syntax,
    kl101_tab_indentation,
    kl102_duplicate_key,
    kl103_wrong_indentation_level,
    kl104_unreadable_input,
    kl200_unknown_field,
    kl201_wrong_type,
    kl202_value_not_allowed,
    kl203_missing_required_field,
    kl204_unknown_schema,
    kl205_unknown_kind,
    kl206_ambiguous_crd,
    kl300_removed_api_version,
    kl301_deprecated_api_version,
    kl400_pss_host_process,
    kl401_pss_host_namespaces,
    kl402_pss_privileged,
    kl403_pss_capabilities,
    kl404_pss_host_path_volumes,
    kl405_pss_host_ports,
    kl406_pss_host_probes,
    kl407_pss_apparmor,
    kl408_pss_selinux,
    kl409_pss_proc_mount,
    kl410_pss_seccomp,
    kl411_pss_sysctls,
    kl412_pss_volume_types,
    kl413_pss_privilege_escalation,
    kl414_pss_run_as_non_root,
    kl415_pss_run_as_user,
    kl416_pss_seccomp_restricted,
    kl417_pss_capabilities_restricted,
    kl418_pss_namespace_labels,
    kl420_image_latest_tag,
    kl421_memory_request_missing,
    kl422_memory_limit_missing,
    kl423_cpu_request_missing,
    kl424_cpu_limit_missing,
    kl425_readiness_probe_missing,
    kl426_liveness_probe_missing,
    kl427_identical_probes,
    kl428_pdb_blocks_eviction,
    kl429_host_path_volume,
    kl430_host_namespace,
    kl431_writable_root_filesystem,
    kl432_service_account_token_mounted,
    kl433_node_port_service,
    kl434_replicas_not_spread,
    kl435_secret_in_env,
    kl436_default_namespace,
    kl499_unused_suppression,
    kl900_dry_run_rejected,
    kl901_dry_run_warning,
    kl902_not_served_by_cluster,
    kl903_cluster_access_denied,
)
from kube_lsp.rules.base import ObjectCheck, ObjectContext, Rule

__all__ = ["ALL_RULES", "BY_CODE", "BY_NAME", "OBJECT_RULES", "ObjectCheck", "ObjectContext", "Rule", "find_rule",
           "markdown_docs", "markdown_table", "pack_names", "rule_names"]

ALL_RULES: Final[tuple[Rule, ...]] = tuple(sorted((
    kl000_internal_error.RULE,
    kl100_yaml_syntax.RULE,
    kl101_tab_indentation.RULE,
    kl102_duplicate_key.RULE,
    kl103_wrong_indentation_level.RULE,
    kl104_unreadable_input.RULE,
    kl200_unknown_field.RULE,
    kl201_wrong_type.RULE,
    kl202_value_not_allowed.RULE,
    kl203_missing_required_field.RULE,
    kl204_unknown_schema.RULE,
    kl205_unknown_kind.RULE,
    kl206_ambiguous_crd.RULE,
    kl300_removed_api_version.RULE,
    kl301_deprecated_api_version.RULE,
    kl400_pss_host_process.RULE,
    kl401_pss_host_namespaces.RULE,
    kl402_pss_privileged.RULE,
    kl403_pss_capabilities.RULE,
    kl404_pss_host_path_volumes.RULE,
    kl405_pss_host_ports.RULE,
    kl406_pss_host_probes.RULE,
    kl407_pss_apparmor.RULE,
    kl408_pss_selinux.RULE,
    kl409_pss_proc_mount.RULE,
    kl410_pss_seccomp.RULE,
    kl411_pss_sysctls.RULE,
    kl412_pss_volume_types.RULE,
    kl413_pss_privilege_escalation.RULE,
    kl414_pss_run_as_non_root.RULE,
    kl415_pss_run_as_user.RULE,
    kl416_pss_seccomp_restricted.RULE,
    kl417_pss_capabilities_restricted.RULE,
    kl418_pss_namespace_labels.RULE,
    kl420_image_latest_tag.RULE,
    kl421_memory_request_missing.RULE,
    kl422_memory_limit_missing.RULE,
    kl423_cpu_request_missing.RULE,
    kl424_cpu_limit_missing.RULE,
    kl425_readiness_probe_missing.RULE,
    kl426_liveness_probe_missing.RULE,
    kl427_identical_probes.RULE,
    kl428_pdb_blocks_eviction.RULE,
    kl429_host_path_volume.RULE,
    kl430_host_namespace.RULE,
    kl431_writable_root_filesystem.RULE,
    kl432_service_account_token_mounted.RULE,
    kl433_node_port_service.RULE,
    kl434_replicas_not_spread.RULE,
    kl435_secret_in_env.RULE,
    kl436_default_namespace.RULE,
    kl499_unused_suppression.RULE,
    kl900_dry_run_rejected.RULE,
    kl901_dry_run_warning.RULE,
    kl902_not_served_by_cluster.RULE,
    kl903_cluster_access_denied.RULE,
), key=lambda r: r.code))

BY_CODE: Final = MappingProxyType({r.code: r for r in ALL_RULES})
BY_NAME: Final = MappingProxyType({r.name: r for r in ALL_RULES})
# The rules that look at one object at a time, in code order: the engine runs them after the schema walk.
OBJECT_RULES: Final[tuple[Rule, ...]] = tuple(r for r in ALL_RULES if r.check is not None)


def find_rule(code_or_name: str) -> Rule | None:
    return BY_CODE.get(code_or_name.upper()) or BY_NAME.get(code_or_name.lower())


def pack_names() -> tuple[str, ...]:
    """The packs rules belong to (what `packs:` in `.kube-lsp.yaml` switches)."""
    return tuple(sorted({r.pack for r in ALL_RULES if r.pack}))


def rule_names() -> list[str]:
    """Every rule's code and name: what configuration and suppressions accept."""
    return [*BY_CODE, *BY_NAME]


def markdown_table() -> str:
    lines = ["| Code | Name | Default | What it catches |", "| --- | --- | --- | --- |"]
    for r in ALL_RULES:
        default = r.severity.label if r.enabled else f"off ({r.severity.label} when on)"
        lines.append(f"| {r.code} | `{r.name}` | {default} | {r.summary} |")
    return "\n".join(lines) + "\n"


def markdown_docs() -> str:
    """docs/rules.md: every rule's documentation, from its module's docstring."""
    out = ["# kube-lsp rules", "", "Generated by `kube-lsp rules --docs`; do not edit by hand.", ""]
    for r in ALL_RULES:
        default = r.severity.label if r.enabled else f"off by default; {r.severity.label} when on"
        pack = f", pack `{r.pack}`" if r.pack else ""
        body = r.doc.split("\n", 1)[1].strip() if "\n" in r.doc else ""
        body = body.replace("\n## ", "\n### ")
        if body.startswith("## "):
            body = "#" + body
        out += [f'<a id="{r.code.lower()}"></a>', f"## {r.code} `{r.name}` ({default}{pack})", "", f"{r.summary}.",
                "", body, ""]
    return "\n".join(out)
