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
    kl210_invalid_object_name,
    kl211_invalid_label,
    kl212_invalid_label_selector,
    kl213_invalid_annotation,
    kl214_invalid_config_key,
    kl215_invalid_service_port,
    kl216_duplicate_service_port,
    kl217_invalid_service_spec,
    kl218_node_port_out_of_range,
    kl219_invalid_ingress_rule,
    kl220_invalid_ingress_backend,
    kl221_invalid_hpa,
    kl222_secret_type_keys,
    kl223_invalid_pod_disruption_budget,
    kl224_invalid_cronjob_schedule,
    kl225_invalid_rbac,
    kl226_invalid_network_policy,
    kl227_invalid_webhook_configuration,
    kl228_invalid_finalizer,
    kl229_invalid_priority_class,
    kl230_invalid_container_name,
    kl231_duplicate_container_name,
    kl232_invalid_volume_name,
    kl233_duplicate_volume_name,
    kl234_volume_mount_not_found,
    kl235_invalid_sub_path,
    kl236_duplicate_mount_path,
    kl237_invalid_port_name,
    kl238_duplicate_port_name,
    kl239_port_out_of_range,
    kl240_probe_port_not_defined,
    kl241_probe_handler,
    kl242_invalid_probe_setting,
    kl243_negative_value,
    kl244_progress_deadline_too_short,
    kl245_invalid_active_deadline,
    kl246_restart_policy_not_allowed,
    kl247_selector_mismatch,
    kl248_invalid_quantity,
    kl249_requests_exceed_limits,
    kl250_invalid_resource_name,
    kl251_invalid_resource_value,
    kl252_invalid_env_name,
    kl253_env_value_source,
    kl254_negative_grace_period,
    kl255_volume_source,
    kl256_init_container_probe,
    kl257_ephemeral_containers_on_create,
    kl258_duplicate_host_port,
    kl259_host_port_mismatch,
    kl260_crd_pattern_mismatch,
    kl261_crd_invalid_format,
    kl262_crd_string_length,
    kl263_crd_number_out_of_range,
    kl264_crd_list_length,
    kl265_crd_property_count,
    kl266_crd_duplicate_item,
    kl267_crd_null_item,
    kl268_crd_schema_combinator,
    kl269_crd_validation_rule,
    kl270_crd_rule_not_evaluated,
    kl271_crd_version_not_served,
    kl272_crd_version_deprecated,
    kl300_removed_api_version,
    kl301_deprecated_api_version,
    kl302_upgrade_removed_api_version,
    kl303_upgrade_deprecated_api_version,
    kl304_upgrade_removed_field,
    kl305_upgrade_deprecated_field,
    kl306_upgrade_api_not_served_yet,
    kl307_upgrade_field_not_available_yet,
    kl308_upgrade_deprecated_crd_version,
    kl900_dry_run_rejected,
    kl901_dry_run_warning,
    kl902_not_served_by_cluster,
    kl903_cluster_access_denied,
)
from kube_lsp.rules.base import ObjectCheck, ObjectContext, Rule

__all__ = ["ALL_RULES", "BY_CODE", "BY_NAME", "OBJECT_RULES", "ObjectCheck", "ObjectContext", "Rule", "find_rule",
           "markdown_docs", "markdown_table", "rule_names"]

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
    kl210_invalid_object_name.RULE,
    kl211_invalid_label.RULE,
    kl212_invalid_label_selector.RULE,
    kl213_invalid_annotation.RULE,
    kl214_invalid_config_key.RULE,
    kl215_invalid_service_port.RULE,
    kl216_duplicate_service_port.RULE,
    kl217_invalid_service_spec.RULE,
    kl218_node_port_out_of_range.RULE,
    kl219_invalid_ingress_rule.RULE,
    kl220_invalid_ingress_backend.RULE,
    kl221_invalid_hpa.RULE,
    kl222_secret_type_keys.RULE,
    kl223_invalid_pod_disruption_budget.RULE,
    kl224_invalid_cronjob_schedule.RULE,
    kl225_invalid_rbac.RULE,
    kl226_invalid_network_policy.RULE,
    kl227_invalid_webhook_configuration.RULE,
    kl228_invalid_finalizer.RULE,
    kl229_invalid_priority_class.RULE,
    kl230_invalid_container_name.RULE,
    kl231_duplicate_container_name.RULE,
    kl232_invalid_volume_name.RULE,
    kl233_duplicate_volume_name.RULE,
    kl234_volume_mount_not_found.RULE,
    kl235_invalid_sub_path.RULE,
    kl236_duplicate_mount_path.RULE,
    kl237_invalid_port_name.RULE,
    kl238_duplicate_port_name.RULE,
    kl239_port_out_of_range.RULE,
    kl240_probe_port_not_defined.RULE,
    kl241_probe_handler.RULE,
    kl242_invalid_probe_setting.RULE,
    kl243_negative_value.RULE,
    kl244_progress_deadline_too_short.RULE,
    kl245_invalid_active_deadline.RULE,
    kl246_restart_policy_not_allowed.RULE,
    kl247_selector_mismatch.RULE,
    kl248_invalid_quantity.RULE,
    kl249_requests_exceed_limits.RULE,
    kl250_invalid_resource_name.RULE,
    kl251_invalid_resource_value.RULE,
    kl252_invalid_env_name.RULE,
    kl253_env_value_source.RULE,
    kl254_negative_grace_period.RULE,
    kl255_volume_source.RULE,
    kl256_init_container_probe.RULE,
    kl257_ephemeral_containers_on_create.RULE,
    kl258_duplicate_host_port.RULE,
    kl259_host_port_mismatch.RULE,
    kl260_crd_pattern_mismatch.RULE,
    kl261_crd_invalid_format.RULE,
    kl262_crd_string_length.RULE,
    kl263_crd_number_out_of_range.RULE,
    kl264_crd_list_length.RULE,
    kl265_crd_property_count.RULE,
    kl266_crd_duplicate_item.RULE,
    kl267_crd_null_item.RULE,
    kl268_crd_schema_combinator.RULE,
    kl269_crd_validation_rule.RULE,
    kl270_crd_rule_not_evaluated.RULE,
    kl271_crd_version_not_served.RULE,
    kl272_crd_version_deprecated.RULE,
    kl300_removed_api_version.RULE,
    kl301_deprecated_api_version.RULE,
    kl302_upgrade_removed_api_version.RULE,
    kl303_upgrade_deprecated_api_version.RULE,
    kl304_upgrade_removed_field.RULE,
    kl305_upgrade_deprecated_field.RULE,
    kl306_upgrade_api_not_served_yet.RULE,
    kl307_upgrade_field_not_available_yet.RULE,
    kl308_upgrade_deprecated_crd_version.RULE,
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
