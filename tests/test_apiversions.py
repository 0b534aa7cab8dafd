"""KL300/KL301 against every bundled Kubernetes version: what they suggest is what the target serves.

The truth of what a version serves is its bundled schemas (the catalog); the deprecation table in
schemas/api-versions.yaml says what is deprecated where.
"""

from __future__ import annotations

from functools import cache

import pytest

from kube_lsp.config import Settings
from kube_lsp.engine import Engine
from kube_lsp.model import Finding
from kube_lsp.parsing.loader import parse_stream
from kube_lsp.parsing.nodes import YMap, YScalar
from kube_lsp.schema.apiversions import check_api_version, deprecated_in, stability_key
from kube_lsp.schema.catalog import (
    Catalog,
    bundled_catalog,
    bundled_versions,
    format_version,
    served_in_any_version,
    split_api_version,
)

VERSIONS = bundled_versions()


@cache
def served(version: tuple[int, int]) -> dict[str, list[str]]:
    return bundled_catalog(version).served_kinds()


def check(api_version: str, kind: str, catalog: Catalog) -> list[Finding]:
    root = parse_stream(f"apiVersion: {api_version}\nkind: {kind}\n")[0].root
    assert isinstance(root, YMap)
    av, k = root.get("apiVersion"), root.get("kind")
    assert isinstance(av, YScalar) and isinstance(k, YScalar)
    return check_api_version(av, k, catalog, 0)[0]


def suggestion(f: Finding) -> tuple[str, str] | None:
    """(apiVersion, kind) that the finding tells the user to use; the fix must agree with the message."""
    repl = f.data.get("replacement")
    if repl is None:
        assert "; use `" not in f.message and not f.fixes, f.message
        return None
    assert f.message.endswith(f"; use `{repl}`"), f.message
    if " " in repl:  # the kind changes too, e.g. `discovery.k8s.io/v1 EndpointSlice`
        av, kind = repl.split(" ")
        return av, kind
    assert [e.new_text for fx in f.fixes for e in fx.edits] == [repl]
    return repl, ""


def test_stability_order() -> None:
    order = ["v1alpha1", "v1alpha2", "v1beta1", "v1beta3", "v2beta1", "v1", "v2"]
    assert sorted(reversed(order), key=stability_key) == order


@pytest.mark.parametrize("target", VERSIONS, ids=format_version)
def test_every_suggestion_is_served_by_the_target_and_not_deprecated_there(target: tuple[int, int]) -> None:
    """For every group/version/kind in any bundled version: what KL300/KL301 suggest is served by the
    target, not deprecated there unless every alternative is, and the wording matches the history."""
    catalog = bundled_catalog(target)
    checked = suggested = 0
    for (av, kind), history in sorted(served_in_any_version().items()):
        fs = check(av, kind, catalog)
        served_here = av in served(target).get(kind, [])
        assert [f.code for f in fs] in ([], ["KL301"]) if served_here else [f.code for f in fs] == ["KL300"], (
            av, kind, [f.message for f in fs])
        checked += 1
        for f in fs:
            s = suggestion(f)
            if f.code == "KL300":
                if target < history[0]:
                    assert "is not served yet in Kubernetes" in f.message and "removed" not in f.message
                elif target > history[-1]:
                    assert "was removed in Kubernetes" in f.message, f.message
            if s is None:
                continue
            suggested += 1
            new_av, new_kind = s
            new_kind = new_kind or kind
            assert new_av in served(target).get(new_kind, []), f"{f.message}: not served in {target}"
            assert new_av != av
            if deprecated_in(new_av, new_kind, target):
                alternatives = [a for a in served(target).get(kind, []) if a != av]
                assert all(deprecated_in(a, kind, target) for a in alternatives), f.message
            same_group = [a for a in served(target).get(kind, [])
                          if split_api_version(a)[0] == split_api_version(new_av)[0] and a != av
                          and not deprecated_in(a, kind, target)]
            if new_kind == kind and not deprecated_in(new_av, kind, target):
                # the most stable, newest version of its group that the target serves
                assert stability_key(new_av) == max(stability_key(a) for a in same_group), f.message
    assert checked > 400 and suggested > 20


def test_not_served_yet_names_the_release_that_brings_it_and_what_this_one_serves() -> None:
    fs = check("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy", bundled_catalog((1, 29)))
    assert [f.message for f in fs] == [
        "`admissionregistration.k8s.io/v1` ValidatingAdmissionPolicy is not served yet in Kubernetes 1.29 "
        "(it is GA from 1.30); use `admissionregistration.k8s.io/v1beta1`"
    ]
    assert fs[0].fixes[0].edits[0].new_text == "admissionregistration.k8s.io/v1beta1"


def test_not_served_yet_suggests_the_newest_version_not_deprecated_in_the_target() -> None:
    # v1beta1 is served by 1.25 too, but deprecated there since 1.23; v1 arrives only in 1.29.
    fs = check("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", bundled_catalog((1, 25)))
    assert [f.message for f in fs] == [
        "`flowcontrol.apiserver.k8s.io/v1beta3` FlowSchema is not served yet in Kubernetes 1.25 "
        "(it is served from 1.26); use `flowcontrol.apiserver.k8s.io/v1beta2`"
    ]


def test_removed_suggests_what_the_target_serves_rather_than_the_tables_final_replacement() -> None:
    # The table says flowcontrol v1, which Kubernetes 1.26 does not serve yet.
    fs = check("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema", bundled_catalog((1, 26)))
    assert [f.message for f in fs] == [
        "`flowcontrol.apiserver.k8s.io/v1beta1` FlowSchema was removed in Kubernetes 1.26 (target 1.26); "
        "use `flowcontrol.apiserver.k8s.io/v1beta3`"
    ]


def test_removal_seen_in_the_bundled_schemas_is_worded_as_removed() -> None:
    # Not in the deprecation table: the bundled schemas show v1beta1 served up to 1.33.
    fs = check("admissionregistration.k8s.io/v1beta1", "ValidatingAdmissionPolicy", bundled_catalog((1, 35)))
    assert [f.message for f in fs] == [
        "`admissionregistration.k8s.io/v1beta1` ValidatingAdmissionPolicy was removed in Kubernetes 1.34 "
        "(target 1.35); use `admissionregistration.k8s.io/v1`"
    ]


def test_deprecated_suggests_a_version_the_target_serves() -> None:
    # Deprecated in 1.26 in favour of v1 (per the table), but 1.26 serves only v1beta3 besides it.
    text = "apiVersion: flowcontrol.apiserver.k8s.io/v1beta2\nkind: FlowSchema\nmetadata: {name: f}\n"
    fs = Engine(Settings(kube_version=(1, 26))).analyse(text).findings
    assert [(f.code, f.message) for f in fs] == [(
        "KL301",
        "`flowcontrol.apiserver.k8s.io/v1beta2` FlowSchema is deprecated since Kubernetes 1.26 and will be removed "
        "in 1.29; use `flowcontrol.apiserver.k8s.io/v1beta3`",
    )]


def test_nothing_served_in_the_target_says_so() -> None:
    fs = check("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy", bundled_catalog((1, 25)))
    assert [f.message for f in fs] == [
        "`admissionregistration.k8s.io/v1` ValidatingAdmissionPolicy is not served yet in Kubernetes 1.25 "
        "(it is GA from 1.30); Kubernetes 1.25 serves no apiVersion of ValidatingAdmissionPolicy"
    ]
    assert not fs[0].fixes
