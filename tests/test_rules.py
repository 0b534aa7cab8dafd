"""Each rule: exact positions, messages and fix edits."""

from __future__ import annotations

from kube_lsp.fixes import apply_edits
from kube_lsp.model import Finding, Severity
from tests.conftest import codes, findings, where

DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - containerPort: 80
"""


def fixed(text: str, f: Finding) -> str:
    assert f.fixes, f
    return apply_edits(text, f.fixes[0].edits)


def test_valid_deployment_has_no_findings() -> None:
    assert findings(DEPLOY) == []


def test_kl200_typo_suggests_and_renames() -> None:
    text = DEPLOY.replace("      containers:", "      contianers:")
    fs = findings(text)
    assert where(fs) == [("KL200", 15, 7)]
    assert fs[0].message == (
        "unknown field `contianers` in PodSpec (spec.template.spec) — did you mean `containers`?"
    )
    assert fs[0].path == "spec.template.spec.contianers"
    assert fixed(text, fs[0]) == DEPLOY
    assert fs[0].fixes[0].safe


def test_kl200_case_slip_and_missing_required_is_not_a_cascade() -> None:
    text = DEPLOY.replace("image: nginx:1.27", "image: nginx:1.27\n          imagePullpolicy: Always")
    fs = findings(text)
    assert where(fs) == [("KL200", 18, 11)]
    assert "did you mean `imagePullPolicy`?" in fs[0].message


def test_kl200_without_close_match_names_the_type_and_path() -> None:
    text = DEPLOY.replace("  replicas: 2", "  replicas: 2\n  flavour: vanilla")
    fs = findings(text)
    assert where(fs) == [("KL200", 7, 3)]
    assert fs[0].message == "unknown field `flavour` in DeploymentSpec (spec); the API server rejects unknown fields"
    assert fs[0].fixes == ()


def test_kl200_never_suggests_a_key_already_present() -> None:
    text = DEPLOY.replace("          image: nginx:1.27", "          image: nginx:1.27\n          imag: x")
    fs = findings(text)
    assert codes(fs) == ["KL200"]
    assert "did you mean" not in fs[0].message


def test_kl200_misspelled_subtree_is_still_checked() -> None:
    text = DEPLOY.replace("      containers:", "      contianers:").replace("containerPort: 80", "containerPort: x")
    assert where(findings(text)) == [("KL200", 15, 7), ("KL201", 19, 30)]


def test_free_form_maps_accept_any_key() -> None:
    # In the template's labels: a selector requiring it would no longer match the template (KL247).
    text = DEPLOY.replace("        app: web\n    spec", "        app: web\n        anything.example.com/x: z\n    spec")
    assert findings(text) == []


def test_kl201_quoted_integer_is_unquoted_by_the_fix() -> None:
    text = DEPLOY.replace("replicas: 2", 'replicas: "2"')
    fs = findings(text)
    assert where(fs) == [("KL201", 6, 13)]
    assert fs[0].message == '`replicas` must be an integer, got the string "2"; remove the quotes'
    assert fixed(text, fs[0]) == DEPLOY


def test_kl201_word_for_integer() -> None:
    fs = findings(DEPLOY.replace("replicas: 2", "replicas: three"))
    assert fs[0].message == '`replicas` must be an integer, got the string "three"'
    assert fs[0].fixes == ()


def test_kl201_mapping_where_a_list_is_required_points_at_the_key() -> None:
    text = DEPLOY.replace("        - name: web\n          image", "          name: web\n          image")
    fs = findings(text)
    assert where(fs) == [("KL201", 15, 7)]
    assert fs[0].message == "`containers` must be a list, got a mapping"


def test_kl201_number_where_a_string_is_required_is_quoted_by_the_fix() -> None:
    text = DEPLOY.replace("      app: web\n  template", "      version: 2\n  template")
    fs = findings(text)
    assert where(fs) == [("KL201", 9, 16)]
    assert fixed(text, fs[0]).count('version: "2"') == 1


def test_int_or_string_and_quantities_accept_both_forms() -> None:
    text = DEPLOY.replace(
        "            - containerPort: 80\n",
        "            - containerPort: 80\n              name: http\n"  # the readiness probe's port (KL240)
        "          resources:\n            limits: {cpu: 1, memory: 512Mi}\n"
        "            requests: {cpu: \"250m\", memory: 1e3}\n"
          "          readinessProbe:\n            httpGet: {port: http, path: /}\n"
          "          livenessProbe:\n            tcpSocket: {port: 8080}\n",
    ).replace("  replicas: 2", "  replicas: 2\n  strategy:\n    rollingUpdate: {maxSurge: 25%, maxUnavailable: 1}")
    assert findings(text) == []


def test_yaml11_booleans_are_booleans_like_kubectl() -> None:
    text = DEPLOY.replace("          image: nginx:1.27", "          image: nginx:1.27\n          env:\n"
                          "            - name: DEBUG\n              value: yes")
    fs = findings(text)
    assert where(fs) == [("KL201", 20, 22)]
    assert fs[0].message == "`value` must be a string, got the boolean yes; quote it"


def test_a_lone_y_or_n_is_a_boolean_too() -> None:
    # kubectl: `labels: {tier: n}` → "json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.labels".
    text = DEPLOY.replace("metadata:\n  name: web\n", "metadata:\n  name: web\n  labels:\n    canary: n\n", 1)
    fs = findings(text)
    assert [(f.code, f.message) for f in fs] == [("KL201", "`canary` must be a string, got the boolean n; quote it")]


def test_kl202_closed_set_with_case_fix() -> None:
    text = DEPLOY.replace("containerPort: 80", "containerPort: 80\n              protocol: tcp")
    fs = findings(text)
    assert where(fs) == [("KL202", 20, 25)]
    assert fs[0].message == '`protocol` must be one of TCP, UDP, SCTP; got "tcp" — did you mean `TCP`?'
    assert fixed(text, fs[0]).count("protocol: TCP") == 1


def test_kl202_list_items_and_no_suggestion_when_nothing_is_close() -> None:
    text = (
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nspec:\n"
        "  accessModes: [ReadWriteOnce, RWX]\n  resources: {requests: {storage: 1Gi}}\n"
    )
    fs = findings(text)
    assert where(fs) == [("KL202", 5, 32)]
    assert fs[0].fixes == ()


def test_kl203_missing_required_on_the_item_and_on_the_parent_key() -> None:
    text = DEPLOY.replace("        - name: web\n          image", "        - image")
    fs = findings(text)
    assert where(fs) == [("KL203", 16, 11)]
    assert fs[0].message == "missing required field `name` in Container at spec.template.spec.containers[0]"
    svc = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n    - name: http\n"
    assert where(findings(svc)) == [("KL203", 6, 7)]


def test_kl203_null_required_field_is_empty() -> None:
    text = DEPLOY.replace("      containers:\n        - name: web\n          image: nginx:1.27\n          ports:\n"
                          "            - containerPort: 80\n", "      containers:\n")
    fs = findings(text)
    assert where(fs) == [("KL203", 14, 5)]
    assert fs[0].message == "required field `containers` in PodSpec at spec.template.spec is empty"


def test_kl103_dedented_block_belongs_in_the_previous_item() -> None:
    text = DEPLOY.replace("          ports:\n            - containerPort: 80\n",
                          "      ports:\n        - containerPort: 80\n")
    fs = findings(text)
    assert where(fs) == [("KL103", 18, 7)]
    assert fs[0].message == (
        "`ports` is not a field of PodSpec; it belongs under `spec.template.spec.containers[0]` — "
        "is it indented one level too little?"
    )
    assert fixed(text, fs[0]) == DEPLOY


def test_kl103_indented_block_belongs_in_the_parent_without_cascade() -> None:
    head, tail = DEPLOY.split("spec:\n  replicas", 1)
    block = "spec:\n  replicas" + tail
    text = head + "".join("  " + line for line in block.splitlines(keepends=True))
    fs = findings(text)
    assert codes(fs) == ["KL103"]  # and no "missing selector/template" cascade from the moved block
    assert fs[0].message == (
        "`spec` is not a field of ObjectMeta; it belongs at the document's top level — "
        "is it indented one level too much?"
    )
    assert fixed(text, fs[0]) == DEPLOY


def test_kl103_null_previous_value() -> None:
    text = DEPLOY.replace("          ports:\n            - containerPort: 80\n",
                          "          resources:\n          limits:\n            cpu: 1\n")
    fs = findings(text)
    assert where(fs) == [("KL103", 19, 11)]
    assert "belongs under `spec.template.spec.containers[0].resources`" in fs[0].message
    assert "resources:\n            limits:\n              cpu: 1\n" in fixed(text, fs[0])


def test_kl102_duplicate_key_keeps_other_findings() -> None:
    text = DEPLOY.replace("  replicas: 2", "  replicas: 2\n  replicas: 3\n  replicaz: 1")
    assert where(findings(text)) == [("KL102", 7, 3), ("KL200", 8, 3)]


def test_kl101_tab_with_fix_at_file_width() -> None:
    text = DEPLOY.replace("      app: web\n  template", "\t\t\tapp: web\n  template")
    fs = findings(text)
    assert where(fs) == [("KL101", 9, 1)]
    assert fs[0].fixes[0].safe
    assert fixed(text, fs[0]) == DEPLOY


def test_kl100_inconsistent_indentation_names_expected_columns() -> None:
    text = DEPLOY.replace("  replicas: 2", "   replicas: 2")
    fs = findings(text)
    assert where(fs)[0][:2] == ("KL100", 6)
    assert fs[0].message.startswith("inconsistent indentation: `replicas` is indented by 3 spaces")


def test_kl300_removed_api_version_with_release_and_replacement() -> None:
    text = DEPLOY.replace("apps/v1", "extensions/v1beta1")
    fs = findings(text)
    assert where(fs) == [("KL300", 1, 13)]
    assert fs[0].message == (
        "`extensions/v1beta1` Deployment was removed in Kubernetes 1.16 (target 1.37); use `apps/v1`"
    )
    assert fixed(text, fs[0]) == DEPLOY
    assert not fs[0].fixes[0].safe


def test_kl300_version_that_never_existed() -> None:
    fs = findings(DEPLOY.replace("apps/v1", "apps/v2"))
    assert where(fs) == [("KL300", 1, 13)]
    assert "use `apps/v1`" in fs[0].message


def test_kl301_deprecated_is_a_warning_for_older_targets() -> None:
    from kube_lsp.config import Settings
    from kube_lsp.engine import Engine

    text = "apiVersion: flowcontrol.apiserver.k8s.io/v1beta3\nkind: FlowSchema\nmetadata: {name: f}\n"
    fs = Engine(Settings(kube_version=(1, 30))).analyse(text).findings
    assert [(f.code, f.severity) for f in fs] == [("KL301", Severity.WARNING)]
    assert "will be removed in 1.32" in fs[0].message
    fs = Engine(Settings(kube_version=(1, 32))).analyse(text).findings
    assert codes(fs) == ["KL300"]


def test_kl205_unknown_kind_in_builtin_group() -> None:
    fs = findings(DEPLOY.replace("kind: Deployment", "kind: Deploymnet"))
    assert where(fs) == [("KL205", 2, 7)]
    assert fs[0].message == "unknown kind `Deploymnet` in `apps/v1` — did you mean `Deployment`?"


def test_kl204_custom_resource_without_crd_is_info_once() -> None:
    fs = findings("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {anything: 1}\n")
    assert [(f.code, f.severity) for f in fs] == [("KL204", Severity.INFO)]


CRD = """apiVersion: apiextensions.k8s.io/v1
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
              required: [size]
              properties:
                size: {type: integer}
                port: {x-kubernetes-int-or-string: true}
                extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
                template:
                  type: object
                  x-kubernetes-embedded-resource: true
                  properties: {spec: {type: object}}
