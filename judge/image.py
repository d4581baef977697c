"""The sandbox runtime image: build it here, say what is there.

``build()`` works on a host with no image registry:

1. **base**: ``debootstrap --variant=minbase bookworm`` (Debian 12, whose
   ``python3`` is 3.11) into a temporary folder, trimmed and ``docker import``ed
   as ``mljudge-base:bookworm-<hash>``; skipped when that tag exists.
2. **wheelhouse**: the host's pip downloads the wheels of every
   ``docker/requirements-<runtime>.txt`` for CPython 3.11 / manylinux into a
   wheelhouse kept between builds (``$MLJUDGE_WHEELHOUSE``, default
   ``/var/cache/mljudge/wheels``; the local runtimes install from it too),
   hard-linked into the build context (the host's pip settings apply: its
   certificates, local wheel folders, indexes). torch's CPU wheel is not on
   PyPI; pip finds it on this machine through ``PIP_FIND_LINKS`` (``/opt/wheels``).
3. **runtime**: ``docker build`` of ``docker/Dockerfile.local`` FROM the base,
   with network none: one venv per runtime at ``/opt/runtimes/<name>/``
   (numpy, torch, tensorflow), each with exactly its pinned requirements.

The runtime image is tagged ``mljudge-runtime:<hash12>``, the hash of the image
definition (requirements + Dockerfiles + the base recipe below), so the tag
says whether an image is current. ``MLJUDGE_IMAGE`` overrides the image the
sandbox uses (e.g. one built from ``docker/Dockerfile`` on a host that can pull
``python:3.11-slim``).
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from .errors import InternalError, UsageError

IMAGE_REPO = "mljudge-runtime"
BASE_REPO = "mljudge-base"
ENV_IMAGE = "MLJUDGE_IMAGE"
ENV_MIRROR = "MLJUDGE_DEBIAN_MIRROR"
ENV_DOCKER_DIR = "MLJUDGE_DOCKER_DIR"
DEFAULT_MIRROR = "http://deb.debian.org/debian"

# Everything that decides what the base image holds: part of the image hash.
SUITE = "bookworm"
BASE_PACKAGES = ["python3", "python3-venv"]
BASE_TRIM = [  # paths removed from the debootstrapped root (relative)
    "var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc",
    "usr/share/man", "usr/share/info", "usr/share/locale", "var/log",
    "var/cache/debconf/templates.dat-old", "var/cache/debconf/config.dat-old",
]
BASE_CHANGES = ["ENV LANG=C.UTF-8", 'CMD ["/bin/bash"]']
RECIPE_VERSION = "1"

LABELS = {"mljudge.runtime": "1"}

Progress = Callable[[str], None]
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


# ---------------------------------------------------------------- the definition


def docker_dir() -> Path:
    """The repository's ``docker/`` folder (the image definition)."""
    env = os.environ.get(ENV_DOCKER_DIR)
    d = Path(env) if env else Path(__file__).resolve().parent.parent / "docker"
    if not (d / "Dockerfile.local").is_file() or not all((d / f).is_file() for f in _req_files()):
        raise UsageError(
            f"image definition not found in {d} (needs {', '.join(_req_files())}, "
            f"Dockerfile.local): run from a checkout of the judge, or set {ENV_DOCKER_DIR}")
    return d


def _req_files() -> list[str]:
    from .sandbox.runtimes import RUNTIMES

    return [f"requirements-{r}.txt" for r in RUNTIMES]


def _base_recipe() -> str:
    return json.dumps({"suite": SUITE, "packages": BASE_PACKAGES, "trim": BASE_TRIM,
                       "changes": BASE_CHANGES, "arch": _deb_arch(), "v": RECIPE_VERSION},
                      sort_keys=True)


def base_tag() -> str:
    h = hashlib.sha256(_base_recipe().encode()).hexdigest()[:12]
    return f"{BASE_REPO}:{SUITE}-{h}"


def definition_hash() -> str:
    """Hash of everything that decides the runtime image's content."""
    d = docker_dir()
    h = hashlib.sha256()
    for name in (*_req_files(), "Dockerfile.local", "Dockerfile"):
        p = d / name
        h.update(name.encode() + b"\0")
        h.update(p.read_bytes() if p.exists() else b"")
        h.update(b"\0")
    h.update(_base_recipe().encode())
    return h.hexdigest()[:12]


def default_tag() -> str:
    return f"{IMAGE_REPO}:{definition_hash()}"


def runtime_image() -> str:
    """The image the docker sandbox runs: ``$MLJUDGE_IMAGE`` or the current tag."""
    return os.environ.get(ENV_IMAGE) or default_tag()


