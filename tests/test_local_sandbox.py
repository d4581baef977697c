"""The local backend: its bubblewrap walls, its runtimes and its limits, with real processes.

The limits tests run twice: with a cgroup per job (the kernel decides) and
with MLJUDGE_NO_CGROUP=1 (the poller decides by process count first, then
summed PSS); neither verdict may depend on timing.
"""
import os
import subprocess
import sys
import time

import pytest

from judge.sandbox import runtimes
from judge.sandbox.base import Job, Limits
from judge.sandbox.local import LocalBackend, _session_procs

from .conftest import REPO


def _job(tmp_path, code, runtime="numpy", mounts=None, **limits):
    return Job(command=["{python}", "-c", code], mounts=mounts or {}, out_dir=tmp_path / "out",
               limits=Limits(**{"wall_seconds": 10, "memory_mb": 256, **limits}), runtime=runtime)


@pytest.fixture(params=["cgroup", "poll"])
def counting(request, monkeypatch):
    """How limits are counted: a cgroup per job, or the poller's consistent measure."""
    if request.param == "poll":
        monkeypatch.setenv("MLJUDGE_NO_CGROUP", "1")
    else:
        from judge.sandbox.cgroup import JobCgroup

        g = JobCgroup.create(8, 64 << 20)
        if g is None:
            pytest.skip("this host allows no child cgroup")
        g.remove()
    return request.param


def _needs_runtime(name):
    why = runtimes.local_status(name)
    if why:
        pytest.skip(why)


def test_clean_run(local_backend, tmp_path):
    r = local_backend.run(_job(tmp_path, "print('hi')"))
    assert (r.exit_code, r.timed_out, r.oom_killed, r.stdout) == (0, False, False, "hi\n")


def test_sleep_is_killed_at_the_wall_limit(local_backend, tmp_path):
    start = time.monotonic()
    r = local_backend.run(_job(tmp_path, "import time; time.sleep(60)", wall_seconds=1.5))
    took = time.monotonic() - start
    assert r.timed_out and not r.oom_killed
    assert 1.5 <= took < 4


def test_memory_hog_is_reported_as_memory(local_backend, tmp_path, counting):
    code = "import numpy as np\nx=[]\nwhile True: x.append(np.ones(16<<20, dtype=np.uint8))"
    r = local_backend.run(_job(tmp_path, code, memory_mb=200))
    assert r.oom_killed and not r.timed_out and not r.details["pids_exceeded"]
    assert r.peak_memory_bytes > 150 << 20
    assert r.details["limits_by"].startswith("cgroup" if counting == "cgroup" else "poll")


def test_forks_sharing_memory_are_counted_once(local_backend, tmp_path, counting):
    """20 forks of a process holding 120 MB share it: 20 x RSS would be 2.4 GB, the job uses ~130 MB."""
    code = ("import os, time, numpy as np\nx = np.ones(120 << 20, dtype=np.uint8)\n"
            "for _ in range(20):\n    if os.fork() == 0: break\n"
            "time.sleep(1.5)")
    r = local_backend.run(_job(tmp_path, code, memory_mb=400, pids=64, wall_seconds=60))
    assert not r.oom_killed and not r.details["pids_exceeded"] and not r.timed_out, r.stderr[-500:]


def test_output_is_capped(local_backend, tmp_path):
    code = "import sys\nfor _ in range(200): sys.stdout.write('x' * 100000)"
    r = local_backend.run(_job(tmp_path, code, output_bytes=1000))
    assert len(r.stdout) == 1000 and r.output_truncated and r.exit_code == 0


def test_fork_bomb_is_stopped_and_nothing_is_left(local_backend, tmp_path, counting):
    code = "import os, time\nfor _ in range(12):\n    os.fork()\ntime.sleep(30)"
    start = time.monotonic()
    r = local_backend.run(_job(tmp_path, code, pids=32, wall_seconds=60))
    # The verdict is the kernel's count (cgroup) or an exact count checked before memory (poll):
    # never the wall clock, never memory.
    assert r.details["pids_exceeded"] and not r.oom_killed and not r.timed_out
    # How soon: the kernel refuses the 34th process at once; the poller (the fallback)
    # needs the CPU first, which a loaded host gives late.
    if counting == "cgroup":
        assert time.monotonic() - start < 8
    assert not [p for p in os.listdir("/proc") if p.isdigit() and _in_job(p, code)]


