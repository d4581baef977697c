"""Docker backend: one hardened, throw-away container per job.

Per job (see DESIGN.md, "Sandbox contract"):

- ``network_mode=none`` with the network disabled: a new network namespace with
  only ``lo`` (runc brings it up) and no libnetwork hook (a second dockerd
  process per start: 0.36 -> 0.19 s of machine CPU per container, see
  bench/container.py); ``/etc/hosts`` is ``JUDGE_HOME/sandbox/hosts``, read-only,
  naming ``localhost`` and the hostname ``sandbox`` (torch.distributed resolves
  its own name).
- non-root user (65534, or the judge's own uid when the judge is not root, so it
  can clean the output folder); ``cap_drop=ALL``; ``no-new-privileges``;
  read-only root; private IPC and PID namespaces; ``init`` (tini) as PID 1 so
  zombies are reaped and the job cannot kill PID 1.
- tmpfs ``/tmp`` (``tmp_mb``, exec allowed: torch/TF may load code from it;
  nosuid, nodev) and ``/dev/shm`` (``shm_mb``; torch's gloo backend uses it).
- memory limit with swap equal to it, CPU (``nano_cpus``), pids, ulimits
  (nofile, fsize = ``file_mb``, no core files), ``oom_score_adj`` 1000 so the
  host's OOM killer picks a sandbox before the judge.
- mounts: each role read-only at ``/sandbox/<role>``, packages read-only at
  ``/opt/mljudge/<name>`` (``PYTHONPATH=/opt/mljudge``), the output folder
  read-write at ``/sandbox/out``; cwd and ``HOME`` are ``/tmp``.
- output: read live through an attach stream, at most ``output_bytes`` kept per
  stream (the rest is drained and counted); the json-file log is capped too,
  so gigabytes on stdout use neither the judge's memory nor the host's disk.
- the output folder is watched: past ``out_dir_cap()`` bytes or
  ``OUT_DIR_MAX_ENTRIES`` entries the job is killed (the only host-disk write).
- the wall clock is the judge's (the SDK's ``wait(timeout)`` is only an HTTP
  timeout): polled, killed at ``wall_seconds`` -> ``timed_out``.
- the container is removed on every path (``finally``), including Ctrl-C.
  Containers carry ``mljudge=1`` and an owner label; ``remove_leftovers()``
  removes those whose judge process is gone.
"""
from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from .base import Backend, Job, RunResult, resolve, thread_env
from .runtimes import check_name, image_python

LABEL = "mljudge"
SANDBOX = "/sandbox"
PKG_ROOT = "/opt/mljudge"
POLL_SECONDS = 0.05
# On cgroup v1 with no swap, a job at its memory limit can thrash (the kernel
# evicts file pages) for a long time before the OOM killer acts. Usage pinned
# at the limit this long counts as memory_limit_exceeded.
MEMORY_PINNED_FRACTION = 0.97
MEMORY_PINNED_SECONDS = 1.0
KILL_GRACE = 10.0  # seconds to wait for a killed container to be reported dead
OUT_DIR_MAX_ENTRIES = 20000
ENGINE_TIMEOUT = 30.0  # a down engine fails at once on the socket; a busy one can be slow
_RESERVED = {"python", "out", "tmp"}

_api_version: str | None = None  # negotiated once per process
HOSTNAME = "sandbox"
HOSTS = (f"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
         f"127.0.0.1\t{HOSTNAME}\n")


def hosts_file() -> Path:
    """The sandbox's ``/etc/hosts`` on the host, mounted read-only into every container:
    ``JUDGE_HOME/sandbox/hosts``, in the judge's own folder (in a shared /tmp another user
    could swap it for a link the engine would follow). Rewritten unless it is a regular file
    of the judge's user with the right text, world-readable (the sandbox user reads it)."""
    import stat

    from ..secret import judge_home

    folder = judge_home() / "sandbox"
    path = folder / "hosts"
    try:
        st = os.lstat(path)
        if (stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid() and stat.S_IMODE(st.st_mode) == 0o644
                and path.read_text() == HOSTS):
            return path
    except OSError:
        pass
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".hosts.{uuid.uuid4().hex[:8]}"
    tmp.write_text(HOSTS)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return path


