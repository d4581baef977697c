"""Runtimes: one Python environment per framework, holding only what its problems may import.

A problem names its runtime (problem.yaml ``runtime:``, default its
``framework``). Each runtime is a venv built from
``docker/requirements-<name>.txt``:

- in the sandbox image at ``/opt/runtimes/<name>/`` (docker backend);
- on the host at ``$MLJUDGE_RUNTIMES/<name>/`` (default
  ``/opt/mljudge/runtimes``) for the local backend, made by ``setup()``
  (``python -m judge.sandbox.runtimes setup``, run by scripts/setup.sh).

The numpy runtime holds no torch or TensorFlow, so no spelling of an import
(``importlib.import_module("to" + "rch")``, ``__import__``, a path added to
``sys.path``) reaches them: the local sandbox also hides the base
interpreter's own site-packages (see bwrap.py).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

RUNTIMES = ("numpy", "torch", "tensorflow")
IMAGE_ROOT = "/opt/runtimes"
ENV_ROOT = "MLJUDGE_RUNTIMES"
DEFAULT_ROOT = "/opt/mljudge/runtimes"
ENV_WHEELHOUSE = "MLJUDGE_WHEELHOUSE"
DEFAULT_WHEELHOUSE = "/var/cache/mljudge/wheels"
STAMP = "mljudge-runtime.json"
# The base interpreter of the host venvs: Debian's python3.11 (the image's)
# when installed, else the judge's own.
BASE_CANDIDATES = ("/usr/bin/python3.11",)


def requirements_file(name: str) -> Path:
    from ..image import docker_dir

    return docker_dir() / f"requirements-{name}.txt"


def pins(name: str) -> dict[str, str]:
    """``package -> pinned version`` for a runtime."""
    out = {}
    for line in requirements_file(name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            pkg, ver = line.split("==", 1)
            out[pkg.strip()] = ver.strip()
    return out


def image_python(name: str) -> str:
    return f"{IMAGE_ROOT}/{name}/bin/python"


def check_name(name: str) -> str:
    if name not in RUNTIMES:
        raise ValueError(f"unknown runtime {name!r} (choose from {', '.join(RUNTIMES)})")
    return name


# ---------------------------------------------------------------- host venvs


def local_root() -> Path:
    return Path(os.environ.get(ENV_ROOT) or DEFAULT_ROOT)


def local_dir(name: str) -> Path:
    return local_root() / check_name(name)


def local_python(name: str) -> Path:
    return local_dir(name) / "bin" / "python"


def wheelhouse() -> Path:
    return Path(os.environ.get(ENV_WHEELHOUSE) or DEFAULT_WHEELHOUSE)


def base_python() -> str:
    for p in BASE_CANDIDATES:
        if os.access(p, os.X_OK):
            return p
    return os.path.realpath(sys.executable)


def _definition(name: str, base: str) -> str:
    h = hashlib.sha256(requirements_file(name).read_bytes())
    h.update(b"\0" + os.path.realpath(base).encode())
    return h.hexdigest()[:16]


def stamp(name: str) -> dict | None:
    """What setup() recorded for a host runtime (None when absent or unreadable)."""
    try:
        return json.loads((local_dir(name) / STAMP).read_text())
    except (OSError, ValueError):
        return None


def local_status(name: str) -> str | None:
    """None when the host runtime is present and current, else a one-line reason."""
    st = stamp(name)
    if st is None or not local_python(name).exists():
        return (f"local runtime {name!r} is missing under {local_root()}: run "
                f"`bash scripts/setup.sh` (or `python -m judge.sandbox.runtimes setup`)")
    if st.get("definition") != _definition(name, st.get("base", "")):
        return (f"local runtime {name!r} is out of date (docker/requirements-{name}.txt changed): "
                f"run `python -m judge.sandbox.runtimes setup`")
    return None


def _pip(*args: str) -> list[str]:
    return [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]


def _env() -> dict:
    env = dict(os.environ)
    if os.path.isdir("/opt/wheels"):  # torch's CPU wheel lies on disk here, not on PyPI
        links = env.get("PIP_FIND_LINKS", "")
        if "/opt/wheels" not in links.split():
            env["PIP_FIND_LINKS"] = (links + " /opt/wheels").strip()
    return env


def setup_one(name: str, progress=print, force: bool = False) -> bool:
    """Create or refresh one host runtime; returns True when it (re)built it."""
    base = base_python()
    if not force and local_status(name) is None:
        progress(f"runtime {name}: up to date ({local_dir(name)})")
        return False
    t0 = time.monotonic()
    req = requirements_file(name)
    wh = wheelhouse()
    wh.mkdir(parents=True, exist_ok=True)
    # The wheels land in the same wheelhouse the image build fills: once there,
    # nothing is downloaded again.
    subprocess.run(_pip("download", "-q", "--only-binary=:all:", "-r", str(req), "-d", str(wh)),
                   check=True, env=_env())
    final = local_dir(name)
    work = final.with_name(f".{name}.new")
    shutil.rmtree(work, ignore_errors=True)
    final.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([base, "-m", "venv", "--without-pip", str(work)], check=True)
    # The venv must live at its final path (its scripts and pyvenv.cfg name it):
    # build aside, then swap.
    old = final.with_name(f".{name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    work.rename(final)
    try:
        subprocess.run(_pip("--python", str(final / "bin" / "python"), "install", "-q", "--no-index",
                            "--find-links", str(wh), "-r", str(req)), check=True, env=_env())
        site = subprocess.run([base, "-I", "-c", "import site, json; print(json.dumps(site.getsitepackages()))"],
                              check=True, capture_output=True, text=True).stdout
        info = {"name": name, "definition": _definition(name, base), "base": os.path.realpath(base),
                "base_prefix": _prefix(base), "base_site": json.loads(site), "pins": pins(name),
                "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        (final / STAMP).write_text(json.dumps(info, indent=1))
    except BaseException:
        shutil.rmtree(final, ignore_errors=True)
        if old.exists():
            old.rename(final)
        raise
    shutil.rmtree(old, ignore_errors=True)
    progress(f"runtime {name}: built in {time.monotonic() - t0:.0f} s ({final})")
    return True


def _prefix(base: str) -> str:
    return subprocess.run([base, "-I", "-c", "import sys; print(sys.base_prefix)"], check=True,
                          capture_output=True, text=True).stdout.strip()


def setup(names=RUNTIMES, progress=print, force: bool = False) -> None:
    for n in names:
        setup_one(n, progress, force)


def main(argv: list[str] | None = None) -> int:
    """``python -m judge.sandbox.runtimes setup [--force] [NAME...] | status``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    cmd = argv[0] if argv else "status"
    names = [a for a in argv[1:] if not a.startswith("-")] or list(RUNTIMES)
    try:
        names = [check_name(n) for n in names]
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if cmd == "setup":
        t0 = time.monotonic()
        try:
            setup(names, progress=lambda s: print(s, flush=True), force="--force" in argv)
        except subprocess.CalledProcessError as exc:
            print(f"error: runtime setup failed: {' '.join(map(str, exc.cmd))[:300]}", file=sys.stderr)
            return 3
        print(f"runtimes ready in {time.monotonic() - t0:.0f} s under {local_root()}")
        return 0
    if cmd == "status":
        bad = 0
        for n in names:
            why = local_status(n)
            bad += why is not None
            print(f"{n:11s} {'ok  ' + str(local_dir(n)) if why is None else why}")
        return 3 if bad else 0
    print("usage: python -m judge.sandbox.runtimes setup [--force] [NAME...] | status", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