def _in_job(pid, code):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return code.encode() in fh.read()
    except OSError:
        return False


def test_background_children_are_killed(local_backend, tmp_path):
    tag = f"bg-child-{os.getpid()}-{time.monotonic_ns()}"
    code = ("import subprocess, sys\n"
            "p = subprocess.Popen([sys.executable, '-c', 'import time,pathlib; time.sleep(3); "
            "pathlib.Path(\"/sandbox/out/alive\").write_text(\"x\")', '" + tag + "'], start_new_session=True)\n"
            "print(p.pid)")
    r = local_backend.run(_job(tmp_path, code))
    assert r.exit_code == 0 and r.stdout.strip().isdigit(), r.stderr
    assert not [p for p in os.listdir("/proc") if p.isdigit() and _in_job(p, tag)]
    time.sleep(3.5)
    assert not (tmp_path / "out" / "alive").exists()


def test_network_is_isolated_where_the_host_allows(tmp_path):
    backend = LocalBackend()
    if not backend.isolate_network:
        pytest.skip("this host allows no private network namespace")
    code = ("import socket\ns=socket.socket(); s.settimeout(2)\n"
            "try:\n    s.connect(('1.1.1.1', 53)); print('connected')\n"
            "except OSError as e: print('blocked', e.errno)\n"
            "srv=socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(); print('loopback ok')")
    r = backend.run(_job(tmp_path, code))
    assert "blocked" in r.stdout and "loopback ok" in r.stdout


def test_environment_is_clean(local_backend, tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_TOKEN", "hunter2")
    r = local_backend.run(_job(tmp_path, "import os; print(os.environ.get('SECRET_TOKEN'), os.getcwd())"))
    assert r.stdout.startswith("None ")


# ---------------------------------------------------------------- walls and runtimes

def _sandboxed(backend):
    if not backend.sandboxed:
        pytest.skip(f"no local sandbox here: {backend.no_sandbox}")


def test_numpy_runtime_cannot_import_torch_or_tensorflow(local_backend, tmp_path):
    """Under no spelling: not importable, and no copy anywhere in the sandbox's file system."""
    _sandboxed(local_backend)
    _needs_runtime("numpy")
    code = ("import importlib, os, sys\n"
            "for m in ('numpy', 'to' + 'rch', 'tensor' + 'flow', 'keras', 'jax'):\n"
            "    try:\n        importlib.import_module(m); print(m, 'importable')\n"
            "    except ImportError: print(m, 'absent')\n"
            "hits = []\n"
            "for root, dirs, files in os.walk('/'):\n"
            "    dirs[:] = [d for d in dirs if root != '/' or d not in ('proc', 'sys', 'dev')]\n"
            "    if os.path.basename(root) in ('torch', 'tensorflow') and '__init__.py' in files: hits.append(root)\n"
            "print('copies', hits)")
    r = local_backend.run(_job(tmp_path, code, wall_seconds=60))
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "numpy importable" in lines
    assert {"torch absent", "tensorflow absent", "keras absent", "jax absent"} <= set(lines)
    assert "copies []" in lines


def test_torch_runtime_imports_torch(local_backend, tmp_path):
    _sandboxed(local_backend)
    _needs_runtime("torch")
    code = "import torch, numpy\nprint(torch.__version__, float(torch.ones(3).sum()))"
    r = local_backend.run(_job(tmp_path, code, runtime="torch", wall_seconds=60, memory_mb=1024))
    assert r.exit_code == 0, r.stderr[-1000:]
    assert r.stdout.split() == [runtimes.pins("torch")["torch"], "3.0"]


def test_job_cannot_see_the_judge(local_backend, tmp_path, judge_home):
    """Only the runtime, the job's mounts and the output folder exist: no repository,
    no reference, no JUDGE_HOME, no /root, /home or /work."""
    _sandboxed(local_backend)
    judge_home.mkdir(parents=True, exist_ok=True)
    (judge_home / "secret.txt").write_text("x")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "a.txt").write_text("a")
    probes = [str(REPO), str(REPO / "reference"), str(judge_home), str(judge_home / "secret.txt"),
              "/root", "/home", "/work", "/var", "/srv", "/etc/shadow", "/sandbox/mine/a.txt"]
    code = ("import os, json, sys\n"
            "print(json.dumps(dict(root=sorted(os.listdir('/')), exists=dict((p, os.path.exists(p)) for p in sys.argv[1:]),"
            " uid=os.getuid(), etc=sorted(os.listdir('/etc')))))")
    job = Job(command=["{python}", "-c", code, *probes], mounts={"mine": mine}, out_dir=tmp_path / "out",
              limits=Limits(wall_seconds=20, memory_mb=256))
    r = local_backend.run(job)
    assert r.exit_code == 0, r.stderr
    import json

    seen = json.loads(r.stdout)
    assert seen["exists"] == {p: p == "/sandbox/mine/a.txt" for p in probes}
    assert set(seen["root"]) <= {"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32", "opt", "proc",
                                 "sandbox", "sbin", "tmp", "usr"}
    assert seen["uid"] != os.getuid() or os.getuid() != 0
    assert "shadow" not in seen["etc"] and "passwd" in seen["etc"]


