"""Scale-out with the real services: `judge serve --db postgresql://… --broker redis://…` and
`judge worker` processes on this machine (PostgreSQL and Redis from scripts/services.sh).

The workers judge in Docker where the issue says so (draining, kill -9); the
broker and database outages use the local backend and the toy problem: they
are about delivery, not about the sandbox.
"""
import os
import random
import time

import pytest

from judge.store import Store

from .scaleproc import MIXED, Cluster, redis_db, sample_files
from .serverproc import roomy_root, wait_done
from .services import drop_postgres_db, fresh_postgres_db, require, service

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]
TOY = ("import numpy as np\n\n\ndef scale(x, a):\n    return a * np.asarray(x, dtype=float)\n\n\n"
       "def total(x):\n    return float(np.sum(x))\n")


def docker_or_skip():
    from judge.sandbox.docker import DockerBackend

    reason = DockerBackend().available()
    if reason:
        if os.environ.get("MLJUDGE_REQUIRE_DOCKER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture
def services(tmp_path):
    broker = redis_db(require("redis"), random.randint(1, 7))  # not another run's queue (bench: 8, 9)
    db = fresh_postgres_db()
    yield db, broker
    service("start", "redis", check=False)
    service("start", "postgres", check=False)
    drop_postgres_db(db)


@pytest.fixture
def cluster(tmp_path, services):
    c = Cluster(tmp_path, *services)
    yield c
    c.stop()


def one_result_each(db: str, ids: list[int]) -> Store:
    store = Store(url=db)
    for sid in ids:
        rows = store.results_for(sid)
        assert len(rows) == 1, (sid, rows)
    assert store.queue_counts() == {"queued": 0, "running": 0}
    return store


def test_two_workers_drain_one_queue_of_mixed_submissions(cluster):
    docker_or_skip()
    cluster.start()
    a = cluster.worker("a", "--backend", "docker")
    b = cluster.worker("b", "--backend", "docker")
    c = cluster.client()
    ids = {cluster.submit(c, *s): s for s in MIXED}
    done = cluster.wait_all(c, list(ids), timeout=900)
    for sid, (_, verdict, name) in ids.items():
        assert done[sid]["verdict"] == verdict, (name, done[sid]["result"].get("message"))
        assert done[sid]["result"]["backend"] == "docker"
    store = one_result_each(cluster.db, list(ids))
    workers = {w["name"]: w for w in c.get("/health").json()["workers"]}
    assert workers["a"]["jobs_done"] >= 1 and workers["b"]["jobs_done"] >= 1, workers
    assert workers["a"]["jobs_done"] + workers["b"]["jobs_done"] == len(MIXED)
    assert workers["a"]["problems_digest"] == workers["b"]["problems_digest"] and workers["a"]["alive"]
    assert "problems: " in a.text() and "sandbox:  docker" in b.text()  # `judge worker` says what it runs
    assert store.verdict_times()["count"] == len(MIXED)


def test_kill_9_of_a_worker_mid_job_the_other_finishes_it_once(cluster):
    docker_or_skip()
    cluster.start()
    a = cluster.worker("a", "--backend", "docker")
    c = cluster.client()
    problem, verdict, name = MIXED[0]
    files = sample_files(cluster.root, problem, verdict, name)  # slowed: a warm run is over in ~2 s
    files = [(k, (n, b"import time\ntime.sleep(8)\n" + data if n == "solution.py" else data))
             for k, (n, data) in files]
    r = c.post("/submissions", data={"problem": problem, "label": "slow"}, files=files)
    assert r.status_code == 202, r.text
    sid = r.json()["id"]
    store = Store(url=cluster.db)
    deadline = time.monotonic() + 300
    while (store.latest_job(sid) or {}).get("state") != "running":
        assert time.monotonic() < deadline, "the job never started"
        time.sleep(0.2)
    a.kill9()  # mid-job: the solution is still asleep in its sandbox
    assert store.latest_job(sid)["worker"] == "a" and store.results_for(sid) == []
    cluster.worker("b", "--backend", "docker")
    st = wait_done(c, sid, timeout=600)
    assert st["verdict"] == "accepted"
    rows = store.results_for(sid)
    assert len(rows) == 1 and rows[0]["attempt"] == 2, rows
    assert store.latest_job(sid)["worker"] == "b"
    assert "job(s) [%d] back in the queue" % store.latest_job(sid)["id"] in cluster.server.log.read_text()


def _toy_cluster(tmp_path, services, root=None) -> Cluster:
    return Cluster(tmp_path, *services, root=root or roomy_root(tmp_path))


def _toy_submit(c, n: int) -> list[int]:
    ids = []
    for i in range(n):
        r = c.post("/submissions", data={"problem": "toy", "label": f"toy-{i}"},
                   files=[("files", ("solution.py", (TOY + f"# {i}\n").encode()))])
        assert r.status_code == 202, r.text
        ids.append(r.json()["id"])
    return ids


def test_redis_stopped_and_started_during_a_batch_every_submission_judged(tmp_path, services):
    cl = _toy_cluster(tmp_path, services)
    try:
        cl.start()
        cl.worker("a", "--backend", "local")
        c = cl.client()
        ids = _toy_submit(c, 6)
        store = Store(url=cl.db)
        deadline = time.monotonic() + 300
        while not any(store.latest_job(i)["state"] == "done" for i in ids):
            assert time.monotonic() < deadline
            time.sleep(0.3)
        service("stop", "redis")  # every message in the broker is gone (no persistence)
        more = _toy_submit(c, 2)  # accepted while the broker is down: in the store, sent later
        time.sleep(3)
        service("start", "redis")
        done = cl.wait_all(c, ids + more, timeout=600)
        assert {d["verdict"] for d in done.values()} == {"accepted"}
        one_result_each(cl.db, ids + more)
        assert "sent job(s)" in cl.server.log.read_text()  # the sweeper resent what the broker lost
    finally:
        cl.stop()


def test_postgres_restart_server_answers_503_then_recovers(tmp_path, services):
    cl = _toy_cluster(tmp_path, services)
    try:
        cl.start()
        cl.worker("a", "--backend", "local")
        c = cl.client()
        first = _toy_submit(c, 1)
        wait_done(c, first[0], timeout=300)
        service("stop", "postgres")
        try:
            health = c.get("/health")
            listing = c.get("/submissions")
            assert health.status_code == 503 and listing.status_code == 503, (health.text, listing.text)
            assert "database" in listing.json()["error"] and "\n" not in listing.text
        finally:
            service("start", "postgres")
        deadline = time.monotonic() + 60
        while c.get("/health").status_code != 200:
            assert time.monotonic() < deadline, "the server did not recover"
            time.sleep(0.5)
        again = _toy_submit(c, 1)
        assert wait_done(c, again[0], timeout=300)["verdict"] == "accepted"
        one_result_each(cl.db, first + again)
    finally:
        cl.stop()


def test_a_worker_without_the_servers_problem_digest_refuses_and_requeues(tmp_path, services):
    root = roomy_root(tmp_path)
    other = tmp_path / "other"
    import shutil

    shutil.copytree(root, other / "repo")
    hidden = next((other / "repo" / "problems" / "toy" / "hidden").glob("test_*.py"))
    hidden.write_text(hidden.read_text() + "\n\ndef test_extra_on_this_worker_only():\n    assert False\n")
    cl = _toy_cluster(tmp_path, services, root=root)
    try:
        cl.start()
        stranger = cl.worker("stranger", "--backend", "local", root=other / "repo")  # another toy package
        c = cl.client()
        sid = _toy_submit(c, 1)[0]
        deadline = time.monotonic() + 60
        while "refused job" not in stranger.text():
            assert time.monotonic() < deadline, stranger.text()[-2000:]
            time.sleep(0.5)
        store = Store(url=cl.db)
        assert store.results_for(sid) == [] and store.latest_job(sid)["state"] == "queued"
        line = next(ln for ln in stranger.text().splitlines() if "refused job" in ln)
        assert "problem toy is" in line and "requeued" in line
        cl.worker("same", "--backend", "local")
        st = wait_done(c, sid, timeout=300)
        assert st["verdict"] == "accepted" and store.latest_job(sid)["worker"] == "same"
        one_result_each(cl.db, [sid])
        assert {w["name"]: w["refused"] for w in c.get("/health").json()["workers"]}["stranger"] >= 1
        import httpx

        anonymous = httpx.get(cl.server.url + "/api/v1/health").json()  # no token: a count, not the hosts
        assert anonymous["workers"] == {"alive": 2} and anonymous["queued"] == 0
    finally:
        cl.stop()


def test_sweeper_resends_exactly_what_the_broker_lost(tmp_path, services):
    """No worker: the sweeper alone, against the real Redis and PostgreSQL."""
    import redis

    from judge.intake import Submission
    from judge.queue.celery_queue import CeleryQueue
    from judge.queue.celery_app import QUEUE

    db, broker = services
    store = Store(tmp_path / "home", url=db)
    q = CeleryQueue(store, broker, root=roomy_root(tmp_path), resend_after=0)
    ids = [store.add_submission("toy", Submission(files={"solution.py": f"v = {i}\n".encode()}, source="t"),
                                job={"seed": 1}) for i in range(5)]
    for sid in ids:
        q.enqueue(sid)
    r = redis.Redis.from_url(broker)
    assert r.llen(QUEUE) == 5 and q.sweep()["resent"] == []  # nothing lost: nothing sent twice
    r.lpop(QUEUE)  # one message lost
    assert len(q.sweep()["resent"]) == 1 and r.llen(QUEUE) == 5
    r.flushdb()  # the broker restarted empty
    assert sorted(q.sweep()["resent"]) == sorted(store.latest_job(s)["id"] for s in ids)
    assert r.llen(QUEUE) == 5 and q.sweep()["resent"] == []
    job = store.claim_job(worker="gone")  # a worker took one and died
    store.register_worker("gone", {"host": "h"})
    with store.tx() as conn:
        conn.exec_driver_sql("UPDATE workers SET heartbeat = heartbeat - 100")
    r.lpop(QUEUE)
    swept = q.sweep()
    assert swept["lost"] == [job["id"]] and swept["resent"] == [job["id"]] and r.llen(QUEUE) == 5