class EngineUnavailable(Exception):
    """No Docker engine answers; the message says what to run."""


def engine_hint() -> str:
    return ("start one (`sudo systemctl start docker`, or `sudo dockerd &`, or "
            "`bash .ci/install-docker.sh`), or judge with `--backend local`")


def docker_client(timeout: float | None, version: str):
    """A docker SDK client; on the local socket it skips requests' proxy and .netrc lookups
    (made on every request otherwise: judge CPU taken from the sandboxes)."""
    import docker

    client = docker.from_env(timeout=timeout, version=version)
    if client.api.base_url.startswith("http+docker://"):
        client.api.trust_env = False
    return client


def engine_client(timeout: float = ENGINE_TIMEOUT):
    """A docker SDK client that answered a ping; raises EngineUnavailable quickly."""
    global _api_version
    try:
        import docker
    except ImportError:  # pragma: no cover - docker is a dependency
        raise EngineUnavailable("the `docker` Python package is missing: pip install docker") from None
    try:
        client = docker_client(timeout, _api_version or "auto")
        client.ping()
        _api_version = client.api.api_version
        return client
    except Exception as exc:
        host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        reason = _short(exc)
        raise EngineUnavailable(f"no Docker engine answers at {host} ({reason}): {engine_hint()}") from None


def _short(exc: BaseException) -> str:
    text = str(exc)
    for key in ("Permission denied", "No such file or directory", "Connection refused",
                "timed out", "Read timed out"):
        if key in text:
            return key.lower()
    return (text.splitlines() or [type(exc).__name__])[0][:160]


def out_dir_cap(limits) -> int:
    """Bytes the output folder may hold before the job is killed."""
    return max(2 * limits.file_mb, 64) << 20


