"""The content-hash cache of `kube-lsp check` (kube_lsp/cache.py): cached output equals uncached output byte for
byte in every format; settings, kube-lsp's version, a CRD and a file each invalidate what they change;
concurrent runs and damaged entries are harmless; the size stays bounded; many files run in parallel in order."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

import kube_lsp
from kube_lsp import batch
from kube_lsp.batch import Job, analyse_all
from kube_lsp.cache import FORMAT, CheckCache, Entry, cache_dir, run_context
from kube_lsp.cli import main
from kube_lsp.config import Settings
from kube_lsp.engine import Analysis, Engine
from tests.conftest import CORPUS, ROOT
from tests.test_rules import DEPLOY

FORMATS = ("json", "sarif", "concise", "github", "full")

CRD = """\
apiVersion: apiextensions.k8s.io/v1
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
WIDGET = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: big\n  colour: red\n"


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """Some corpus files (with their real mistakes), a file big enough to be cached per document, a CRD and a
    custom resource."""
    root = tmp_path / "repo"
    root.mkdir()
    for i, src in enumerate(sorted(CORPUS.rglob("*.yaml"))[:40]):
        shutil.copyfile(src, root / f"{i:02d}-{src.name}")
    docs = []
    for i in range(300):
        text = DEPLOY.replace("name: web\nspec", f"name: web-{i}\nspec")
        docs.append(text.replace("replicas: 2", "replicas: '2'") if i % 7 == 0 else text)
    (root / "big.yaml").write_text("# big\n" + "---\n".join(docs) + "---\n# trailing comment\n")
    (root / "crd.yaml").write_text(CRD)
    (root / "widget.yaml").write_text(WIDGET)
    return root


