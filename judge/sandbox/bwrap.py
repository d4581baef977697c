"""The local sandbox's walls: a bubblewrap command line.

The job sees a file system made of the runtime and its job alone:

- ``/usr`` (and the ``/bin``, ``/lib*``, ``/sbin`` links of a merged-usr
  host) read-only, with every site-packages folder of the base interpreter
  covered by an empty tmpfs (only the runtime's venv holds packages);
- the runtime's venv read-only at ``/opt/runtimes/<name>`` (the image's path);
- the job's inputs read-only at ``/sandbox/<role>``, the harness at
  ``/opt/mljudge/<name>``, the output folder read-write at ``/sandbox/out``
  (the docker backend's paths);
- ``/etc`` with only what a runtime reads (a two-line passwd and group,
  hosts with localhost and the sandbox's own name, the dynamic loader's cache);
- a private ``/proc``, a minimal ``/dev``, size-capped tmpfs ``/tmp`` and ``/dev/shm``.

Nothing else: no ``reference/``, no JUDGE_HOME, no ``/root``, ``/home`` or
``/work``. New user (uid 65534 inside), PID, IPC, UTS, cgroup and network
namespaces (loopback only), all capabilities dropped, no further user
namespaces, ``--die-with-parent``, ``--new-session`` (no TIOCSTI to the
judge's terminal).
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

ENV_BWRAP = "MLJUDGE_BWRAP"
SANDBOX = "/sandbox"
PKG_ROOT = "/opt/mljudge"
RUNTIME_ROOT = "/opt/runtimes"
UID = 65534
HOSTNAME = "sandbox"
ETC_FILES = ("ld.so.cache", "ld.so.conf", "localtime")
ETC_DIRS = ("ld.so.conf.d",)
# site-packages of a Debian python that a venv must not reach even by path
EXTRA_SITE = ("/usr/lib/python3/dist-packages", "/usr/local/lib/python3.11/dist-packages",
              "/usr/lib/python3.11/dist-packages", "/usr/local/lib/python3.11/site-packages")


def bwrap_path() -> str | None:
    return os.environ.get(ENV_BWRAP) or shutil.which("bwrap")


@functools.lru_cache(maxsize=4)
def _probe(path: str | None) -> str | None:
    if not path:
        return "bubblewrap (bwrap) is not installed: apt-get install -y bubblewrap"
    cmd = [path, "--unshare-all", "--unshare-user", "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--disable-userns",
           "--uid", str(UID), "--gid", str(UID), *_system_binds(), "--proc", "/proc", "--dev", "/dev",
           "--", "/bin/sh", "-c", "exit 0"]
    try:
        res = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap could not run ({path}: {exc})"
    if res.returncode != 0:
        why = (res.stderr.strip().splitlines() or [f"exit status {res.returncode}"])[-1][:160]
        return f"this host cannot create the namespaces the local sandbox needs ({path}: {why})"
    return None


def unavailable() -> str | None:
    """None when bubblewrap can build a sandbox here, else a one-line reason."""
    return _probe(bwrap_path())


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        p = Path("/") / top
        if p.is_symlink():
            args += ["--symlink", os.readlink(p), f"/{top}"]
        elif p.is_dir():
            args += ["--ro-bind", str(p), f"/{top}"]
    return args


def write_etc(folder: Path) -> Path:
    """The sandbox's /etc files (passwd, group, hosts) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "passwd").write_text(f"root:x:0:0:root:/tmp:/bin/false\n"
                                   f"sandbox:x:{UID}:{UID}:sandbox:/tmp:/bin/false\n")
    (folder / "group").write_text(f"root:x:0:\nsandbox:x:{UID}:\n")
    (folder / "hosts").write_text(f"127.0.0.1 localhost {HOSTNAME}\n::1 localhost\n")
    (folder / "nsswitch.conf").write_text("passwd: files\ngroup: files\nhosts: files\n")
    return folder


def command(*, runtime_dir: Path | None, runtime_name: str, base_prefixes: list[str | None], base_site: list[str],
            mounts: dict[str, Path], packages: dict[str, Path], out_dir: Path, etc_dir: Path,
            tmp_mb: int, shm_mb: int, argv: list[str]) -> list[str]:
    """The full bwrap command running ``argv`` (already resolved to in-sandbox paths)."""
    path = bwrap_path()
    assert path, "bwrap missing (check unavailable() first)"
    a = [path, "--unshare-all", "--unshare-user", "--hostname", HOSTNAME, "--die-with-parent", "--new-session",
         "--cap-drop", "ALL", "--uid", str(UID), "--gid", str(UID), "--disable-userns"]
    a += _system_binds()
    covered = ["/usr"]
    for prefix in base_prefixes:  # e.g. a pyenv interpreter outside /usr
        if prefix and not any(_under(prefix, c) for c in covered):
            a += ["--ro-bind", prefix, prefix]
            covered.append(prefix)
    for name in ETC_FILES:
        if (Path("/etc") / name).is_file():
            a += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    for name in ETC_DIRS:
        if (Path("/etc") / name).is_dir():
            a += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    for name in ("passwd", "group", "hosts", "nsswitch.conf"):
        a += ["--ro-bind", str(etc_dir / name), f"/etc/{name}"]
    # The base interpreter's packages are not the runtime's: hide every such folder.
    if runtime_dir is not None:
        for site in sorted(set(base_site) | set(EXTRA_SITE)):
            if os.path.isdir(site):
                a += ["--tmpfs", site, "--remount-ro", site]
        a += ["--ro-bind", str(runtime_dir), f"{RUNTIME_ROOT}/{runtime_name}"]
    for role, host in mounts.items():
        a += ["--ro-bind", str(host), f"{SANDBOX}/{role}"]
    for name, host in packages.items():
        a += ["--ro-bind", str(host), f"{PKG_ROOT}/{name}"]
    a += ["--bind", str(out_dir), f"{SANDBOX}/out"]
    a += ["--proc", "/proc", "--dev", "/dev",
          "--perms", "1777", "--size", str(int(tmp_mb) << 20), "--tmpfs", "/tmp",
          "--perms", "1777", "--size", str(int(shm_mb) << 20), "--tmpfs", "/dev/shm",
          "--remount-ro", "/", "--chdir", "/tmp", "--", *argv]
    return a


def _under(path: str, top: str) -> bool:
    return os.path.commonpath([os.path.abspath(path), top]) == top