class DockerBackend(Backend):
    name = "docker"

    def __init__(self, image: str | None = None, warm: bool = False):
        self._image = image
        self.warm = warm  # hand jobs to pre-started containers (sandbox/warm/) when one fits

    @property
    def image(self) -> str:
        if self._image is None:
            from ..image import runtime_image

            self._image = runtime_image()
        return self._image

    def runtime_id(self, runtime: str | None = None) -> str:
        """``<runtime>@<image id12>``: a rebuilt image (same tag or not) is a new runtime."""
        runtime = runtime or "numpy"
        if getattr(self, "_image_id", None):
            return f"{runtime}@{self._image_id}"
        rid = f"{runtime}@{self.image}"
        try:
            client = engine_client()
            try:
                self._image_id = client.images.get(self.image).id.split(":", 1)[-1][:12]
                rid = f"{runtime}@{self._image_id}"
            finally:
                client.close()
        except Exception:
            pass  # no engine or no image: run() will say so
        return rid

    def cold(self) -> "DockerBackend":
        if not self.warm:
            return self
        twin = DockerBackend(self._image, warm=False)
        twin._image_id = getattr(self, "_image_id", None)
        return twin

    def release(self) -> None:
        if self.warm:
            from .warm import close_all

            close_all()

    # ------------------------------------------------------------ availability

    def available(self) -> str | None:
        try:
            client = engine_client()
        except EngineUnavailable as exc:
            return str(exc)
        try:
            image = self.image
        except Exception as exc:  # no image definition on disk
            return str(exc)
        import docker

        try:
            client.images.get(image)
            return None
        except docker.errors.ImageNotFound:
            return _missing_image_reason(client, image)
        except Exception as exc:
            return f"the Docker engine did not answer about image {image}: {_short(exc)}"
        finally:
            client.close()

    # ------------------------------------------------------------ run

    def run(self, job: Job) -> RunResult:
        prep = self._prepare(job)
        if isinstance(prep, RunResult):
            return prep
        if not self.warm:
            return self._run_cold(prep)
        from .warm import pool_for

        pool = pool_for(self)
        with pool.job_running():  # no warming up while the CPUs are taken
            result = pool.run(prep)
            result = result if result is not None else self._run_cold(prep)
        pool.learn(prep)  # what the next warm sandbox of this kind preloads
        return result

    def _prepare(self, job: Job) -> "Prepared | RunResult":
        """Check the job and build the container's settings (shared by cold and warm runs)."""
        t_start = time.monotonic()
        limits = job.limits
        out_dir = Path(job.out_dir).resolve()
        failed = _failer(self, out_dir, t_start)
        try:
            from docker.types import LogConfig, Mount, Ulimit
        except ImportError:  # pragma: no cover
            return failed("the `docker` Python package is missing: pip install docker")

        # ---- where things live inside, and the mounts
        try:
            places = {"python": image_python(check_name(job.runtime)), "out": f"{SANDBOX}/out", "tmp": "/tmp"}
        except ValueError as exc:
            return failed(str(exc))
        mounts, roles, packages = [], {}, []
        for role, host in job.mounts.items():
            if not role.isidentifier() or role in _RESERVED:
                return failed(f"bad mount role {role!r}")
            host = Path(host).resolve()
            if not host.is_dir():
                return failed(f"mount {role}: {host} is not a folder")
            places[role] = f"{SANDBOX}/{role}"
            roles[role] = host
            mounts.append(Mount(places[role], str(host), type="bind", read_only=True))
        for name, host in job.packages.items():
            if not name.isidentifier():
                return failed(f"bad package name {name!r}")
            host = Path(host).resolve()
            if not host.is_dir():
                return failed(f"package {name}: {host} is not a folder")
            packages.append(Mount(f"{PKG_ROOT}/{name}", str(host), type="bind", read_only=True))
        try:
            fixed = [Mount("/etc/hosts", str(hosts_file()), type="bind", read_only=True)]
        except OSError as exc:
            return failed(f"the sandbox's hosts file: {exc}")
        mounts += packages + fixed
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            os.chmod(out_dir, 0o777)  # the sandbox user differs from the judge's
        except OSError as exc:
            return failed(f"output folder {out_dir}: {exc}")
        mounts.append(Mount(places["out"], str(out_dir), type="bind", read_only=False))
        try:
            command = resolve(job.command, places)
        except (KeyError, IndexError, ValueError) as exc:
            return failed(f"command has an unknown placeholder: {exc}")

        env = thread_env(limits.cpus)
        env.update({"HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8"})
        env.update(job.env)
        pp = [PKG_ROOT] if job.packages else []
        if job.env.get("PYTHONPATH"):
            pp.append(job.env["PYTHONPATH"])
        if pp:
            env["PYTHONPATH"] = ":".join(pp)

        uid = os.geteuid()
        user = "65534:65534" if uid == 0 else f"{uid}:{os.getegid()}"
        job_id = uuid.uuid4().hex
        name = f"mljudge-{job_id[:16]}"
        cap = int(limits.output_bytes)
        log_cap = max(cap, 1 << 20)
        labels = {
            LABEL: "1",
            f"{LABEL}.job": job_id,
            f"{LABEL}.owner": f"{socket.gethostname()}:{os.getpid()}",
            f"{LABEL}.label": (job.label or "")[:200],
            f"{LABEL}.created": str(int(time.time())),
        }
        mem = f"{int(limits.memory_mb)}m"
        fsize = int(limits.file_mb) << 20
        create_kwargs = dict(
            image=self.image,
            command=command,
            name=name,
            hostname=HOSTNAME,
            user=user,
            working_dir="/tmp",
            environment=env,
            labels=labels,
            network_mode="none",
            network_disabled=True,  # no libnetwork sandbox or hook; runc still makes a new netns with lo
            cap_drop=["ALL"],
            security_opt=["no-new-privileges:true"],
            read_only=True,
            init=True,
            ipc_mode="private",
            tmpfs={"/tmp": f"rw,exec,nosuid,nodev,size={int(limits.tmp_mb)}m,mode=1777"},
            shm_size=f"{int(limits.shm_mb)}m",
            mem_limit=mem,
            memswap_limit=mem,
            nano_cpus=int(float(limits.cpus) * 1e9),
            pids_limit=int(limits.pids),
            ulimits=[Ulimit(name="nofile", soft=1024, hard=1024),
                     Ulimit(name="fsize", soft=fsize, hard=fsize),
                     Ulimit(name="core", soft=0, hard=0)],
            oom_score_adj=1000,
            log_config=LogConfig(type="json-file", config={"max-size": str(log_cap), "max-file": "1"}),
            mounts=mounts,
            stdin_open=False,
            tty=False,
        )
        return Prepared(job=job, t_start=t_start, out_dir=out_dir, create_kwargs=create_kwargs, roles=roles,
                        packages=packages, fixed=fixed, places=places, user=user, name=name)

    def _run_cold(self, prep: "Prepared") -> RunResult:
        import docker

        failed = _failer(self, prep.out_dir, prep.t_start)
        name = prep.name
        try:
            client = engine_client(timeout=30)
            # The output stream may stay silent for longer than any HTTP timeout.
            stream_client = docker_client(None, client.api.api_version).api
            wait_client = docker_client(None, client.api.api_version).api
        except EngineUnavailable as exc:
            return failed(str(exc))

        container = None
        reader = _OutputReader(int(prep.job.limits.output_bytes))
        details: dict = {"image": self.image, "container": name, "user": prep.user, "runtime": prep.job.runtime}
        try:
            try:
                container = client.containers.create(**prep.create_kwargs)
            except docker.errors.ImageNotFound:
                return failed(_missing_image_reason(client, self.image))
            except docker.errors.APIError as exc:
                return failed(f"the Docker engine refused the container: {exc.explanation or exc}")
            details["container_id"] = container.id
            try:  # attach before start so no output is missed
                sock = (stream_client or client.api).attach(container.id, stdout=True, stderr=True,
                                                           stream=True, logs=True, demux=True)
                reader.start(sock)
            except Exception as exc:
                details["attach_error"] = _short(exc)
            try:
                container.start()
            except docker.errors.APIError as exc:
                return failed(f"the container did not start: {exc.explanation or exc}", container=name)
            return self._supervise(client, container, reader, prep, prep.out_dir, details, wait_api=wait_client)
        except docker.errors.DockerException as exc:
            return failed(f"the Docker engine failed during the run: {_short(exc)}", **details)
        except OSError as exc:  # connection dropped, socket errors
            return failed(f"lost the Docker engine during the run: {_short(exc)}", **details)
        finally:
            if container is not None:
                _remove(client, container.id)
                # Only now, with nothing left to write there, make the output folder
                # safe for the judge to read (details is the dict the result carries).
                removed = sanitize_out_dir(prep.out_dir)
                if removed:
                    details["removed_from_out"] = removed[:20]
            reader.close()
            for c in (stream_client, wait_client, client):
                try:
                    if c is not None:
                        c.close()
                except Exception:
                    pass

    def _supervise(self, client, container, reader: "_OutputReader", prep: "Prepared", watched: Path,
                   details: dict, wait_api=None) -> RunResult:
        """From the start (cold) or the go signal (warm) to the end: the judge's wall clock, memory
        and output-folder watch, kill, exit state. ``watched`` is the host side of ``/sandbox/out``."""
        import docker

        limits = prep.job.limits
        timed_out = False
        killed_for = None
        peak = _PeakMemory()
        t_run = time.monotonic()
        deadline = t_run + float(limits.wall_seconds)
        peak.locate(container.id)
        out_cap = out_dir_cap(limits)
        next_out_check = 0.0
        state: dict = {}
        limit_bytes = int(limits.memory_mb) << 20
        pinned_since = None
        # The end of the run comes from a blocking `wait` (one request), not from polling
        # `inspect` (a request to the engine every 50 ms costs CPU the jobs need); inspect
        # still runs once a second as a safety net.
        ended = threading.Event()
        if wait_api is not None:
            def _wait():
                try:
                    wait_api.wait(container.id)
                except Exception:
                    return  # the inspect fallback sees the end
                ended.set()

            threading.Thread(target=_wait, name="mljudge-wait", daemon=True).start()
        next_inspect = 0.0
        while True:
            now = time.monotonic()
            if ended.is_set() or now >= next_inspect:
                state = client.api.inspect_container(container.id).get("State", {})
                next_inspect = now + (POLL_SECONDS if wait_api is None else 1.0)
                if not state.get("Running") and state.get("Status") not in ("created", "restarting"):
                    break
            peak.sample()
            if now >= deadline:
                timed_out = True
                killed_for = "wall_clock"
                break
            if peak.current is not None and peak.current >= MEMORY_PINNED_FRACTION * limit_bytes:
                pinned_since = pinned_since or now
                if now - pinned_since >= MEMORY_PINNED_SECONDS:
                    killed_for = "memory"
                    break
            else:
                pinned_since = None
            if now >= next_out_check:
                next_out_check = now + 0.5
                over = _out_dir_over(watched, out_cap)
                if over:
                    killed_for = "out_dir_quota"
                    details["out_dir_overflow"] = over
                    break
            ended.wait(min(POLL_SECONDS if now - t_run < 2 else 0.2, max(0.0, deadline - now)))
        if killed_for:
            try:
                container.kill()
            except docker.errors.APIError:
                pass  # it ended on its own meanwhile
            try:
                client.api.wait(container.id, timeout=KILL_GRACE)
            except Exception:
                pass
            state = client.api.inspect_container(container.id).get("State", {})
        wall = time.monotonic() - t_run
        reader.join(timeout=5.0)
        if not reader.used:  # attach failed: fall back to the (capped) log
            try:
                reader.feed_logs(container)
            except Exception as exc:
                details["logs_error"] = _short(exc)
        exit_code = state.get("ExitCode")
        oom_flag = bool(state.get("OOMKilled"))
        peak.sample()
        # Docker's OOMKilled flag is set when the kernel OOM-killed a process of the
        # container. A 137 (SIGKILL) with no flag and no timeout may still be memory
        # on some engines; count it as OOM only when the measured peak came within 5%
        # of the limit, so a job that SIGKILLs itself is not reported as memory.
        near_limit = peak.value is not None and peak.value >= 0.95 * limit_bytes
        oom = oom_flag or killed_for == "memory" or (exit_code == 137 and not timed_out and killed_for is None and near_limit)
        details.update({"oom_flag": oom_flag, "state_error": state.get("Error") or None,
                        "killed_for": killed_for, "started_at": state.get("StartedAt"),
                        "finished_at": state.get("FinishedAt")})
        stdout, stderr, truncated = reader.result()
        if killed_for == "out_dir_quota":
            stderr += (f"\n[judge] killed: the output folder grew past {out_cap >> 20} MiB "
                       f"or {OUT_DIR_MAX_ENTRIES} entries\n")
        return RunResult(backend=self.name, exit_code=exit_code, timed_out=timed_out,
                         oom_killed=oom, wall_seconds=round(wall, 3),
                         peak_memory_bytes=peak.value, stdout=stdout, stderr=stderr,
                         output_truncated=truncated, out_dir=prep.out_dir, details=details)