"""


def test_custom_resource_validates_against_crd_in_the_same_stream() -> None:
    cr = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, labelz: {}}\nspec:\n  sise: 3\n" \
         "  port: http\n  extra: {whatever: [1]}\n  template: {apiVersion: v1, kind: Pod, metadata: {}, spec: {}}\n"
    fs = findings(CRD + "---\n" + cr)
    assert where(fs) == [("KL200", 31, 21), ("KL200", 33, 3)]
    assert "did you mean `size`?" in fs[1].message


def test_non_kubernetes_yaml_gets_no_schema_findings() -> None:
    for text in (
        "services:\n  web:\n    image: nginx\n    ports: ['80:80']\n",  # docker-compose
        "replicaCount: 1\nimage:\n  repository: nginx\n",  # Helm values
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n",  # CI configuration
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n",
        "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\n",  # kubeconfig
    ):
        assert findings(text) == [], text


def test_helm_templates_are_not_flagged() -> None:
    text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n" \
           "spec:\n  replicas: {{ .Values.replicas }}\n{{- if .Values.x }}\n  bogus: 1\n{{- end }}\n"
    assert findings(text) == []


def test_template_values_are_skipped_but_the_rest_of_the_document_is_checked() -> None:
    text = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n"
            "  replicas: {{ .Values.replicas }}\n  selector: {matchLabels: {app: web}}\n  template:\n"
            "    metadata: {labels: {app: web}}\n    spec:\n      containers:\n        - name: web\n"
            "          image: \"{{ .Values.image }}\"\n          imagePullPolicy: Allways\n"
            "          ports:\n            - containerPort: \"{{ .Values.port }}\"\n")
    assert where(findings(text)) == [("KL202", 14, 28)]  # the typo, not the placeholders


def test_prometheus_rule_with_label_templates_is_still_checked() -> None:
    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: alerts\n  annotations:\n"
            "    summary: \"{{ $labels.instance }} is down\"\ndataa:\n  rules: x\n")
    assert codes(findings(text)) == ["KL200"]


def test_templates_that_shape_the_yaml_skip_the_document() -> None:
    for text in (  # a line that starts with a template; text that only parses once rendered; an include
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  {{- if .Values.y }}\n  typo: 1\n  {{- end }}\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cfg\ndataa: 1\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n{{ include \"labels\" . | nindent 2 }}\ndataa: 1\n",
    ):
        assert findings(text) == [], text


def test_kustomize_patch_is_a_partial_object() -> None:
    patch = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n" \
            "      containers:\n        - name: web\n          resources: {limits: {cpu: 1}}\n" \
            "      $setElementOrder/containers: [{name: web}]\n"
    assert findings(patch, partial=True) == []
    assert codes(findings(patch)) == ["KL203", "KL200"]


def test_list_items_are_checked() -> None:
    text = "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n" \
           "    metadata: {name: a}\n    dta: {}\n"
    assert where(findings(text)) == [("KL200", 7, 5)]


def test_suppression_comments() -> None:
    text = DEPLOY.replace("replicas: 2", "replicas: two  # kube-lsp: ignore=KL201")
    assert findings(text) == []
    text = DEPLOY.replace("replicas: 2", "replicas: two  # kube-lsp: ignore=unknown-field")
    assert codes(findings(text)) == ["KL201", "KL499"]  # and the comment suppresses nothing (tests/test_suppress.py)
    text = "# kube-lsp: ignore-document=KL201\n" + DEPLOY.replace("replicas: 2", "replicas: two")
    assert findings(text) == []


def test_severity_overrides_and_off() -> None:
    from kube_lsp.config import settings_from_mapping
    from kube_lsp.engine import Engine

    text = DEPLOY.replace("replicas: 2", "replicas: two").replace("apps/v1", "apps/v1beta2")
    eng = Engine(settings_from_mapping({"rules": {"KL300": "warning", "wrong-type": "off"}}))
    fs = eng.analyse(text).findings
    assert [(f.code, f.severity) for f in fs] == [("KL300", Severity.WARNING)]


def test_kl102_identical_duplicate_has_a_safe_removal_fix() -> None:
    text = DEPLOY.replace("  replicas: 2\n", "  replicas: 2\n  minReadySeconds: 5\n  replicas: 2\n")
    fs = findings(text)
    assert where(fs) == [("KL102", 8, 3)]
    assert fixed(text, fs[0]) == DEPLOY.replace("  replicas: 2\n", "  replicas: 2\n  minReadySeconds: 5\n")
    different = DEPLOY.replace("  replicas: 2\n", "  replicas: 2\n  replicas: 3\n")
    assert findings(different)[0].fixes == ()


def test_kustomization_with_a_core_api_version_is_not_judged_as_an_object() -> None:
    assert findings("apiVersion: v1\nkind: Kustomization\nresources: [pod.yaml]\n") == []
