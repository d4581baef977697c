"""The docker backend against a real engine and the runtime image.

Skipped, with the reason, when no engine answers or the image is missing
(`bash .ci/install-docker.sh`, then `judge image build`); failed instead when
MLJUDGE_REQUIRE_DOCKER=1 (CI). Jobs are small Python scripts, not the
problem packages.
"""
from __future__ import annotations

import json
import os
import threading
import time
import uuid

import pytest

from judge.sandbox.base import Job, Limits

pytestmark = pytest.mark.docker

docker = pytest.importorskip("docker")

from judge.sandbox import docker as dsb  # noqa: E402
from judge.sandbox.docker import DockerBackend  # noqa: E402

GRACE = 6.0  # seconds past the wall limit a killed job may take to come back


@pytest.fixture(scope="module")
def backend():
    b = DockerBackend()
    reason = b.available()
    if reason:
        if os.environ.get("MLJUDGE_REQUIRE_DOCKER") == "1":  # CI: no engine is a failure
            pytest.fail(reason)
        pytest.skip(reason)
    return b


@pytest.fixture(scope="module")
def client(backend):
    return dsb.engine_client(timeout=30)


def _job(tmp_path, code, label=None, mounts=None, packages=None, **limits):
    """A job running ``code`` (a script on a read-only ``code`` mount, so its
    braces never meet the command's placeholders)."""
    key = uuid.uuid4().hex[:6]
    src = tmp_path / f"code-{key}"
    src.mkdir()
    (src / "main.py").write_text(code)
    out = tmp_path / f"out-{key}"
    return Job(command=["{python}", "{code}/main.py"], mounts={"code": src, **(mounts or {})}, out_dir=out,
               packages=packages or {}, label=label or f"test-{uuid.uuid4().hex}",
               limits=Limits(**{"wall_seconds": 30, "memory_mb": 256, "cpus": 1, **limits}))


def _by_label(client, label):
    return client.containers.list(all=True, filters={"label": f"mljudge.label={label}"})


# ---------------------------------------------------------------- availability