@dataclass
class Prepared:
    """A checked job and its container settings (``create_kwargs`` are the cold container's)."""

    job: Job
    t_start: float
    out_dir: Path
    create_kwargs: dict
    roles: dict  # role -> host folder
    packages: list  # package mounts
    fixed: list  # mounts every job has (/etc/hosts)
    places: dict  # placeholder -> path inside
    user: str
    name: str


def _failer(backend, out_dir: Path, t_start: float):
    def failed(msg: str, **details) -> RunResult:
        return RunResult(backend=backend.name, exit_code=None, timed_out=False, oom_killed=False,
                         wall_seconds=time.monotonic() - t_start, peak_memory_bytes=None,
                         stdout="", stderr="", output_truncated=False, out_dir=out_dir,
                         error=msg, details={"image": backend._image, **details})

    return failed


def _missing_image_reason(client, image: str) -> str:
    if os.environ.get("MLJUDGE_IMAGE"):
        return (f"the sandbox image {image} (from $MLJUDGE_IMAGE) is missing: build or load it, "
                f"or unset MLJUDGE_IMAGE and run `judge image build`")
    try:
        older = [t for img in client.images.list(filters={"label": "mljudge.runtime=1"}) for t in img.tags]
    except Exception:
        older = []
    if older:
        return (f"the sandbox image is out of date ({', '.join(older[:2])} present, {image} wanted: "
                f"docker/ changed): run `judge image build`")
    return f"the sandbox image {image} is missing: run `judge image build` (several minutes, once)"


