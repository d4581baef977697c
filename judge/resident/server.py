"""The resident judge's process: ``python -m judge.resident [--idle SECONDS]``."""
from __future__ import annotations

import os
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
from pathlib import Path

from . import protocol


class Resident:
    """Answers requests (see ``handle``) with one docker backend, one warm pool and one store."""

    def __init__(self, idle: float):
        from ..sandbox import get_backend
        from ..store import Store

        # one command at a time, many problems over its life: one ready sandbox per kind is enough,
        # and the pool's cap (2 x CPUs idle sandboxes) then holds that many kinds before it evicts
        os.environ.setdefault("MLJUDGE_WARM_SIZE", "1")
        self.backend = get_backend("docker", warm="1")  # its own pool, refilled while it waits
        self.store = Store()
        self.code = protocol.code_digest()
        self.env = protocol.environment()
        self.idle = idle
        self.last = time.monotonic()
        self.active = 0
        self.judged = 0
        self.lock = threading.Lock()
        self.started = time.time()

    def status(self) -> dict:
        return {"pid": os.getpid(), "code": self.code, "env": self.env, "judged": self.judged,
                "active": max(0, self.active - 1), "started": self.started, "idle_limit": self.idle}

    def handle(self, req: dict) -> dict:
        op = req.get("op")
        if op in ("ping", "stop"):
            return {"ok": True, **self.status()}
        if req.get("code") != self.code:
            return {"mismatch": "code"}
        if req.get("env") != self.env:
            return {"mismatch": "environment"}
        if op != "submit":
            return {"error": f"unknown request {op!r}", "exit_code": 3}
        try:
            return {"doc": self.submit(req)}
        except Exception as exc:  # the command prints it as it prints its own errors
            from ..errors import JudgeError

            if isinstance(exc, JudgeError):
                return {"error": str(exc), "exit_code": exc.exit_code}
            return {"error": f"internal error: {type(exc).__name__}: {exc}", "exit_code": 3}
        finally:
            with self.lock:
                self.judged += 1

    def busy(self, n: int) -> None:
        """A connection opened (+1) or answered (-1): it ends only when none is open."""
        with self.lock:
            self.active += n
            self.last = time.monotonic()

    def submit(self, req: dict) -> dict:
        from .. import problem as problems
        from .. import service

        args = req["args"]
        root = problems.find_root(Path(req["cwd"]))
        return service.submit(args["problem"], args["path"], backend=self.backend, seed=args.get("seed"),
                              label=args.get("label") or "", store=self.store, root=root)

    def idle_for(self) -> float:
        with self.lock:
            return 0.0 if self.active else time.monotonic() - self.last


class _Handler(socketserver.BaseRequestHandler):
    def handle(self):
        sock: socket.socket = self.request
        creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        if struct.unpack("3i", creds)[1] != os.getuid():
            return  # only the user who started it may use it
        resident = self.server.resident
        resident.busy(+1)
        try:
            try:
                req = protocol.recv(sock)
            except (OSError, ValueError):
                return
            if not isinstance(req, dict):
                return
            answer = resident.handle(req)
            try:
                protocol.send(sock, answer)
            except OSError:
                pass  # the command went away (Ctrl-C); the result is stored all the same
            if req.get("op") == "stop":
                threading.Thread(target=self.server.shutdown, daemon=True).start()
        finally:
            resident.busy(-1)


class _Server(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True


def _sweep() -> None:
    """Remove warm containers of this warm folder that ended by themselves (idle limit), of any
    kind: the pool reaps only its own kinds' (slots.reap), and ended containers left by one-shot
    commands would otherwise stay in `docker ps -a`."""
    from ..sandbox import warm
    from ..sandbox.docker import engine_client

    try:
        client = engine_client(timeout=60)
    except Exception:
        return
    try:
        warm.sweep(client)
    except Exception:
        pass
    finally:
        client.close()


def serve(idle: float, ready=None) -> int:
    """Run until idle for ``idle`` seconds, asked to stop, or SIGTERM. Exit 0; 1 when another
    resident judge already holds this JUDGE_HOME."""
    run = protocol.run_dir()
    run.mkdir(parents=True, exist_ok=True)
    os.chmod(run, 0o700)
    lock = open(run / "resident.lock", "a+")
    if not protocol.take_lock(lock, wait=60.0):  # one that was asked to stop may still be cleaning up
        print("a resident judge already runs for this JUDGE_HOME", file=sys.stderr)
        return 1
    lock.truncate(0)
    lock.write(f"{os.getpid()}\n")
    lock.flush()
    path = protocol.socket_path()
    path.unlink(missing_ok=True)  # left by one that was killed: we hold the lock
    resident = Resident(idle)
    old_umask = os.umask(0o177)
    try:
        server = _Server(str(path), _Handler)
    finally:
        os.umask(old_umask)
    server.resident = resident
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())

    def watch():
        swept = time.monotonic()
        while True:
            time.sleep(min(5.0, max(0.5, idle / 10)))
            if resident.idle_for() >= idle:
                server.shutdown()
                return
            if time.monotonic() - swept >= 60:
                swept = time.monotonic()
                _sweep()

    threading.Thread(target=watch, name="mljudge-resident-idle", daemon=True).start()
    if ready is not None:
        ready()
    try:
        server.serve_forever(poll_interval=0.5)
    finally:
        path.unlink(missing_ok=True)  # ours: we hold the lock; no new command comes here now
        server.server_close()
        end = time.monotonic() + 900
        while resident.active and time.monotonic() < end:  # judgings under way finish and answer
            time.sleep(0.2)
        from ..sandbox import warm

        warm.close_all()  # the warm sandboxes it made
        lock.close()
    return 0