def check(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    out = io.StringIO()
    code = main(["check", *args], stdout=out)
    return code, out.getvalue(), capsys.readouterr().err


class Counter:
    def __init__(self) -> None:
        self.texts: list[str] = []


@pytest.fixture
def analysed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter]:
    """Records every text the engine analyses."""
    counter = Counter()
    real = Engine.analyse

    def spy(self: Engine, text: str, **kw: bool | str) -> Analysis:
        counter.texts.append(text)
        return real(self, text, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(Engine, "analyse", spy)
    yield counter


def entries(home: Path) -> list[Path]:
    return [p for p in (home / "kube-lsp" / "check" / FORMAT).glob("*/*") if not p.name.startswith(".")]


def test_cache_dir_follows_xdg_cache_home(cache_home: Path) -> None:
    assert cache_dir() == cache_home / "kube-lsp" / "check"


@pytest.mark.parametrize("fmt", FORMATS)
def test_warm_output_is_byte_identical_to_cold_and_uncached(fmt: str, tree: Path, cache_home: Path,
                                                            analysed: Counter,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    uncached = check("--no-cache", "--format", fmt, str(tree), capsys=capsys)
    assert not entries(cache_home), "--no-cache wrote to the cache"
    n_uncached = len(analysed.texts)
    cold = check("--format", fmt, str(tree), capsys=capsys)
    assert entries(cache_home)
    n_cold = len(analysed.texts) - n_uncached
    warm = check("--format", fmt, str(tree), capsys=capsys)
    assert len(analysed.texts) == n_uncached + n_cold, "the warm run analysed something"
    assert cold == uncached
    assert warm == uncached
    assert uncached[0] == 1 and uncached[1]
    # The big file is cached per document; the findings in it are where they were without the cache.
    assert n_cold > n_uncached
    assert "big.yaml:" in uncached[1] or fmt != "concise"


def test_an_edited_document_of_a_big_file_is_the_only_one_analysed_again(tree: Path, cache_home: Path,
                                                                         analysed: Counter,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    check("--format", "json", str(tree), capsys=capsys)
    big = tree / "big.yaml"
    big.write_text(big.read_text().replace("name: web-150\n", "name: web-150\n  labels: {a: b}\n", 1))
    analysed.texts.clear()
    warm = check("--format", "json", str(tree), capsys=capsys)
    assert len(analysed.texts) == 1 and "web-150" in analysed.texts[0]
    assert warm == check("--no-cache", "--format", "json", str(tree), capsys=capsys)


def test_a_changed_file_is_analysed_again(tree: Path, cache_home: Path, analysed: Counter,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    check("--format", "json", str(tree), capsys=capsys)
    target = tree / "widget.yaml"
    target.write_text(WIDGET.replace("size: big\n  colour: red", "size: 3"))
    analysed.texts.clear()
    after = check("--format", "concise", str(tree), capsys=capsys)
    assert analysed.texts == [target.read_text()]
    assert after == check("--no-cache", "--format", "concise", str(tree), capsys=capsys)
    assert "widget.yaml" not in after[1]


def test_a_crd_change_invalidates_its_custom_resources(tree: Path, cache_home: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    before = check("--format", "concise", str(tree / "crd.yaml"), str(tree / "widget.yaml"), capsys=capsys)
    assert "widget.yaml:6" in before[1] and "colour" in before[1]
    (tree / "crd.yaml").write_text(CRD.replace("size: {type: integer}", "size: {type: string}\n"
                                                                        "                colour: {type: string}"))
    after = check("--format", "concise", str(tree / "crd.yaml"), str(tree / "widget.yaml"), capsys=capsys)
    assert after == check("--no-cache", "--format", "concise", str(tree / "crd.yaml"), str(tree / "widget.yaml"),
                          capsys=capsys)
    assert "widget.yaml" not in after[1]


def test_settings_and_the_version_invalidate(tree: Path, cache_home: Path, analysed: Counter,
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    target = str(tree / "widget.yaml")
    base = check("--format", "concise", target, capsys=capsys)
    assert "KL204" in base[1]
    config = tree / "cfg.yaml"
    config.write_text("rules:\n  KL204: off\n")
    analysed.texts.clear()
    off = check("--config", str(config), "--format", "concise", target, capsys=capsys)
    assert analysed.texts and "KL204" not in off[1]
    hpa = tree / "hpa.yaml"
    hpa.write_text("apiVersion: autoscaling/v2beta2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\n")
    new = check("--kube-version", "1.37", "--format", "concise", str(hpa), capsys=capsys)
    analysed.texts.clear()
    old = check("--kube-version", "1.25", "--format", "concise", str(hpa), capsys=capsys)
    assert analysed.texts, "another target version was served from the cache"
    assert new[0] == 1 and old[1] != new[1]
    assert old == check("--no-cache", "--kube-version", "1.25", "--format", "concise", str(hpa), capsys=capsys)
    analysed.texts.clear()
    assert check("--format", "concise", target, capsys=capsys) == base
    assert not analysed.texts
    monkeypatch.setattr(kube_lsp, "__version__", "99.0.0")
    assert check("--format", "concise", target, capsys=capsys) == base
    assert analysed.texts, "another kube-lsp version was served from the cache"


def test_damaged_entries_are_ignored_and_rewritten(tree: Path, cache_home: Path, analysed: Counter,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    expected = check("--format", "json", str(tree), capsys=capsys)
    stored = entries(cache_home)
    for i, path in enumerate(stored):
        data = path.read_bytes()
        path.write_bytes([b"", data[: len(data) // 2], b"garbage" * 10, data[:-1] + b"\x00"][i % 4])
    analysed.texts.clear()
    assert check("--format", "json", str(tree), capsys=capsys) == expected
    assert analysed.texts
    analysed.texts.clear()
    assert check("--format", "json", str(tree), capsys=capsys) == expected
    assert not analysed.texts, "the damaged entries were not rewritten"


def test_an_entry_under_another_key_is_not_used(tmp_path: Path) -> None:
    cache = CheckCache(tmp_path, "context")
    a, b = cache.key("file", "a.yaml", False, "x: 1\n"), cache.key("file", "b.yaml", False, "x: 1\n")
    cache.put(a, {"a.yaml": ("hash", Entry(1, []))})
    assert cache.get(a) == {"a.yaml": ("hash", Entry(1, []))}
    (cache.base / b[:2]).mkdir(exist_ok=True)
    shutil.copyfile(cache.base / a[:2] / a[2:], cache.base / b[:2] / b[2:])
    assert cache.get(b) == {}
    assert len({a, b, cache.key("file", "a.yaml", True, "x: 1\n"), cache.key("doc", "a.yaml", False, "x: 1\n"),
                CheckCache(tmp_path, "other").key("file", "a.yaml", False, "x: 1\n")}) == 5


def test_concurrent_runs_never_corrupt(tree: Path, cache_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = check("--no-cache", "--format", "json", str(tree), capsys=capsys)[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "kube_lsp", "check", "--format", "json", "-q", str(tree)]
    for _ in range(2):
        procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) for _ in range(3)]
        outs = [p.communicate() for p in procs]
        assert [o[0].decode() for o in outs] == [expected] * 3
        assert not any(o[1] for o in outs)
    assert not list((cache_home / "kube-lsp" / "check" / FORMAT).glob("*/.tmp-*"))
    assert check("--format", "json", str(tree), capsys=capsys)[1] == expected


def test_fix_and_diff_are_correct_from_the_cache(tree: Path, cache_home: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    target = tree / "fixme.yaml"
    target.write_text(DEPLOY.replace("containers:", "contianers:"))
    fresh = tree.parent / "fresh"
    fresh.mkdir()
    shutil.copyfile(target, fresh / "fixme.yaml")
    check("--format", "concise", str(target), capsys=capsys)  # fills the cache
    diff = check("--diff", str(target), capsys=capsys)
    assert diff == check("--no-cache", "--diff", str(target), capsys=capsys)
    assert "+    containers:" in diff[1] or "+      containers:" in diff[1]
    fixed = check("--fix", "--format", "concise", str(target), capsys=capsys)
    check("--no-cache", "--fix", "--format", "concise", str(fresh / "fixme.yaml"), capsys=capsys)
    assert target.read_text() == (fresh / "fixme.yaml").read_text() != DEPLOY.replace("containers:", "contianers:")
    assert "contianers" not in target.read_text() and fixed[0] == 0


def test_the_cache_is_pruned_to_its_limit_oldest_first(tmp_path: Path) -> None:
    cache = CheckCache(tmp_path, "context", limit=3_000)
    keys = [cache.key("file", f"f{i}.yaml", False, "x") for i in range(60)]
    for i, key in enumerate(keys):
        cache.put(key, {"x": ("h", Entry(1, []))})
        os.utime(cache.base / key[:2] / key[2:], (time.time() - 10_000 + i, time.time() - 10_000 + i))
    size = sum(p.stat().st_size for p in cache.base.glob("*/*"))
    assert size > 3_000
    stale = cache.base / keys[0][:2] / ".tmp-left-over"
    stale.write_bytes(b"x")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    cache.prune(force=True)
    kept = [k for k in keys if (cache.base / k[:2] / k[2:]).exists()]
    assert sum(p.stat().st_size for p in cache.base.glob("*/*")) <= 2_400
    assert kept == keys[len(keys) - len(kept):], "not the oldest removed first"
    assert kept and not stale.exists()


def test_many_files_run_in_parallel_in_order_and_equal_a_sequential_run(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "PARALLEL_MIN_CHARS", 1)
    # Synthetic files (some with mistakes), plus the corpus when ../shared is there.
    texts = [(DEPLOY.replace("name: web\nspec", f"name: web-{i}\nspec")
              .replace("replicas: 2", "replicas: '2'" if i % 3 == 0 else "replicas: 2"), f"gen/{i}.yaml")
             for i in range(120)]
    texts += [(src.read_bytes().decode("utf-8", "replace").removeprefix("\ufeff"), str(src))
              for src in sorted(CORPUS.rglob("*.yaml"))]
    jobs = [Job(text, i % 9 == 0, name) for i, (text, name) in enumerate(texts)]
    engine = Engine()
    sequential = analyse_all(engine, jobs, workers=1)
    log = tmp_path / "pids"
    real = Engine.analyse

    def spy(self: Engine, text: str, **kw: bool | str) -> Analysis:
        with open(log, "a") as fh:
            fh.write(f"{os.getpid()}\n")
        return real(self, text, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(Engine, "analyse", spy)
    cache = CheckCache(tmp_path / "a", run_context(Settings(), "test", []))
    assert analyse_all(engine, jobs, workers=2, cache=cache) == sequential
    pids = set(log.read_text().split())
    assert len(pids) == 2 and str(os.getpid()) not in pids, "the files were not spread over two workers"
    monkeypatch.setattr(Engine, "analyse", real)
    cold = analyse_all(engine, jobs, workers=2, cache=CheckCache(tmp_path / "b", cache.context))
    warm = analyse_all(engine, jobs, workers=2, cache=CheckCache(tmp_path / "b", cache.context))
    assert cold == sequential
    assert warm == sequential
    assert sum(len(r.findings) for r in sequential) > 10


def test_a_run_on_some_files_keeps_the_others_of_their_directory(tree: Path, cache_home: Path, analysed: Counter,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    (tree / "crd.yaml").unlink()  # a run's CRDs are part of its context: keep them the same in both runs
    full = check("--format", "json", str(tree), capsys=capsys)
    target = tree / "fixme.yaml"
    target.write_text(DEPLOY.replace("containers:", "contianers:"))
    analysed.texts.clear()
    check("--format", "json", str(target), capsys=capsys)  # as pre-commit runs: the changed file only
    assert analysed.texts == [target.read_text()]
    analysed.texts.clear()
    again = check("--format", "json", str(tree), capsys=capsys)
    assert not analysed.texts, "the other files of the directory were dropped from the cache"
    assert again == check("--no-cache", "--format", "json", str(tree), capsys=capsys) != full


def test_no_home_means_no_cache_and_the_same_output(tree: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    expected = check("--no-cache", "--format", "json", str(tree), capsys=capsys)
    monkeypatch.delenv("XDG_CACHE_HOME")

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert check("--format", "json", str(tree), capsys=capsys) == expected


GADGET_CRD = CRD.replace("widgets.example.com", "gadgets.example.com").replace(
    "{kind: Widget, plural: widgets}", "{kind: Gadget, plural: gadgets}")
GADGET = WIDGET.replace("kind: Widget", "kind: Gadget").replace("name: w\n", "name: g\n")
THING_CRD = CRD.replace("widgets.example.com", "things.other.io").replace("group: example.com", "group: other.io") \
    .replace("{kind: Widget, plural: widgets}", "{kind: Thing, plural: things}")
THING = "apiVersion: other.io/v1\nkind: Thing\nmetadata:\n  name: t\nspec:\n  size: 1\n  extra: x\n"


@pytest.fixture
def crd_tree(tmp_path: Path) -> Path:
    """CRDs in a file of their own and in a file of two, their custom resources, and plain objects."""
    root = tmp_path / "crds"
    root.mkdir()
    (root / "widget-crd.yaml").write_text(CRD)
    (root / "bundle-crds.yaml").write_text("# two CRDs\n" + GADGET_CRD + "---\n" + CRD.replace(
        "widgets.example.com", "sprockets.example.com").replace("{kind: Widget, plural: widgets}",
                                                                "{kind: Sprocket, plural: sprockets}"))
    (root / "widget.yaml").write_text(WIDGET)
    (root / "gadget.yaml").write_text(GADGET)
    (root / "sprocket.yaml").write_text(WIDGET.replace("kind: Widget", "kind: Sprocket"))
    (root / "thing.yaml").write_text(THING)
    for i in range(3):
        (root / f"deploy-{i}.yaml").write_text(DEPLOY.replace("name: web\nspec", f"name: web-{i}\nspec"))
    return root


def analysed_files(counter: Counter, root: Path) -> set[str]:
    """The files whose text was analysed (by their names)."""
    texts = {p.read_text(): p.name for p in root.iterdir()}
    return {texts.get(t, "?") for t in counter.texts}


@pytest.mark.parametrize("fmt", ["concise", "json"])
def test_a_crd_change_re_checks_only_the_files_that_used_it(fmt: str, crd_tree: Path, cache_home: Path,
                                                           analysed: Counter,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    def run() -> tuple[tuple[int, str, str], set[str]]:
        """A cached run: its output (checked against an uncached one) and the files it analysed."""
        analysed.texts.clear()
        cached = check("--format", fmt, str(crd_tree), capsys=capsys)
        files = analysed_files(analysed, crd_tree)
        assert cached == check("--no-cache", "--format", fmt, str(crd_tree), capsys=capsys)
        return cached, files

    first, _ = run()
    assert "gadget.yaml" in first[1] and "thing.yaml" in first[1]
    assert run() == (first, set())

    # Gadget's CRD (the first document of the bundle) now allows `colour` and no `size`: the same number of
    # lines, so the bundle's other CRD stays where it was.
    bundle = crd_tree / "bundle-crds.yaml"
    bundle.write_text(bundle.read_text().replace("size: {type: integer}", "colour: {type: string}", 1))
    second, files = run()
    assert files == {"bundle-crds.yaml", "gadget.yaml"} and second != first

    # A CRD for a kind no CRD defined before: the resource that had no schema is checked again, against it.
    (crd_tree / "thing-crd.yaml").write_text(THING_CRD)
    third, files = run()
    assert files == {"thing-crd.yaml", "thing.yaml"} and third != second

    # The widget CRD goes: its resource is checked again (now without a schema), nothing else.
    (crd_tree / "widget-crd.yaml").unlink()
    fourth, files = run()
    assert files == {"widget.yaml"} and fourth != third

    # Moving a CRD to another line moves what findings point at: its resources are checked again.
    bundle.write_text("# two CRDs\n# moved down by a line\n" + bundle.read_text().split("\n", 1)[1])
    fifth, files = run()
    assert files == {"bundle-crds.yaml", "gadget.yaml", "sprocket.yaml"}
    assert run() == (fifth, set())


def test_crd_reads_are_recorded_per_analysis() -> None:
    from kube_lsp.cache import CrdDefs
    from kube_lsp.parsing.loader import parse_stream
    from kube_lsp.schema.catalog import ALL_CRDS, crd_reads, record_crd_reads
    from kube_lsp.schema.crds import crds_in

    assert CrdDefs.ALL == ALL_CRDS
    engine = Engine().with_crds(crds_in(parse_stream(CRD), "crd.yaml"))
    record_crd_reads()
    engine.analyse(WIDGET, origin="w.yaml", workspace=False)
    widget = crd_reads()
    record_crd_reads()
    engine.analyse(DEPLOY, origin="d.yaml", workspace=False)
    deploy = crd_reads()
    assert ("example.com/v1", "Widget") in widget and ALL_CRDS not in widget
    assert ("apps/v1", "Deployment") in deploy and not any(k[1] == "Widget" for k in deploy)
    assert crd_reads() == frozenset(), "recording did not stop"


def test_cross_file_findings_follow_the_other_files(tree: Path, cache_home: Path, analysed: Counter,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """A file served from the cache still gets the cross-resource findings the other files give it now."""
    one, two = tree / "copy-1.yaml", tree / "copy-2.yaml"
    one.write_text(DEPLOY)
    two.write_text(DEPLOY)
    first = check("--format", "concise", str(tree), capsys=capsys)
    assert "copy-1.yaml:4" in first[1] and "KL520" in first[1]
    analysed.texts.clear()
    assert check("--format", "concise", str(tree), capsys=capsys) == first
    assert not analysed.texts
    two.write_text(DEPLOY.replace("name: web\nspec", "name: other\nspec"))
    analysed.texts.clear()
    after = check("--format", "concise", str(tree), capsys=capsys)
    assert analysed.texts == [two.read_text()], "only the changed file is analysed again"
    assert after == check("--no-cache", "--format", "concise", str(tree), capsys=capsys)
    assert not any(line.startswith(f"{one}:") and "copy-2.yaml" in line for line in after[1].splitlines())


def test_a_namespace_label_in_another_file_invalidates(tmp_path: Path, cache_home: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Pod Security labels of a Namespace apply to the objects of every file of the run."""
    (tmp_path / "ns.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n  labels:\n"
                                      "    pod-security.kubernetes.io/enforce: privileged\n")
    (tmp_path / "pod.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: prod\n"
                                       "spec:\n  hostNetwork: true\n  containers:\n    - name: c\n"
                                       "      image: nginx:1.27\n")
    before = check("--format", "concise", str(tmp_path), capsys=capsys)
    assert before == check("--no-cache", "--format", "concise", str(tmp_path), capsys=capsys)
    assert "KL401" not in before[1]
    ns = tmp_path / "ns.yaml"
    ns.write_text(ns.read_text().replace("privileged", "baseline"))
    after = check("--format", "concise", str(tmp_path), capsys=capsys)
    assert after == check("--no-cache", "--format", "concise", str(tmp_path), capsys=capsys)
    assert "KL401" in after[1]


def test_the_configuration_file_of_the_directory_invalidates(tree: Path, cache_home: Path,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tree)
    base = check("--format", "json", ".", capsys=capsys)
    assert "KL204" in base[1]
    (tree / ".kube-lsp.yaml").write_text("rules:\n  KL204: off\n")
    off = check("--format", "json", ".", capsys=capsys)
    assert off == check("--no-cache", "--format", "json", ".", capsys=capsys)
    assert "KL204" not in off[1]
    (tree / ".kube-lsp.yaml").unlink()
    assert check("--format", "json", ".", capsys=capsys) == base


def test_an_unchanged_run_imports_no_engine_rule_schema_yaml_parser_or_worker_pool(tree: Path,
                                                                                   cache_home: Path) -> None:
    """What makes a warm run fast: it reads, hashes, looks up and formats, and imports nothing else (measured:
    bench/scale.py)."""
    probe = ("import io, sys\nfrom kube_lsp.cli import main\n"
             "code = main(sys.argv[1:], stdout=io.StringIO())\n"
             "print(' '.join(sorted(sys.modules)))\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    heavy = ("kube_lsp.engine", "kube_lsp.rules", "kube_lsp.schema.catalog", "kube_lsp.parsing.loader",
             "kube_lsp.workspace.index", "kube_lsp.workspace.check", "ruamel.yaml", "pygls", "lsprotocol",
             "multiprocessing", "jsonschema", "kube_lsp.lsp")
    for fmt in FORMATS:
        env["XDG_CACHE_HOME"] = str(cache_home / fmt)
        cmd = [sys.executable, "-c", probe, "check", "-q", "--format", fmt, str(tree)]
        cold = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout.split()
        warm = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout.split()
        assert "kube_lsp.engine" in cold and "ruamel.yaml" in cold
        assert [m for m in warm if m.startswith(heavy)] == [], fmt


def test_the_json_encoder_equals_json_dumps() -> None:
    import json
    import random

    from kube_lsp.output import dumps

    rnd = random.Random(7)

    def gen(depth: int) -> object:
        r = rnd.random()
        if depth > 4 or r < 0.4:
            return rnd.choice([None, True, False, 0, -5, 10**20, "", "x", "ü\n\t\"\\", "\U0001f600\u2028\x00", 1.5,
                               float("nan"), -0.0])
        if r < 0.7:
            return [gen(depth + 1) for _ in range(rnd.randint(0, 4))]
        if r < 0.75:
            return tuple(gen(depth + 1) for _ in range(rnd.randint(0, 3)))
        return {rnd.choice(["a", "b", "é", "k\"", "", 1]) if rnd.random() < 0.9 else 2: gen(depth + 1)
                for _ in range(rnd.randint(0, 4))}

    for _ in range(2000):
        value = gen(0)
        for ascii_only in (True, False):
            assert dumps(value, ascii_only) == json.dumps(value, indent=2, ensure_ascii=ascii_only)


def test_an_unchanged_run_replays_its_report_and_only_that(tree: Path, cache_home: Path,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """An unchanged re-run prints the report of the last identical run (stdout, stderr, exit code) without
    reading a file's entry; another format, flag, directory or unreadable input is another report."""
    reads: list[str] = []
    real = CheckCache.get

    def spy(self: CheckCache, key: str) -> dict[str, tuple[str, Entry]]:
        reads.append(key)
        return real(self, key)

    monkeypatch.setattr(CheckCache, "get", spy)
    variants = [("--format", "concise"), ("--format", "full", "--color", "always"), ("--format", "json"),
                ("--format", "concise", "--unsafe-fixes"), ("--format", "full", "-q")]
    for flags in variants:
        first = check(*flags, str(tree), capsys=capsys)
        reads.clear()
        again = check(*flags, str(tree), capsys=capsys)
        assert not reads, "the replayed run read the files' entries"
        assert again == first == check("--no-cache", *flags, str(tree), capsys=capsys), flags
    (tree / "unreadable.yaml").write_bytes(b"kind: \xff\n")
    bad = check("--format", "concise", str(tree), capsys=capsys)
    assert "unreadable.yaml:1:1: error KL104" in bad[1]
    assert bad == check("--no-cache", "--format", "concise", str(tree), capsys=capsys)
    (tree / "unreadable.yaml").write_bytes(b"kind: \xfe\xfe\n")
    assert check("--format", "concise", str(tree), capsys=capsys) == check(
        "--no-cache", "--format", "concise", str(tree), capsys=capsys) != bad
    # Relative paths name other files relative to the current directory: another directory, another report.
    monkeypatch.chdir(tree)
    here = check("--format", "concise", ".", capsys=capsys)
    monkeypatch.chdir(tree.parent)
    above = check("--format", "concise", tree.name, capsys=capsys)
    assert above == check("--no-cache", "--format", "concise", tree.name, capsys=capsys) != here


def test_a_replayed_report_is_kept_compressed_and_a_damaged_one_is_rendered_again(
        tree: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The report kept for replay is compressed (a monorepo's JSON report is a hundred megabytes: it would not
    fit in a quarter of the cache as it is); one that cannot be decompressed is a miss, never garbage printed."""
    stored: dict[str, object] = {}
    caches: list[CheckCache] = []
    real = CheckCache.put_value

    def spy(self: CheckCache, key: str, value: object) -> None:
        stored[key] = value
        caches.append(self)
        real(self, key, value)

    monkeypatch.setattr(CheckCache, "put_value", spy)
    (tree / "odd-\udcff-name.yaml").write_text("kind: ConfigMap\n")  # a name that is not UTF-8 on disk
    first = check("--format", "json", str(tree), capsys=capsys)
    reports = {k: v for k, v in stored.items() if isinstance(v, tuple) and len(v) == 3 and isinstance(v[0], bytes)}
    assert len(reports) == 1
    (key, (packed, _, _)), = reports.items()
    assert isinstance(packed, bytes) and len(packed) * 4 < len(first[1].encode("utf-8", "surrogatepass"))
    assert check("--format", "json", str(tree), capsys=capsys) == first
    for damaged in (packed[: len(packed) // 2], b"not zlib", zlib.compress(b"\xff\xfe not UTF-8")):
        real(caches[-1], key, (damaged, [], 0))
        assert caches[-1].get_value(key) == (damaged, [], 0)  # what the next run reads first
        assert check("--format", "json", str(tree), capsys=capsys) == first


def test_an_entry_bigger_than_a_quarter_of_the_limit_is_not_kept(tmp_path: Path) -> None:
    cache = CheckCache(tmp_path, "context", limit=40_000)
    small, big = cache.key("file", "s", False, ""), cache.key("file", "b", False, "")
    cache.put_value(small, "x" * 1_000)
    cache.put_value(big, "x" * 20_000)
    assert cache.get_value(small) == "x" * 1_000
    assert cache.get_value(big) is None


@pytest.mark.parametrize("value", ["nan", "inf", "1e999", "-inf"])
def test_a_size_limit_that_is_no_number_of_megabytes_is_the_default(value: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from kube_lsp.cache import DEFAULT_MAX_MB, MAX_MB_VAR, max_bytes

    monkeypatch.setenv(MAX_MB_VAR, value)
    assert max_bytes() == int(DEFAULT_MAX_MB * 1e6)


def test_a_kept_report_is_written_back_piece_by_piece_exactly() -> None:
    """Replay inflates a report a piece at a time: characters split across pieces, lone surrogates (names
    that are not UTF-8 on disk) and a report of many pieces come back exactly, and damage anywhere writes
    nothing."""
    from kube_lsp.cli import _REPLAY_PIECE, _replay

    text = "".join(f"{i}: é€\U0001f600 \udcff line\n" for i in range(300_000))
    packed = zlib.compress(text.encode("utf-8", "surrogatepass"), 3)
    assert len(text.encode("utf-8", "surrogatepass")) > 5 * _REPLAY_PIECE
    out = io.StringIO()
    assert _replay(packed, out) and out.getvalue() == text
    for damaged in (packed[:-1], packed[: len(packed) // 3], packed + b"extra", packed[:100] + b"\0" + packed[101:]):
        out = io.StringIO()
        assert not _replay(damaged, out)
        assert out.getvalue() == ""