def test_no_engine_is_a_clear_fast_reason(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    monkeypatch.setattr(dsb, "_api_version", None)
    start = time.monotonic()
    reason = DockerBackend(image="mljudge-runtime:any").available()
    assert time.monotonic() - start < 5
    assert reason and "\n" not in reason
    assert "dockerd" in reason and "--backend local" in reason


def test_missing_image_says_build_it(backend):
    reason = DockerBackend(image="mljudge-runtime:does-not-exist").available()
    assert reason and "judge image build" in reason


def test_missing_image_at_run_is_an_error_not_an_exception(backend, tmp_path):
    r = DockerBackend(image="mljudge-runtime:does-not-exist").run(_job(tmp_path, "print(1)"))
    assert r.error and "judge image build" in r.error


# ---------------------------------------------------------------- plain runs


def test_clean_run_mounts_packages_and_env(backend, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "x.txt").write_text("hello")
    pkg = tmp_path / "mypkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("VALUE = 42\n")
    code = (
        "import os, json, mypkg\n"
        "print(json.dumps({'x': open('/sandbox/data/x.txt').read(), 'pkg': mypkg.VALUE,"
        " 'cwd': os.getcwd(), 'home': os.environ['HOME'], 'omp': os.environ.get('OMP_NUM_THREADS'),"
        " 'mine': os.environ.get('MINE')}))\n"
        "open('/sandbox/out/result.txt', 'w').write('written')\n"
    )
    job = _job(tmp_path, code, mounts={"data": data}, packages={"mypkg": pkg})
    job.env["MINE"] = "yes"
    r = backend.run(job)
    assert r.error is None, r.error
    assert (r.exit_code, r.timed_out, r.oom_killed, r.output_truncated) == (0, False, False, False), r.stderr
    got = json.loads(r.stdout)
    assert got == {"x": "hello", "pkg": 42, "cwd": "/tmp", "home": "/tmp", "omp": "1", "mine": "yes"}
    assert (job.out_dir / "result.txt").read_text() == "written"
    assert r.backend == "docker" and r.wall_seconds < 30


def test_placeholders_resolve(backend, tmp_path):
    data = tmp_path / "d"
    data.mkdir()
    job = Job(command=["{python}", "-c", "import sys; print(sys.argv[1:])", "{d}", "{out}", "{tmp}"],
              mounts={"d": data}, out_dir=tmp_path / "o", limits=Limits(wall_seconds=30))
    r = backend.run(job)
    assert r.stdout.strip() == "['/sandbox/d', '/sandbox/out', '/tmp']"


def test_exit_code_and_stderr(backend, tmp_path):
    r = backend.run(_job(tmp_path, "import sys; print('bad', file=sys.stderr); sys.exit(3)"))
    assert r.exit_code == 3 and r.stderr == "bad\n" and not r.timed_out and not r.oom_killed


# ---------------------------------------------------------------- hardening


INSIDE = r"""
import json, os, socket, errno
res = {"uid": os.getuid(), "gid": os.getgid()}
st = dict(l.split(":", 1) for l in open("/proc/self/status").read().splitlines() if ":" in l)
res["capeff"] = st["CapEff"].strip(); res["capbnd"] = st["CapBnd"].strip()
res["nonewprivs"] = st["NoNewPrivs"].strip(); res["seccomp"] = st["Seccomp"].strip()
def tries(fn):
    try:
        fn(); return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
res["write_root"] = tries(lambda: open("/evil", "w").write("x"))
res["write_etc"] = tries(lambda: open("/etc/passwd", "a").write("x"))
res["write_mount"] = tries(lambda: open("/sandbox/data/evil", "w").write("x"))
res["write_tmp"] = tries(lambda: open("/tmp/ok", "w").write("x"))
res["write_out"] = tries(lambda: open("/sandbox/out/ok", "w").write("x"))
res["write_shm"] = tries(lambda: open("/dev/shm/ok", "w").write("x"))
def big():
    with open("/tmp/big", "wb") as f:
        f.write(b"x" * (3 << 20))
res["fsize"] = tries(big)
def tmpfull():
    for i in range(64):
        with open(f"/tmp/fill{i}", "wb") as f:
            f.write(b"x" * (1 << 20))
os.remove("/tmp/big") if os.path.exists("/tmp/big") else None
res["tmp_full"] = tries(tmpfull)
res["ifaces"] = sorted(l.split(":")[0].strip() for l in open("/proc/net/dev").read().splitlines()[2:])
def net():
    s = socket.socket(); s.settimeout(2); s.connect(("1.1.1.1", 53))
res["net"] = tries(net)
def loopback():  # what torch.distributed does: listen, then reach itself by its hostname
    srv = socket.socket(); srv.bind(("localhost", 0)); srv.listen()
    socket.create_connection((socket.gethostname(), srv.getsockname()[1]), timeout=2).close()
res["loopback"] = tries(loopback)
res["names"] = [socket.gethostname(), socket.gethostbyname("sandbox"), socket.gethostbyname("localhost")]
res["write_hosts"] = tries(lambda: open("/etc/hosts", "a").write("1.1.1.1 evil"))
import resource
res["nofile"] = resource.getrlimit(resource.RLIMIT_NOFILE)
res["core"] = resource.getrlimit(resource.RLIMIT_CORE)
res["pid1"] = open("/proc/1/comm").read().strip()
res["mypid"] = os.getpid()
def kill1():
    os.kill(1, 9)
res["kill_pid1"] = tries(kill1)
print(json.dumps(res))
"""


def test_hardening_seen_from_inside(backend, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    r = backend.run(_job(tmp_path, INSIDE, mounts={"data": data}, file_mb=2, tmp_mb=16))
    assert r.exit_code == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["uid"] != 0 and res["gid"] != 0
    assert res["capeff"] == "0000000000000000" and res["capbnd"] == "0000000000000000"
    assert res["nonewprivs"] == "1"
    assert res["seccomp"] == "2"  # the engine's default seccomp filter
    assert res["write_root"] == "EROFS" and res["write_mount"] == "EROFS"
    assert res["write_etc"] in ("EROFS", "EACCES")
    assert res["write_tmp"] == res["write_out"] == res["write_shm"] == "ok"
    assert res["fsize"] == "EFBIG"  # file_mb
    assert res["tmp_full"] == "ENOSPC"  # tmp_mb
    assert res["ifaces"] == ["lo"]
    assert res["net"] in ("ENETUNREACH", "EHOSTUNREACH", "EPERM", "EACCES")
    assert res["loopback"] == "ok" and res["names"] == ["sandbox", "127.0.0.1", "127.0.0.1"]
    assert res["write_hosts"] in ("EROFS", "EACCES")
    assert res["nofile"] == [1024, 1024] and res["core"] == [0, 0]
    assert res["pid1"] in ("docker-init", "tini", "tini-static") and res["mypid"] != 1
    assert res["kill_pid1"] == "ok"  # delivered, but the pid-namespace init ignores it
    assert not list(data.iterdir())  # nothing written to the read-only mount


def test_hardening_read_back_from_inspected_config(backend, client, tmp_path):
    """Hold the container at a gate, inspect it from the host, then release it."""
    gate = tmp_path / "gate"
    gate.mkdir()
    label = f"inspect-{uuid.uuid4().hex}"
    code = ("import os, time\n"
            "t = time.time()\n"
            "while not os.path.exists('/sandbox/gate/go') and time.time() - t < 25: time.sleep(0.05)\n")
    limits = dict(memory_mb=300, cpus=1.5, pids=77, tmp_mb=33, shm_mb=44, file_mb=55,
                  output_bytes=123456, wall_seconds=30)
    job = _job(tmp_path, code, label=label, mounts={"gate": gate}, **limits)
    box = {}
    t = threading.Thread(target=lambda: box.update(r=backend.run(job)))
    t.start()
    try:
        deadline = time.time() + 20
        attrs = None
        while time.time() < deadline and attrs is None:
            cs = _by_label(client, label)
            if cs and cs[0].status == "running":
                attrs = client.api.inspect_container(cs[0].id)
            else:
                time.sleep(0.05)
        assert attrs is not None, "container never seen running"
    finally:
        (gate / "go").write_text("")
        t.join(40)
    hc, cfg = attrs["HostConfig"], attrs["Config"]
    assert hc["NetworkMode"] == "none" and cfg["NetworkDisabled"] is True  # no libnetwork hook either
    assert hc["CapDrop"] == ["ALL"] and not hc.get("CapAdd")
    assert any(o.startswith("no-new-privileges") for o in hc["SecurityOpt"])
    assert hc["ReadonlyRootfs"] is True
    assert hc["Privileged"] is False
    assert hc["Init"] is True
    assert hc["IpcMode"] == "private"
    assert hc["Memory"] == 300 << 20 and hc["MemorySwap"] == 300 << 20
    assert hc["NanoCpus"] == 1_500_000_000
    assert hc["PidsLimit"] == 77
    assert hc["ShmSize"] == 44 << 20
    assert "size=33m" in hc["Tmpfs"]["/tmp"] and "nosuid" in hc["Tmpfs"]["/tmp"]
    ul = {u["Name"]: (u["Soft"], u["Hard"]) for u in hc["Ulimits"]}
    assert ul["fsize"] == (55 << 20, 55 << 20) and ul["nofile"] == (1024, 1024) and ul["core"] == (0, 0)
    assert hc["LogConfig"]["Type"] == "json-file"
    assert int(hc["LogConfig"]["Config"]["max-size"]) <= max(123456, 1 << 20)
    assert hc["LogConfig"]["Config"]["max-file"] == "1"
    assert hc["OomScoreAdj"] == 1000
    assert cfg["User"] not in ("", "0", "root", "0:0") and not cfg["User"].startswith("0:")
    assert cfg["Labels"]["mljudge"] == "1" and cfg["Labels"]["mljudge.label"] == label
    mounts = {m["Destination"]: m for m in attrs["Mounts"]}
    assert mounts["/sandbox/gate"]["RW"] is False
    assert mounts["/sandbox/out"]["RW"] is True
    assert set(mounts) == {"/sandbox/code", "/sandbox/gate", "/sandbox/out", "/etc/hosts"}
    assert mounts["/etc/hosts"]["RW"] is False
    assert mounts["/sandbox/code"]["RW"] is False
    r = box["r"]
    assert r.exit_code == 0 and not r.timed_out
    assert not _by_label(client, label)


# ---------------------------------------------------------------- limits


def test_sleep_is_killed_at_the_wall_limit(backend, client, tmp_path):
    label = f"sleep-{uuid.uuid4().hex}"
    start = time.monotonic()
    r = backend.run(_job(tmp_path, "import time; time.sleep(120)", label=label, wall_seconds=3))
    took = time.monotonic() - start
    assert r.timed_out and not r.oom_killed and r.error is None
    assert 3 <= r.wall_seconds < 3 + GRACE
    assert took < 3 + GRACE
    assert not _by_label(client, label)


def test_busy_numpy_call_is_killed_at_the_wall_limit(backend, tmp_path):
    # One long C call that no Python signal handler can interrupt.
    code = "import numpy as np\na = np.ones((3000, 3000))\nwhile True: a = a @ a * 1e-9"
    start = time.monotonic()
    r = backend.run(_job(tmp_path, code, wall_seconds=4, memory_mb=512))
    assert r.timed_out and time.monotonic() - start < 4 + GRACE


def test_memory_hog_is_reported_as_memory(backend, tmp_path):
    code = "x = []\nwhile True: x.append(bytearray(16 << 20))"
    r = backend.run(_job(tmp_path, code, memory_mb=128))
    assert r.oom_killed and not r.timed_out and r.error is None
    assert r.exit_code != 0
    assert r.details.get("oom_flag") is True


def test_self_sigkill_is_not_memory(backend, tmp_path):
    r = backend.run(_job(tmp_path, "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"))
    assert r.exit_code == 137 and not r.oom_killed and not r.timed_out


def test_fork_bomb_hits_the_pids_limit(backend, tmp_path):
    code = ("import os, sys\nn = 0\n"
            "for _ in range(500):\n"
            "    try:\n"
            "        pid = os.fork()\n"
            "    except OSError:\n"
            "        break\n"
            "    if pid == 0:\n"
            "        import time; time.sleep(30); os._exit(0)\n"
            "    n += 1\n"
            "print(n)\n"
            "os._exit(0)\n")
    start = time.monotonic()
    r = backend.run(_job(tmp_path, code, pids=32, wall_seconds=20))
    assert r.exit_code == 0, r.stderr
    assert int(r.stdout) < 32
    assert time.monotonic() - start < 15  # the sleeping children die with the container


def test_gigabytes_to_stdout_are_capped(backend, client, tmp_path):
    label = f"flood-{uuid.uuid4().hex}"
    code = ("import sys\nchunk = b'x' * (1 << 20)\n"
            "for _ in range(1024): sys.stdout.buffer.write(chunk)\n"
            "sys.stderr.write('e' * 5000)\n")
    start = time.monotonic()
    r = backend.run(_job(tmp_path, code, label=label, output_bytes=4096, wall_seconds=120))
    assert r.error is None
    assert r.exit_code == 0 and not r.timed_out, (r.stderr[-300:], r.wall_seconds)
    assert r.output_truncated
    assert len(r.stdout) == 4096 and len(r.stderr) == 4096
    assert set(r.stdout) == {"x"}
    assert time.monotonic() - start < 120
    assert not _by_label(client, label)


def test_output_folder_quota(backend, tmp_path):
    code = ("import os\nfor i in range(100000):\n"
            "    open(f'/sandbox/out/f{i}', 'w').write('x')\n"
            "import time; time.sleep(30)\n")
    r = backend.run(_job(tmp_path, code, wall_seconds=40))
    assert r.details.get("killed_for") == "out_dir_quota" and not r.timed_out
    assert r.exit_code != 0


# ---------------------------------------------------------------- cleanup and parallel runs


def test_container_removed_after_exception(backend, client, tmp_path, monkeypatch):
    label = f"boom-{uuid.uuid4().hex}"

    def boom(self):
        raise RuntimeError("boom")

    monkeypatch.setattr(dsb._PeakMemory, "sample", boom)
    with pytest.raises(RuntimeError):
        backend.run(_job(tmp_path, "import time; time.sleep(60)", label=label))
    assert not _by_label(client, label)


def test_container_removed_after_ctrl_c(backend, client, tmp_path, monkeypatch):
    label = f"ctrlc-{uuid.uuid4().hex}"
    calls = {"n": 0}

    def interrupt(self):
        calls["n"] += 1
        if calls["n"] > 5:
            raise KeyboardInterrupt

    monkeypatch.setattr(dsb._PeakMemory, "sample", interrupt)
    with pytest.raises(KeyboardInterrupt):
        backend.run(_job(tmp_path, "import time; time.sleep(60)", label=label))
    assert not _by_label(client, label)


def test_the_hosts_file_is_the_judges_own_and_a_planted_link_is_replaced_not_followed(tmp_path, monkeypatch):
    monkeypatch.setenv("JUDGE_HOME", str(tmp_path / "home"))
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the sandbox")
    (tmp_path / "home" / "sandbox").mkdir(parents=True)
    planted = tmp_path / "home" / "sandbox" / "hosts"
    planted.symlink_to(secret)
    path = dsb.hosts_file()
    assert path == planted and not path.is_symlink() and path.read_text() == dsb.HOSTS
    assert oct(path.stat().st_mode & 0o777) == "0o644"
    assert secret.read_text() == "not for the sandbox"
    path.chmod(0o666)  # writable by others: rewritten with the right mode
    assert dsb.hosts_file() == path and oct(path.stat().st_mode & 0o777) == "0o644"


def test_an_engine_lost_mid_run_is_an_error_not_an_exception(backend, client, tmp_path, monkeypatch):
    """The run's details already name the image when the engine drops: the error result
    must still be built (it once raised on the duplicate key instead)."""
    def lost(self, *a, **k):
        raise docker.errors.DockerException("connection aborted")

    label = f"lost-{uuid.uuid4().hex}"
    monkeypatch.setattr(docker.models.containers.Container, "start", lost)
    r = backend.run(_job(tmp_path, "print('never')", label=label))
    assert r.error == "the Docker engine failed during the run: connection aborted"
    assert r.exit_code is None and r.details["image"] == backend.image
    assert not _by_label(client, label)


def test_remove_leftovers_spares_live_judges(backend, client):
    import socket

    dead = client.containers.create(backend.image, ["true"], labels={
        "mljudge": "1", "mljudge.owner": f"{socket.gethostname()}:999999999"})
    live = client.containers.create(backend.image, ["true"], labels={
        "mljudge": "1", "mljudge.owner": f"{socket.gethostname()}:{os.getpid()}"})
    try:
        removed = dsb.remove_leftovers(client)
        assert dead.name in removed and live.name not in removed
        live.reload()
    finally:
        for c in (dead, live):
            try:
                c.remove(force=True)
            except docker.errors.NotFound:
                pass


def test_two_jobs_in_parallel(backend, client, tmp_path):
    code = ("import time, os\nt = time.time()\ntime.sleep(3)\n"
            "open('/sandbox/out/who', 'w').write(os.environ['WHO'])\nprint(os.environ['WHO'])\n")
    jobs = []
    for who in ("a", "b"):
        j = _job(tmp_path, code, label=f"par-{who}-{uuid.uuid4().hex}")
        j.env["WHO"] = who
        jobs.append(j)
    results = {}
    start = time.monotonic()
    threads = [threading.Thread(target=lambda j=j: results.update({j.env["WHO"]: backend.run(j)}))
               for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    took = time.monotonic() - start
    for who, j in zip(("a", "b"), jobs):
        r = results[who]
        assert r.exit_code == 0 and r.stdout.strip() == who, (r.error, r.stderr)
        assert (j.out_dir / "who").read_text() == who
        assert not _by_label(client, j.label)
    assert results["a"].details["container"] != results["b"].details["container"]
    assert took < 6 + 6  # overlapped, not one after the other (each sleeps 3 s)


def test_peak_memory_is_measured(backend, tmp_path):
    code = "import time\nx = bytearray(100 << 20)\nfor i in range(0, len(x), 4096): x[i] = 1\ntime.sleep(0.5)\n"
    r = backend.run(_job(tmp_path, code, memory_mb=256))
    assert r.exit_code == 0
    if r.peak_memory_bytes is None:
        pytest.skip("the engine's cgroups are not readable from here")
    assert r.peak_memory_bytes >= 100 << 20


def test_output_folder_is_made_safe_to_read(backend, tmp_path):
    code = ("import os\n"
            "os.symlink('/etc/shadow', '/sandbox/out/outcomes.jsonl')\n"
            "os.makedirs('/sandbox/out/records')\n"
            "os.symlink('/', '/sandbox/out/records/root')\n"
            "os.mkfifo('/sandbox/out/session.json')\n"
            "open('/sandbox/out/tool', 'w').write('x')\n"
            "os.chmod('/sandbox/out/tool', 0o4755)\n"
            "open('/sandbox/out/plain.json', 'w').write('1')\n")
    job = _job(tmp_path, code)
    r = backend.run(job)
    assert r.exit_code == 0, r.stderr
    names = sorted(p.name for p in job.out_dir.rglob("*"))
    assert names == ["plain.json", "records", "tool"]
    assert not any(p.is_symlink() for p in job.out_dir.rglob("*"))
    assert (job.out_dir / "tool").stat().st_mode & 0o7777 == 0o755
    assert sorted(r.details["removed_from_out"]) == ["outcomes.jsonl", "records/root", "session.json"]


# ---------------------------------------------------------------- runtimes

_IMPORTS = ("import importlib, sys\n"
            "for m in ('numpy', 'to' + 'rch', 'tensor' + 'flow', 'keras'):\n"
            "    try:\n        importlib.import_module(m); print(m, 'importable')\n"
            "    except ImportError: print(m, 'absent')\n"
            "print('python', sys.executable)\n")


def _imports(backend, tmp_path, runtime):
    job = _job(tmp_path, _IMPORTS, memory_mb=1024)
    job.runtime = runtime
    r = backend.run(job)
    assert r.exit_code == 0, r.stderr[-1000:]
    return set(r.stdout.splitlines()), r


def test_numpy_runtime_cannot_import_torch_or_tensorflow(backend, tmp_path):
    seen, r = _imports(backend, tmp_path, "numpy")
    assert {"numpy importable", "torch absent", "tensorflow absent", "keras absent",
            "python /opt/runtimes/numpy/bin/python"} <= seen
    assert r.details["runtime"] == "numpy"


def test_torch_runtime_imports_torch_only(backend, tmp_path):
    seen, _ = _imports(backend, tmp_path, "torch")
    assert {"numpy importable", "torch importable", "tensorflow absent", "keras absent"} <= seen


def test_unknown_runtime_is_an_error(backend, tmp_path):
    job = _job(tmp_path, "print(1)")
    job.runtime = "jax"
    r = backend.run(job)
    assert r.error and "unknown runtime" in r.error


def test_runtime_id_names_runtime_and_image(backend):
    rid = backend.runtime_id("torch")
    runtime, _, image = rid.partition("@")
    assert runtime == "torch" and len(image) == 12 and backend.runtime_id("numpy") == f"numpy@{image}"