def requirements() -> dict[str, dict[str, str]]:
    """``runtime -> {package -> pinned version}`` from docker/requirements-<runtime>.txt."""
    from .sandbox.runtimes import RUNTIMES, pins

    docker_dir()
    return {r: pins(r) for r in RUNTIMES}


def _deb_arch() -> str:
    m = platform.machine().lower()
    return {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(m, m)


def _wheel_arch() -> str:
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(_deb_arch(), platform.machine())


# ---------------------------------------------------------------- engine access


def _client(timeout: float = 10):
    from .sandbox.docker import engine_client

    return engine_client(timeout=timeout)


def _image_or_none(client, tag: str):
    import docker

    try:
        return client.images.get(tag)
    except docker.errors.ImageNotFound:
        return None


# ---------------------------------------------------------------- build


def build(progress: Progress = print, force: bool = False, keep_old: bool = False) -> str:
    """Build the runtime image unless it is already current; returns its tag.

    Raises InternalError with a message saying what to do when it cannot.
    """
    import docker

    t0 = time.monotonic()
    try:
        client = _client(timeout=30)
    except Exception as exc:  # engine down: the message says what to run
        raise InternalError(str(exc)) from None
    tag = default_tag()
    override = os.environ.get(ENV_IMAGE)
    if override and override != tag:
        progress(f"note: {ENV_IMAGE}={override} is set; the sandbox uses that image, "
                 f"not the {tag} built here")
    if not force and _image_or_none(client, tag) is not None:
        progress(f"{tag} is up to date")
        return tag

    work = Path(tempfile.mkdtemp(prefix="mljudge-image-", dir=_work_parent()))
    try:
        base = _ensure_base(client, work, progress, force=force)
        ctx = work / "context"
        ctx.mkdir()
        d = docker_dir()
        for name in (*_req_files(), "Dockerfile.local"):
            shutil.copy2(d / name, ctx / name)
        (ctx / ".dockerignore").write_text(
            "*\n" + "".join(f"!{n}\n" for n in _req_files()) + "!Dockerfile.local\n!wheels/\n")
        _download_wheels([ctx / n for n in _req_files()], ctx / "wheels", progress)
        _docker_build(ctx, tag, base, progress)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    # Unnamed leftovers of the builder stage hold a copy of the wheelhouse and
    # the venv (GBs); removing them takes a while.
    client = _client(timeout=600)
    progress("removing the builder stage's leftovers")
    try:
        client.api.prune_images(filters={"dangling": True, "label": "mljudge.stage=builder"})
    except Exception as exc:  # not fatal: the image is built
        progress(f"  could not prune: {exc}")
    if not keep_old:
        _remove_old(client, keep=tag, progress=progress)
    img = client.images.get(tag)
    progress(f"built {tag} in {time.monotonic() - t0:.0f} s, "
             f"{img.attrs.get('Size', 0) / 1e6:.0f} MB")
    return tag


def _work_parent() -> str | None:
    # Large temporary trees (a Debian root, ~1 GB of wheels): prefer /var/tmp
    # over a possibly small tmpfs /tmp.
    for p in (os.environ.get("TMPDIR"), "/var/tmp"):
        if p and os.path.isdir(p) and os.access(p, os.W_OK):
            return p
    return None


_SAVED = re.compile(r"(?:Saved|File was already downloaded)\s+(\S+\.whl)")


def _run(cmd: list[str], progress: Progress, what: str, env=None, lines: list[str] | None = None) -> None:
    """Run a host command, relaying its output line by line."""
    progress("$ " + " ".join(cmd))
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, errors="replace", env=env)
    except FileNotFoundError:
        raise InternalError(f"{what}: {cmd[0]} is not installed "
                            f"(run `bash .ci/install-docker.sh`, or apt-get install {cmd[0]})") from None
    tail: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        line = line.rstrip()
        tail = (tail + [line])[-20:]
        if lines is not None:
            lines.append(line)
        progress("  " + line)
    if proc.wait() != 0:
        raise InternalError(f"{what} failed (exit {proc.returncode}):\n" + "\n".join(tail))