def test_job_writes_only_the_output_folder_and_tmp(local_backend, tmp_path):
    _sandboxed(local_backend)
    mine = tmp_path / "mine"
    mine.mkdir()
    code = ("import os\nfor p in ('/sandbox/mine/x', '/usr/x', '/etc/x', '/opt/runtimes/numpy/x', '/x', "
            "'/sandbox/out/ok', '/tmp/ok'):\n"
            "    try:\n        open(p, 'w').write('x'); print(p, 'written')\n"
            "    except OSError: print(p, 'refused')")
    r = local_backend.run(_job(tmp_path, code, mounts={"mine": mine}))
    written = {line.split()[0] for line in r.stdout.splitlines() if line.endswith("written")}
    assert written == {"/sandbox/out/ok", "/tmp/ok"}
    assert not list(mine.iterdir()) and (tmp_path / "out" / "ok").exists()


def test_refuses_without_namespaces_unless_unsafe(tmp_path, monkeypatch):
    """Simulated: the capability probe fails (MLJUDGE_BWRAP=/bin/false)."""
    from judge.errors import InternalError
    from judge.sandbox import get_backend

    monkeypatch.setenv("MLJUDGE_BWRAP", "/bin/false")
    monkeypatch.delenv("MLJUDGE_UNSAFE_LOCAL", raising=False)
    b = LocalBackend()
    assert not b.sandboxed and b.name == "local-unsafe"
    reason = b.available()
    assert reason and "\n" not in reason and "--unsafe-local" in reason and "namespaces" in reason
    with pytest.raises(InternalError, match="unsafe-local"):
        get_backend("local")
    r = b.run(_job(tmp_path, "print('ran')"))
    assert r.error and r.stdout == ""  # refused, not run
    warnings = []
    monkeypatch.setenv("MLJUDGE_UNSAFE_LOCAL", "1")
    unsafe = get_backend("local", warn=warnings.append)
    assert unsafe.name == "local-unsafe" and len(warnings) == 1 and "rlimits only" in warnings[0]
    r = unsafe.run(_job(tmp_path, "print('ran')"))
    assert r.stdout == "ran\n" and r.details["sandbox"].startswith("rlimits")


def test_cli_refuses_local_without_namespaces_unless_unsafe(tmp_path, fixture_root):
    env = {**os.environ, "MLJUDGE_BWRAP": "/bin/false", "JUDGE_ROOT": str(fixture_root),
           "JUDGE_HOME": str(tmp_path / "home")}
    env.pop("MLJUDGE_UNSAFE_LOCAL", None)
    sub = fixture_root / "reference" / "toy"
    cmd = [sys.executable, "-m", "judge.cli", "submit", "toy", str(sub), "--backend", "local"]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 3 and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and "--unsafe-local" in r.stderr
    r = subprocess.run(cmd + ["--unsafe-local", "--json"], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    import json

    doc = json.loads(r.stdout)
    assert doc["verdict"] == "accepted" and doc["backend"] == "local-unsafe"
    assert "rlimits only" in r.stderr
