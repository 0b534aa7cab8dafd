import { strict as assert } from "node:assert";
import { test } from "node:test";

import {
  BundleManifest,
  bundleHash,
  constraintsText,
  envName,
  isPureWheel,
  normalizeProject,
  parseManifest,
  parseWheel,
  pureCandidates,
  targetPlatforms,
  TARGETS,
} from "../src/bundle";

const HASH = "a".repeat(64);

test("wheel file names are split into project, version and tags", () => {
  assert.deepEqual(parseWheel("ruamel_yaml_clib-0.2.15-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"), {
    file: "ruamel_yaml_clib-0.2.15-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
    project: "ruamel-yaml-clib",
    version: "0.2.15",
    python: "cp311",
    abi: "cp311",
    platform: "manylinux2014_x86_64.manylinux_2_17_x86_64",
  });
  const withBuild = parseWheel("foo-1.0-1-py3-none-any.whl");
  assert.equal(withBuild?.version, "1.0");
  assert.equal(withBuild?.python, "py3");
  assert.equal(parseWheel("kubernetes-37.0.2-py2.py3-none-any.whl")?.python, "py2.py3");
  assert.equal(parseWheel("kube_lsp-0.1.0.tar.gz"), undefined);
  assert.equal(parseWheel("not-a-wheel.whl"), undefined);
  assert.equal(normalizeProject("Ruamel.YAML__clib"), "ruamel-yaml-clib");
});

test("pure wheels are told from compiled ones", () => {
  assert.equal(isPureWheel(parseWheel("aiohttp-3.14.5-py3-none-any.whl")!), true);
  assert.equal(isPureWheel(parseWheel("aiohttp-3.14.5-cp311-cp311-manylinux_2_17_x86_64.whl")!), false);
  assert.equal(isPureWheel(parseWheel("pydantic_core-2.50.5-cp314-abi3-win_amd64.whl")!), false);
});

test("the bundle hash covers names and contents, not their order", () => {
  const a = { file: "a-1-py3-none-any.whl", sha256: "1".repeat(64) };
  const b = { file: "b-1-py3-none-any.whl", sha256: "2".repeat(64) };
  assert.equal(bundleHash([a, b]), bundleHash([b, a]));
  assert.match(bundleHash([a, b]), /^[0-9a-f]{64}$/);
  assert.notEqual(bundleHash([a, b]), bundleHash([a, { ...b, sha256: "3".repeat(64) }]));
  assert.notEqual(bundleHash([a, b]), bundleHash([a, { ...b, file: "b-2-py3-none-any.whl" }]));
  assert.notEqual(bundleHash([a, b]), bundleHash([a]));
});

test("the environment is named by version and the start of the hash", () => {
  assert.equal(envName({ version: "0.1.0", hash: "0123456789abcdef" + "0".repeat(48) }), "kube-lsp-0.1.0-01234567");
});

test("constraints pin every project bundled in one version, kube-lsp and two-version projects unpinned", () => {
  const text = constraintsText([
    "kube_lsp-0.1.0-py3-none-any.whl",
    "PyYAML-6.0.4-cp311-cp311-manylinux2014_x86_64.whl",
    "pyyaml-6.0.4-cp312-cp312-manylinux2014_x86_64.whl",
    "ruamel.yaml-0.19.1-py3-none-any.whl",
    "numpy-2.0.0-cp311-cp311-manylinux2014_x86_64.whl",
    "numpy-2.1.0-cp313-cp313-manylinux2014_x86_64.whl",
    "README.txt",
  ]);
  assert.equal(text, "pyyaml==6.0.4\nruamel-yaml==0.19.1\n");
});

test("compiled wheels of the prefer-pure projects are candidates for their pure wheel, others are not", () => {
  const candidates = pureCandidates([
    "aiohttp-3.14.5-cp311-cp311-manylinux2014_x86_64.whl",
    "aiohttp-3.14.5-cp312-cp312-manylinux2014_x86_64.whl",
    "yarl-1.25.1-cp311-cp311-manylinux2014_x86_64.whl",
    "yarl-1.25.1-py3-none-any.whl",
    "pyyaml-6.0.4-cp311-cp311-manylinux2014_x86_64.whl",
    "charset_normalizer-3.5.3-cp311-cp311-manylinux1_x86_64.whl",
  ]);
  assert.deepEqual(Object.fromEntries(candidates), {
    "aiohttp==3.14.5": [
      "aiohttp-3.14.5-cp311-cp311-manylinux2014_x86_64.whl",
      "aiohttp-3.14.5-cp312-cp312-manylinux2014_x86_64.whl",
    ],
    "charset-normalizer==3.5.3": ["charset_normalizer-3.5.3-cp311-cp311-manylinux1_x86_64.whl"],
  });
});

test("targets map to pip platform tags; linux-x64 stops at manylinux_2_28 (VS Code's own glibc floor)", () => {
  const linux = targetPlatforms("linux-x64");
  assert.equal(linux[0], "manylinux_2_28_x86_64");
  assert.ok(linux.includes("manylinux2014_x86_64") && linux.includes("manylinux1_x86_64"));
  assert.ok(linux.every((p) => p.endsWith("_x86_64")));
  assert.ok(!linux.some((p) => /manylinux_2_(29|3\d)/.test(p)));
  assert.deepEqual(targetPlatforms("win32-x64"), ["win_amd64"]);
  assert.deepEqual(targetPlatforms("alpine-arm64"), ["musllinux_1_2_aarch64", "musllinux_1_1_aarch64"]);
  assert.deepEqual(Object.keys(TARGETS).sort(), [
    "alpine-arm64", "alpine-x64", "darwin-arm64", "darwin-x64", "linux-arm64", "linux-x64", "win32-x64",
  ]);
  assert.throws(() => targetPlatforms("linux-armhf"), /unknown target "linux-armhf": one of linux-x64, /);
  assert.throws(() => targetPlatforms("win32-arm64"), /unknown target/);
});

test("a manifest is read only when it is complete", () => {
  const good: BundleManifest = {
    format: 1,
    version: "0.1.0",
    wheel: "kube_lsp-0.1.0-py3-none-any.whl",
    pip: "pip-26.3-py3-none-any.whl",
    pipSha256: "b".repeat(64),
    target: "linux-x64",
    platforms: ["manylinux_2_28_x86_64"],
    pythons: ["3.11"],
    wheels: [{ file: "kube_lsp-0.1.0-py3-none-any.whl", sha256: "c".repeat(64), size: 1 }],
    hash: HASH,
  };
  assert.deepEqual(parseManifest(JSON.stringify(good)), good);
  assert.equal(parseManifest("{not json"), undefined);
  assert.equal(parseManifest("null"), undefined);
  assert.equal(parseManifest(JSON.stringify({ ...good, format: 2 })), undefined);
  assert.equal(parseManifest(JSON.stringify({ ...good, hash: "short" })), undefined);
  assert.equal(parseManifest(JSON.stringify({ ...good, pip: "" })), undefined);
  assert.equal(parseManifest(JSON.stringify({ ...good, wheels: [{ file: 1 }] })), undefined);
  const withoutPythons: Partial<BundleManifest> = { ...good };
  delete withoutPythons.pythons;
  assert.equal(parseManifest(JSON.stringify(withoutPythons)), undefined);
});