def _ensure_base(client, work: Path, progress: Progress, force: bool = False) -> str:
    tag = base_tag()
    if not force and _image_or_none(client, tag) is not None:
        progress(f"base {tag} present")
        return tag
    if os.geteuid() != 0:
        raise InternalError("building the base image runs debootstrap, which needs root: "
                            "run `sudo judge image build`")
    if not shutil.which("debootstrap"):
        raise InternalError("debootstrap is not installed: run `bash .ci/install-docker.sh` "
                            "or `apt-get install -y debootstrap`")
    prev = _image_or_none(client, tag)
    if prev is not None:
        _old_bases.append(prev.id)
    root = work / "rootfs"
    mirror = os.environ.get(ENV_MIRROR, DEFAULT_MIRROR)
    t0 = time.monotonic()
    progress(f"debootstrap {SUITE} ({_deb_arch()}) from {mirror}: a few minutes")
    cmd = ["debootstrap", "--variant=minbase", f"--arch={_deb_arch()}",
           "--include=" + ",".join(BASE_PACKAGES), SUITE, str(root), mirror]
    _run(cmd, progress, "debootstrap")
    # Trim what a runtime never reads.
    for rel in BASE_TRIM:
        p = root / rel
        if p.is_dir() and not p.is_symlink():
            for child in p.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
        elif p.exists():
            p.unlink()
    tar = work / "rootfs.tar"
    _run(["tar", "--numeric-owner", "-C", str(root), "-cf", str(tar), "."], progress, "tar of the base root")
    shutil.rmtree(root, ignore_errors=True)
    repo, _, tg = tag.partition(":")
    progress(f"docker import as {tag}")
    client.api.import_image_from_file(str(tar), repository=repo, tag=tg, changes=BASE_CHANGES)
    tar.unlink(missing_ok=True)
    if _image_or_none(client, tag) is None:
        raise InternalError(f"docker import did not produce {tag}")
    progress(f"base {tag} ready in {time.monotonic() - t0:.0f} s")
    return tag


def _platform_args() -> list[str]:
    """Every manylinux tag bookworm's glibc (2.36) runs; older pips do not expand them."""
    arch = _wheel_arch()
    tags = [f"manylinux_2_{n}_{arch}" for n in range(36, 4, -1)]
    tags += [f"manylinux2014_{arch}"]
    if arch == "x86_64":
        tags += ["manylinux2010_x86_64", "manylinux1_x86_64"]
    out: list[str] = []
    for t in tags:
        out += ["--platform", t]
    return out


def _download_wheels(reqs: list[Path], dest: Path, progress: Progress) -> None:
    """The host's pip fetches binary wheels for the image's CPython 3.11.

    They go to the persistent wheelhouse (a rebuild downloads nothing new), then
    the ones the requirement files name are hard-linked (or copied) into ``dest``.
    """
    from .sandbox.runtimes import wheelhouse

    house = wheelhouse()
    house.mkdir(parents=True, exist_ok=True)
    dest.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    # torch's CPU build lies on disk here, not on PyPI.
    if os.path.isdir("/opt/wheels"):
        links = env.get("PIP_FIND_LINKS", "")
        if "/opt/wheels" not in links.split():
            env["PIP_FIND_LINKS"] = (links + " /opt/wheels").strip()
    cmd = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check",
           "--progress-bar", "off", "--only-binary=:all:",
           "--python-version", "3.11", "--implementation", "cp", "--abi", "cp311",
           *_platform_args(), "-d", str(house)]
    for req in reqs:
        cmd += ["-r", str(req)]
    t0 = time.monotonic()
    lines: list[str] = []
    _run(cmd, progress, "downloading the runtimes' wheels", env=env, lines=lines)
    # pip names each wheel it resolved: "Saved <path>" or "File was already downloaded <path>".
    found = {Path(m.group(1).strip()).name for m in map(_SAVED.search, lines) if m}
    if not found:
        raise InternalError(f"pip download named no wheel in {house}")
    for name in sorted(found):
        src = house / name
        if not src.is_file():
            raise InternalError(f"pip named {name} but it is not in {house}")
        try:
            os.link(src, dest / src.name)
        except OSError:
            shutil.copy2(src, dest / src.name)
    n = len(list(dest.glob("*.whl")))
    size = sum(p.stat().st_size for p in dest.glob("*.whl"))
    progress(f"{n} wheels, {size / 1e6:.0f} MB, in {time.monotonic() - t0:.0f} s")


