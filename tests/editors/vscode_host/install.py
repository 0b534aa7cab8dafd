#!/usr/bin/env python3
"""Install a real VS Code for the extension's end-to-end test (tests/editors/test_vscode_real.py).

    python3 tests/editors/vscode_host/install.py [--force]

It installs, into $KUBE_LSP_VSCODE_HOST (default: `.vscode-host/` at the repository root, gitignored):

- Debian packages: chromium (the browser Playwright drives), ripgrep (VS Code's search binary), libkrb5-dev
  (for VS Code's `kerberos` module), fonts, a C++ tool chain for the native modules, python3 (the
  extension installs its bundled server with the system Python; deliberately not python3-venv, which users
  often lack: the extension must work without it);
- code-server (VS Code 1.96.4 served to a browser) from the npm registry with `--ignore-scripts`, because its own
  post-install fetches a git dependency from GitHub and prebuilt binaries, which this kind of machine cannot reach;
  the steps of that post-install are done here instead, from the registry only: argon2 and VS Code's native
  modules compiled with node-gyp against the system Node's headers, `@vscode/proxy-agent` taken from the
  registry tarball (the same bytes as the git commit the shrinkwrap names), Debian's `rg` in place of the
  downloaded one, and the links the post-install makes.

The browser driver is the Python `playwright` package, a test dependency in pyproject.toml; it is pointed at
Debian's Chromium and never downloads a browser.

A stamp file records a finished install; with it, a second run only checks the Debian packages and returns in
well under a second. Needs root (or sudo) for apt-get, Node 20 with its headers in /usr/include/node, and
Python >= 3.11 to run this script. Every command is printed; any failure stops the install with its output.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
ENV_VAR = "KUBE_LSP_VSCODE_HOST"
DEFAULT_DIR = REPO / ".vscode-host"
SCRIPT = "tests/editors/vscode_host/install.py"

CODE_SERVER_VERSION = "4.96.4"  # VS Code 1.96.4; the last line that runs on Node 20 is 4.10x
NODE_MAJOR = 20  # code-server 4.96.4 declares `engines: {node: 20}` and its native modules are built for it
NODE_GYP_VERSION = "11.5.0"  # supports Node >= 20.5; newer majors want Node 22
LAYOUT = 1  # bump when the steps change, so existing hosts are reinstalled

# python3: the extension makes its private environment for the bundled server with the system Python (with
# `venv --without-pip` and its bundled pip, so python3-venv is deliberately not installed).
APT_PACKAGES = ("chromium", "ripgrep", "libkrb5-dev", "fonts-dejavu-core", "build-essential", "python3")
CHROMIUM = Path("/usr/lib/chromium/chromium")  # the binary; /usr/bin/chromium is a wrapper script
NODE_HEADERS = Path("/usr/include/node/node_api.h")
NODE_DIR = "/usr"  # node-gyp's --nodedir: the headers there, so it downloads nothing

# VS Code's native modules (in lib/vscode/node_modules) whose install scripts would download prebuilds.
NATIVE_MODULES = ("@vscode/spdlog", "node-pty", "native-watchdog", "@vscode/deviceid", "kerberos")
# Git dependencies of VS Code's shrinkwrap whose registry tarball of the same version has the same integrity.
REGISTRY_TWINS = frozenset({"@vscode/proxy-agent"})


DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # for loopback: no proxy from the environment


class InstallError(Exception):
    """A step failed; the message says which and why."""


@dataclass(frozen=True)
class Host:
    """Where the host lives, and the files a finished install has."""

    root: Path

    @property
    def prefix(self) -> Path:
        return self.root / "code-server"

    @property
    def package(self) -> Path:
        return self.prefix / "node_modules" / "code-server"

    @property
    def entry(self) -> Path:
        return self.package / "out" / "node" / "entry.js"

    @property
    def vscode(self) -> Path:
        return self.package / "lib" / "vscode"

    @property
    def tools(self) -> Path:
        return self.root / "tools"

    @property
    def node_gyp(self) -> Path:
        return self.tools / "node_modules" / "node-gyp" / "bin" / "node-gyp.js"

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def stamp(self) -> Path:
        return self.root / "installed.json"

    def expected_stamp(self, node: str, node_version: str) -> dict[str, object]:
        return {"code-server": CODE_SERVER_VERSION, "layout": LAYOUT, "node": node, "nodeVersion": node_version}

    def read_stamp(self) -> dict[str, object] | None:
        try:
            data = json.loads(self.stamp.read_text())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None


def host_dir(env: Mapping[str, str] = os.environ) -> Path:
    value = env.get(ENV_VAR, "").strip()
    return Path(value).expanduser().resolve() if value else DEFAULT_DIR


def node_binary() -> tuple[str, str] | None:
    """(path, version) of the `node` on PATH, or None."""
    node = shutil.which("node")
    if node is None:
        return None
    out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30)
    return (os.path.realpath(node), out.stdout.strip()) if out.returncode == 0 else None


def problem(host: Host) -> str | None:
    """Why the host at `host` cannot run the test (None: it can). Cheap: reads the stamp and a few files."""
    stamp = host.read_stamp()
    if stamp is None:
        return f"no VS Code host in {host.root}"
    node = node_binary()
    if node is None:
        return "node is not on PATH"
    if stamp != host.expected_stamp(*node):
        return f"the VS Code host in {host.root} was made for {stamp}, not {host.expected_stamp(*node)}"
    for path in (host.entry, CHROMIUM):
        if not path.exists():
            return f"{path} is missing"
    return None


# --------------------------------------------------------------------------------------------------- running


class Log:
    def __init__(self) -> None:
        self.start = time.monotonic()

    def __call__(self, message: str) -> None:
        print(f"[vscode-host {time.monotonic() - self.start:6.1f}s] {message}", flush=True)


say = Log()


def run(cmd: Sequence[str | Path], *, cwd: Path | None = None, env: Mapping[str, str] | None = None,
        timeout: float = 900) -> str:
    """Run cmd, printing it; on failure raise InstallError with the command's output."""
    args = [str(c) for c in cmd]
    say("$ " + " ".join(args) + (f"   (in {cwd})" if cwd else ""))
    try:
        proc = subprocess.run(args, cwd=cwd, env=dict(env) if env is not None else None, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InstallError(f"{args[0]} could not run: {exc}") from exc
    if proc.returncode != 0:
        raise InstallError(f"exit status {proc.returncode} from: {' '.join(args)}\n{proc.stdout[-12000:]}")
    return proc.stdout


def tool_env(host: Host) -> dict[str, str]:
    """The environment of npm and node-gyp: caches inside the host directory (nothing in the user's home), the
    system Node's headers, no update checks."""
    env = dict(os.environ)
    env.update({
        "npm_config_cache": str(host.cache / "npm"),
        "npm_config_logs_dir": str(host.cache / "npm-logs"),
        "npm_config_nodedir": NODE_DIR,
        "npm_config_devdir": str(host.cache / "node-gyp"),
        "npm_config_update_notifier": "false",
        "npm_config_fund": "false",
        "npm_config_audit": "false",
        "npm_config_loglevel": "warn",
    })
    return env


# ------------------------------------------------------------------------------------------------------ steps


def missing_apt_packages() -> list[str]:
    missing = []
    for pkg in APT_PACKAGES:
        proc = subprocess.run(["dpkg-query", "-W", "-f=${db:Status-Abbrev}", pkg], capture_output=True, text=True)
        if proc.returncode != 0 or not proc.stdout.startswith("ii"):
            missing.append(pkg)
    return missing


def install_apt_packages() -> None:
    if shutil.which("dpkg-query") is None or shutil.which("apt-get") is None:
        raise InstallError("this script installs Debian packages with apt-get; it is not available here")
    missing = missing_apt_packages()
    if not missing:
        say(f"Debian packages present: {', '.join(APT_PACKAGES)}")
        return
    say(f"installing Debian packages: {', '.join(missing)}")
    sudo: list[str] = []
    if os.geteuid() != 0:
        if shutil.which("sudo") is None:
            raise InstallError(f"apt-get needs root: run `apt-get install {' '.join(missing)}` as root first")
        sudo = ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run([*sudo, "apt-get", "update", "-q"], env=env)
    run([*sudo, "apt-get", "install", "-y", "-q", "--no-install-recommends", *missing], env=env)
    still = missing_apt_packages()
    if still:
        raise InstallError(f"apt-get did not install {', '.join(still)}")


def check_node() -> tuple[str, str]:
    node = node_binary()
    if node is None:
        raise InstallError(f"node is not on PATH (code-server {CODE_SERVER_VERSION} needs Node {NODE_MAJOR})")
    path, version = node
    if not version.startswith(f"v{NODE_MAJOR}."):
        raise InstallError(f"code-server {CODE_SERVER_VERSION} needs Node {NODE_MAJOR}; {path} is {version}")
    if not NODE_HEADERS.is_file():
        raise InstallError(f"{NODE_HEADERS} is missing: node-gyp would download Node's headers, which cannot work "
                           "offline (the nodejs package of NodeSource and Debian's libnode-dev ship them)")
    if shutil.which("npm") is None:
        raise InstallError("npm is not on PATH")
    say(f"Node {version} at {path}, headers in {NODE_HEADERS.parent}")
    return path, version


def npm_install(prefix: Path, packages: Sequence[str], env: Mapping[str, str]) -> None:
    prefix.mkdir(parents=True, exist_ok=True)
    (prefix / "package.json").write_text('{"private": true}\n')
    run(["npm", "install", "--ignore-scripts", *packages], cwd=prefix, env=env)


def node_gyp(host: Host, node: str, module: Path, env: Mapping[str, str], *extra: str) -> None:
    if not (module / "binding.gyp").is_file():
        raise InstallError(f"{module} has no binding.gyp: the code-server release changed its native modules")
    run([node, host.node_gyp, "rebuild", f"--nodedir={NODE_DIR}", "--jobs=max", *extra], cwd=module, env=env)


def build_argon2(host: Host, node: str, env: Mapping[str, str]) -> None:
    """code-server hashes passwords with argon2 and loads it at start-up even with `--auth none`; its install
    script would download a prebuilt binary from GitHub."""
    module = host.prefix / "node_modules" / "argon2"
    if not module.is_dir():
        module = host.package / "node_modules" / "argon2"
    target = module / "lib" / "binding" / "napi-v3"
    node_gyp(host, node, module, env, "--module_name=argon2", f"--module_path={target.relative_to(module)}",
             "--napi_build_version=3")
    built = module / "build" / "Release" / "argon2.node"
    if not built.is_file():
        raise InstallError(f"node-gyp did not produce {built}")
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(built, target / "argon2.node")


def registry_tarball(name: str, version: str) -> str:
    # npm maps registry.npmjs.org URLs onto the configured registry (replace-registry-host=npmjs, the default).
    return f"https://registry.npmjs.org/{name}/-/{name.rsplit('/', 1)[-1]}-{version}.tgz"


def rewrite_git_dependencies(shrinkwrap: Path) -> None:
    """Point the shrinkwrap's git dependencies at their registry tarballs; npm still checks the integrity."""
    data = json.loads(shrinkwrap.read_text())
    rewritten = []
    for key, entry in data.get("packages", {}).items():
        resolved = str(entry.get("resolved", ""))
        if not resolved.startswith("git"):
            continue
        name = key.rsplit("node_modules/", 1)[-1]
        if name not in REGISTRY_TWINS:
            raise InstallError(f"{shrinkwrap} takes {name} from {resolved}, which cannot be fetched here")
        entry["resolved"] = registry_tarball(name, str(entry["version"]))
        rewritten.append(f"{name}@{entry['version']}")
    shrinkwrap.write_text(json.dumps(data, indent=2) + "\n")
    say(f"shrinkwrap: {', '.join(rewritten) or 'no git dependencies'} from the registry instead of git")


def install_vscode_packages(host: Host, node: str, env: Mapping[str, str]) -> None:
    vscode = host.vscode
    rewrite_git_dependencies(vscode / "npm-shrinkwrap.json")
    run(["npm", "install", "--omit=dev", "--ignore-scripts"], cwd=vscode, env=env)
    modules = vscode / "node_modules"
    for name in NATIVE_MODULES:
        node_gyp(host, node, modules / name, env)
        if not list((modules / name / "build" / "Release").glob("*.node")):
            raise InstallError(f"node-gyp built no .node file for {name}")
    rg = shutil.which("rg")
    if rg is None:
        raise InstallError("rg is not on PATH (the ripgrep package)")
    link(Path(rg), modules / "@vscode" / "ripgrep" / "bin" / "rg")
    # What code-server's postinstall.sh links after installing.
    link(Path("node_modules"), vscode / "node_modules.asar")
    link(Path("code-linux.sh"), vscode / "bin" / "remote-cli" / "code-server")
    link(Path("browser-linux.sh"), vscode / "bin" / "helpers" / "browser.sh")
    # The built-in extensions' shared dependencies (TypeScript for the TypeScript/JavaScript features).
    run(["npm", "install", "--omit=dev"], cwd=vscode / "extensions", env=env)


def link(target: Path, at: Path) -> None:
    at.parent.mkdir(parents=True, exist_ok=True)
    if at.is_symlink() or at.exists():
        if at.is_dir() and not at.is_symlink():
            shutil.rmtree(at)
        else:
            at.unlink()
    at.symlink_to(target)
    say(f"link {at} -> {target}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def smoke_test(host: Host, node: str) -> None:
    """Start code-server once on loopback and wait for /healthz: proves argon2 and the server modules load."""
    with tempfile.TemporaryDirectory(prefix="smoke-", dir=host.root) as tmp:
        home = Path(tmp)
        port = free_port()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
               "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data"),
               "XDG_CACHE_HOME": str(home / "cache")}
        cmd = [node, str(host.entry), "--auth", "none", "--bind-addr", f"127.0.0.1:{port}", "--disable-telemetry",
               "--disable-update-check", "--user-data-dir", str(home / "user"), "--extensions-dir", str(home / "ext")]
        say("smoke test: " + " ".join(cmd))
        log = home / "server.log"
        with log.open("w") as out:
            proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise InstallError(f"code-server exited with {proc.returncode}:\n{log.read_text()[-6000:]}")
                try:
                    with DIRECT.open(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                        if resp.status == 200:
                            say(f"code-server answers /healthz: {resp.read().decode().strip()}")
                            return
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise InstallError(f"code-server did not answer /healthz in 60 s:\n{log.read_text()[-6000:]}")
                time.sleep(0.25)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def check_chromium() -> None:
    if not CHROMIUM.is_file():
        raise InstallError(f"{CHROMIUM} is missing after installing the chromium package")
    say("chromium: " + run([CHROMIUM, "--version", "--no-sandbox"], timeout=60).strip())


def install(host: Host, force: bool) -> None:
    install_apt_packages()
    node, version = check_node()
    check_chromium()
    if not force and host.read_stamp() == host.expected_stamp(node, version) and host.entry.is_file():
        say(f"code-server {CODE_SERVER_VERSION} already installed in {host.root} ({host.stamp.name}); "
            "--force reinstalls")
        return
    host.root.mkdir(parents=True, exist_ok=True)
    host.stamp.unlink(missing_ok=True)
    for stale in (host.prefix, host.tools):
        if stale.exists():
            say(f"removing the previous install in {stale}")
            shutil.rmtree(stale)
    env = tool_env(host)
    say(f"installing code-server {CODE_SERVER_VERSION} and node-gyp {NODE_GYP_VERSION} from the npm registry")
    npm_install(host.tools, [f"node-gyp@{NODE_GYP_VERSION}"], env)
    npm_install(host.prefix, [f"code-server@{CODE_SERVER_VERSION}"], env)
    build_argon2(host, node, env)
    install_vscode_packages(host, node, env)
    smoke_test(host, node)
    host.stamp.write_text(json.dumps(host.expected_stamp(node, version), indent=2) + "\n")
    say(f"done: {host.stamp} written")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="reinstall code-server even if the stamp is current")
    args = parser.parse_args(argv)
    host = Host(host_dir())
    say(f"VS Code host in {host.root} (${ENV_VAR} to change)")
    try:
        install(host, args.force)
    except InstallError as exc:
        print(f"\n[vscode-host] FAILED: {exc}", file=sys.stderr, flush=True)
        return 1
    say(f"ready in {time.monotonic() - say.start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