def _remove(client, cid: str) -> None:
    """Remove a container whatever happens (retries once through a fresh client)."""
    import docker

    for attempt in range(3):
        try:
            client.api.remove_container(cid, force=True, v=True)
            return
        except docker.errors.NotFound:
            return
        except docker.errors.APIError as exc:
            if "already in progress" in str(exc):
                return
        except Exception:
            pass
        time.sleep(0.2 * (attempt + 1))
        try:
            client = engine_client(timeout=30)
        except EngineUnavailable:
            return


def sanitize_out_dir(path: Path, limit: int = 2 * OUT_DIR_MAX_ENTRIES) -> list[str]:
    """Remove what the judge must not follow or open from a sandbox's output folder.

    Symbolic links (they would point the judge, which reads as its own user on
    the host, at host files), FIFOs (an open() would block the judge), sockets
    and devices are deleted; setuid/setgid/sticky bits are cleared. Returns the
    relative paths removed.
    """
    import stat

    removed: list[str] = []
    seen = 0
    stack = [path]
    while stack:
        d = stack.pop()
        try:
            entries = list(os.scandir(d))
        except OSError:
            continue
        for e in entries:
            seen += 1
            if seen > limit:
                return removed
            try:
                st = os.lstat(e.path)
            except OSError:
                continue
            mode = st.st_mode
            if stat.S_ISDIR(mode):
                stack.append(Path(e.path))
            elif not stat.S_ISREG(mode):  # link, fifo, socket, device
                try:
                    os.unlink(e.path)
                    removed.append(os.path.relpath(e.path, path))
                except OSError:
                    pass
                continue
            if mode & 0o7000:
                try:
                    os.chmod(e.path, stat.S_IMODE(mode) & 0o777, follow_symlinks=False)
                except (OSError, NotImplementedError):
                    pass
    return removed