def _docker_build(ctx: Path, tag: str, base: str, progress: Progress) -> None:
    import docker

    t0 = time.monotonic()
    progress(f"docker build {tag} (FROM {base}, network none)")
    client = _client(timeout=3600)  # a build step may print nothing for minutes
    labels = dict(LABELS)
    labels.update({
        "mljudge.definition": tag.split(":", 1)[1],
        "mljudge.method": "local",
        "mljudge.base": base,
        "mljudge.built": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    })
    tail: list[str] = []
    try:
        for chunk in client.api.build(path=str(ctx), dockerfile="Dockerfile.local", tag=tag,
                                      buildargs={"BASE": base}, labels=labels, rm=True,
                                      forcerm=True, pull=False, network_mode="none",
                                      decode=True):
            if "error" in chunk:
                raise InternalError("docker build failed: " + str(chunk["error"]).strip()
                                    + ("\n" + "\n".join(tail) if tail else ""))
            text = _ANSI.sub("", chunk.get("stream") or chunk.get("status") or "")
            for line in text.rstrip().splitlines():
                tail = (tail + [line])[-20:]
                progress("  " + line)
    except docker.errors.APIError as exc:
        raise InternalError(f"docker build failed: {exc.explanation or exc}") from None
    progress(f"docker build done in {time.monotonic() - t0:.0f} s")


def _remove_old(client, keep: str, progress: Progress) -> None:
    for img in client.images.list(filters={"label": "mljudge.runtime=1"}):
        if keep in img.tags:
            continue
        for t in img.tags or [img.id]:
            try:
                client.images.remove(t, noprune=False)
                progress(f"removed old image {t[:19]}")
            except Exception as exc:  # in use by a running judging: leave it
                progress(f"kept old image {t[:19]} ({_first_line(exc)})")
    # An earlier base that a rebuild replaced (tagless now), once nothing uses it.
    for old in _old_bases:
        try:
            client.images.remove(old)
            progress(f"removed old base {old[:19]}")
        except Exception:
            pass
    _old_bases.clear()


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:120]


_old_bases: list[str] = []  # ids of bases replaced by a forced rebuild


# ---------------------------------------------------------------- status

# Asks one runtime's python for the versions of ``names``.
_ASK = (
    "import json, platform, importlib.metadata as m\n"
    "out = {'python': platform.python_version()}\n"
    "for n in %r:\n"
    "    try: out[n] = m.version(n)\n"
    "    except Exception: out[n] = None\n"
    "print(json.dumps(out))\n"
)
# Run by the first runtime's python: asks every runtime (``ask`` and the list are filled in).
_VERSIONS_SCRIPT = (
    "import json, subprocess\n"
    "res = {}\n"
    "for r, py in %r:\n"
    "    try:\n"
    "        p = subprocess.run([py, '-c', %r], capture_output=True, text=True, timeout=60)\n"
    "        res[r] = json.loads(p.stdout) if p.returncode == 0 else {'error': p.stderr[-300:]}\n"
    "    except Exception as e:\n"
    "        res[r] = {'error': str(e)[:300]}\n"
    "print(json.dumps(res))\n"
)


def image_versions(client, tag: str, timeout: float = 90) -> dict:
    """``runtime -> {package -> version or None}`` in an image (one short, sandboxed container).

    Every runtime is asked about every pinned package, so a package that must
    be absent from a runtime shows as None there.
    """
    import docker

    from .sandbox.runtimes import RUNTIMES, image_python

    names = sorted({n for pins in requirements().values() for n in pins})
    script = _VERSIONS_SCRIPT % ([(r, image_python(r)) for r in RUNTIMES], _ASK % (names,))
    c = None
    try:
        c = client.containers.create(
            tag, [image_python(RUNTIMES[0]), "-c", script],
            network_mode="none", user="65534:65534", read_only=True, cap_drop=["ALL"],
            security_opt=["no-new-privileges"], mem_limit="1g", labels={"mljudge": "1", "mljudge.kind": "status",
                                            "mljudge.owner": f"{socket.gethostname()}:{os.getpid()}"},
            name=f"mljudge-status-{os.getpid()}-{int(time.time() * 1000) % 10**8}")
        c.start()
        res = c.wait(timeout=timeout)
        if res.get("StatusCode") != 0:
            return {"error": c.logs(stderr=True).decode(errors="replace")[-400:]}
        return json.loads(c.logs(stdout=True, stderr=False).decode(errors="replace").strip().splitlines()[-1])
    except Exception as exc:  # status never fails on this
        return {"error": str(exc)[:400]}
    finally:
        if c is not None:
            try:
                c.remove(force=True)
            except docker.errors.APIError:
                pass


