"""The local backend's limits, with real processes."""
import os
import time

import pytest

from judge.sandbox.base import Job, Limits
from judge.sandbox.local import LocalBackend, _session_procs


def _job(tmp_path, code, **limits):
    return Job(command=["{python}", "-c", code], mounts={}, out_dir=tmp_path / "out",
               limits=Limits(**{"wall_seconds": 10, "memory_mb": 256, **limits}))


def test_clean_run(local_backend, tmp_path):
    r = local_backend.run(_job(tmp_path, "print('hi')"))
    assert (r.exit_code, r.timed_out, r.oom_killed, r.stdout) == (0, False, False, "hi\n")


def test_sleep_is_killed_at_the_wall_limit(local_backend, tmp_path):
    start = time.monotonic()
    r = local_backend.run(_job(tmp_path, "import time; time.sleep(60)", wall_seconds=1.5))
    took = time.monotonic() - start
    assert r.timed_out and not r.oom_killed
    assert 1.5 <= took < 4


def test_memory_hog_is_reported_as_memory(local_backend, tmp_path):
    code = "import numpy as np\nx=[]\nwhile True: x.append(np.ones(16<<20, dtype=np.uint8))"
    r = local_backend.run(_job(tmp_path, code, memory_mb=200))
    assert r.oom_killed and not r.timed_out
    assert r.peak_memory_bytes > 150 << 20


def test_output_is_capped(local_backend, tmp_path):
    code = "import sys\nfor _ in range(200): sys.stdout.write('x' * 100000)"
    r = local_backend.run(_job(tmp_path, code, output_bytes=1000))
    assert len(r.stdout) == 1000 and r.output_truncated and r.exit_code == 0


def test_fork_bomb_is_stopped_and_nothing_is_left(local_backend, tmp_path):
    code = "import os, time\nfor _ in range(12):\n    os.fork()\ntime.sleep(30)"
    start = time.monotonic()
    r = local_backend.run(_job(tmp_path, code, pids=32))
    assert r.details["pids_exceeded"]
    assert time.monotonic() - start < 8
    assert not [p for p in os.listdir("/proc") if p.isdigit() and _in_job(p, code)]


def _in_job(pid, code):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return code.encode() in fh.read()
    except OSError:
        return False


def test_background_children_are_killed(local_backend, tmp_path):
    marker = tmp_path / "alive"
    code = (f"import subprocess, sys\n"
            f"p = subprocess.Popen([sys.executable, '-c', 'import time,pathlib; time.sleep(3); "
            f"pathlib.Path(\"{marker}\").write_text(\"x\")'])\n"
            f"print(p.pid)")
    r = local_backend.run(_job(tmp_path, code))
    child = int(r.stdout.strip())
    time.sleep(3.5)
    assert not marker.exists()
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)


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