def _out_dir_over(path: Path, cap: int) -> str | None:
    """Why the output folder is over its quota, or None."""
    total = 0
    entries = 0
    stack = [str(path)]
    while stack:
        d = stack.pop()
        try:
            with os.scandir(d) as it:
                for e in it:
                    entries += 1
                    if entries > OUT_DIR_MAX_ENTRIES:
                        return f"more than {OUT_DIR_MAX_ENTRIES} entries"
                    try:
                        if e.is_dir(follow_symlinks=False):
                            stack.append(e.path)
                        else:
                            total += e.stat(follow_symlinks=False).st_blocks * 512
                    except OSError:
                        pass
                    if total > cap:
                        return f"more than {cap >> 20} MiB"
        except OSError:
            pass
    return None


class _OutputReader:
    """Drains the attach stream in a thread, keeping at most ``cap`` bytes a stream."""

    def __init__(self, cap: int):
        self.cap = cap
        self.buf = {1: bytearray(), 2: bytearray()}
        self.total = {1: 0, 2: 0}
        self.used = False
        self._sock = None
        self._thread: threading.Thread | None = None

    def start(self, sock) -> None:
        self._sock = sock
        self.used = True
        self._thread = threading.Thread(target=self._drain, name="mljudge-output", daemon=True)
        self._thread.start()

    def _add(self, fd: int, data: bytes | None) -> None:
        if not data:
            return
        self.total[fd] += len(data)
        room = self.cap - len(self.buf[fd])
        if room > 0:
            self.buf[fd] += data[:room]

    def _drain(self) -> None:
        try:
            for out, err in self._sock:
                self._add(1, out)
                self._add(2, err)
        except Exception:
            pass  # socket closed under us (container removed): keep what we have

    def feed_logs(self, container) -> None:
        self._add(1, container.logs(stdout=True, stderr=False))
        self._add(2, container.logs(stdout=False, stderr=True))

    def join(self, timeout: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            except Exception:
                pass

    def result(self) -> tuple[str, str, bool]:
        truncated = any(self.total[fd] > self.cap for fd in (1, 2))
        return (self.buf[1].decode("utf-8", "replace"), self.buf[2].decode("utf-8", "replace"), truncated)


class _PeakMemory:
    """Peak and current memory of the container's cgroup, read from the host when it is local."""

    def __init__(self):
        self.files: list[Path] = []
        self.current_files: list[Path] = []
        self.value: int | None = None
        self.current: int | None = None

    def locate(self, cid: str) -> None:
        root = Path("/sys/fs/cgroup")
        dirs = [
            (root / "memory" / "docker" / cid, "memory.max_usage_in_bytes", "memory.usage_in_bytes"),  # v1
            (root / "memory" / "system.slice" / f"docker-{cid}.scope", "memory.max_usage_in_bytes",
             "memory.usage_in_bytes"),
            (root / "system.slice" / f"docker-{cid}.scope", "memory.peak", "memory.current"),  # v2, systemd
            (root / "docker" / cid, "memory.peak", "memory.current"),  # v2, cgroupfs
        ]
        self.files = [d / peak for d, peak, _ in dirs if (d / peak).exists()]
        self.current_files = [d / cur for d, _, cur in dirs if (d / cur).exists()]

    @staticmethod
    def _read(p: Path) -> int | None:
        try:
            return int(p.read_text().strip())
        except (OSError, ValueError):
            return None

    def sample(self) -> None:
        for p in self.files:
            v = self._read(p)
            if v is not None and (self.value is None or v > self.value):
                self.value = v
        for p in self.current_files:
            self.current = self._read(p)
            if self.current is not None and (self.value is None or self.current > self.value):
                self.value = self.current


def list_containers(client=None, all_owners: bool = True) -> list:
    """Containers carrying the judge's label (running or not)."""
    client = client or engine_client()
    cs = client.containers.list(all=True, filters={"label": f"{LABEL}=1"})
    if all_owners:
        return cs
    me = f"{socket.gethostname()}:{os.getpid()}"
    return [c for c in cs if (c.labels or {}).get(f"{LABEL}.owner") == me]


def _owner_alive(owner: str | None) -> bool:
    if not owner or ":" not in owner:
        return False
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname():
        return True  # another machine's judge: not ours to judge
    try:
        os.kill(int(pid), 0)
        return True
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError):
        return True


def remove_leftovers(client=None, everything: bool = False) -> list[str]:
    """Remove labelled containers whose judge process is gone (or all with ``everything``).

    Returns the names removed. Containers of judgings still running are kept,
    so this is safe to call while other judgings run.
    """
    client = client or engine_client()
    removed = []
    for c in list_containers(client):
        if not everything and _owner_alive((c.labels or {}).get(f"{LABEL}.owner")):
            continue
        try:
            c.remove(force=True, v=True)
            removed.append(c.name)
        except Exception:
            pass
    return removed