def status(versions: bool = True) -> dict:
    """What is there: engine, image, whether it is current, its size and content."""
    out: dict = {"engine": False, "engine_error": None, "image": None, "override": None,
                 "definition": None, "present": False, "current": False, "size_bytes": None,
                 "created": None, "base": None, "base_present": None, "versions": None,
                 "pinned": None, "other_images": [], "local_runtimes": None}
    try:
        out["definition"] = definition_hash()
        out["pinned"] = requirements()
        out["base"] = base_tag()
    except UsageError as exc:
        out["engine_error"] = str(exc)
        return out
    from .sandbox.runtimes import RUNTIMES, local_status

    out["local_runtimes"] = {r: local_status(r) for r in RUNTIMES}
    tag = runtime_image()
    out["image"] = tag
    out["override"] = os.environ.get(ENV_IMAGE) or None
    try:
        client = _client(timeout=10)
    except Exception as exc:
        out["engine_error"] = str(exc)
        return out
    out["engine"] = True
    try:
        out["server_version"] = client.version().get("Version")
    except Exception:
        pass
    img = _image_or_none(client, tag)
    out["base_present"] = _image_or_none(client, out["base"]) is not None
    if img is not None:
        labels = (img.attrs.get("Config") or {}).get("Labels") or {}
        out["present"] = True
        out["size_bytes"] = img.attrs.get("Size")
        out["created"] = img.attrs.get("Created")
        out["image_definition"] = labels.get("mljudge.definition")
        out["current"] = labels.get("mljudge.definition") == out["definition"]
        if versions:
            v = image_versions(client, tag)
            out["versions"] = v
            if "error" not in v and out["override"]:
                # An image built elsewhere is current when each runtime holds its pins.
                out["current"] = all((v.get(r) or {}).get(n) == ver
                                     for r, pins in out["pinned"].items() for n, ver in pins.items())
    try:
        for other in client.images.list(filters={"label": "mljudge.runtime=1"}):
            if tag not in other.tags:
                out["other_images"].extend(other.tags or [other.short_id])
    except Exception:
        pass
    return out


def _local_lines(st: dict) -> list[str]:
    from .sandbox.runtimes import local_dir

    local = st.get("local_runtimes")
    if not local:
        return []
    return ["runtimes (local backend, host venvs):"] + [
        f"  {r:11s} " + (f"ok ({local_dir(r)})" if why is None else why) for r, why in local.items()]


def _runtime_lines(v: dict, pinned: dict) -> list[str]:
    out = []
    for r, pins in pinned.items():
        got = v.get(r) or {}
        if "error" in got or not got:
            out.append(f"  {r:11s} missing or broken: {str(got.get('error', 'absent'))[:120]}")
            continue
        have = [f"{n} {ver}" + (f" (pinned {pins[n]})" if n in pins and pins[n] != ver else "")
                for n, ver in got.items() if ver is not None]
        wanted_missing = [n for n in pins if got.get(n) is None]
        absent = [n for n, ver in got.items() if ver is None and n not in pins]
        line = f"  {r:11s} " + ", ".join(have)
        if wanted_missing:
            line += f"; MISSING {', '.join(wanted_missing)}"
        if absent:
            line += f"; absent: {', '.join(absent)}"
        out.append(line)
    return out


def describe(st: dict) -> str:
    """``status()`` as lines for a terminal, ending with what to run if anything."""
    lines = []
    if not st["engine"]:
        lines.append(f"engine:  not reachable: {st['engine_error']}")
        lines += _local_lines(st)
        return "\n".join(lines)
    lines.append(f"engine:  up (server {st.get('server_version', '?')})")
    lines.append(f"image:   {st['image']}" + (f"  (from ${ENV_IMAGE})" if st["override"] else ""))
    if not st["present"]:
        lines.append("         missing: run `judge image build`")
    else:
        size = f"{st['size_bytes'] / 1e6:.0f} MB" if st["size_bytes"] else "?"
        lines.append(f"         present, {size}, created {str(st['created'])[:19]}")
        lines.append("         current" if st["current"] else
                     "         NOT current (definition changed): run `judge image build`")
    v = st.get("versions")
    if v:
        if "error" in v:
            lines.append(f"inside:  could not read versions: {v['error']}")
        else:
            lines.append("runtimes (in the image, /opt/runtimes/<name>):")
            lines += _runtime_lines(v, st.get("pinned") or {})
    lines += _local_lines(st)
    lines.append(f"base:    {st['base']} ({'present' if st['base_present'] else 'missing'})")
    if st["other_images"]:
        lines.append("older:   " + ", ".join(st["other_images"]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m judge.image build|status [--json]`` (the CLI wires the same)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    cmd = argv[0] if argv else "status"
    try:
        if cmd == "build":
            build(progress=lambda s: print(s, flush=True), force="--force" in argv)
            return 0
        if cmd == "status":
            st = status()
            print(json.dumps(st, indent=2, default=str) if "--json" in argv else describe(st))
            return 0 if st["engine"] and st["present"] and st["current"] else 3
    except (InternalError, UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print("usage: python -m judge.image build [--force] | status [--json]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
