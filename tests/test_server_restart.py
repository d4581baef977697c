"""A server killed at any moment loses nothing and judges nothing twice; the store's job rules."""
import time

from judge.intake import Submission
from judge.store import Store

from .serverproc import Server, roomy_root, token, wait_done

SLOW = "import time\ntime.sleep(4)\n\nimport numpy as np\n\n\ndef scale(x, a):\n    return a * np.asarray(x, dtype=float)\n\n\ndef total(x):\n    return float(np.sum(x))\n"


def test_kill_9_while_judging_then_restart_gives_exactly_one_result(tmp_path):
    root = roomy_root(tmp_path)
    home = tmp_path / "home"
    s = Server(home, root, "--workers", "1").start()
    tok = token(home, root, "interviewer")
    c = s.client(tok)
    ids = [c.post("/submissions", data={"problem": "toy"},
                  files=[("files", ("solution.py", SLOW.encode()))]).json()["id"] for _ in range(2)]
    deadline = time.monotonic() + 120
    while c.get(f"/submissions/{ids[0]}").json()["state"] != "running":
        assert time.monotonic() < deadline, "the job never started"
        time.sleep(0.1)
    s.kill9()
    store = Store(home)
    assert store.latest_job(ids[0])["state"] == "running" and store.results_for(ids[0]) == []
    assert store.latest_job(ids[1])["state"] == "queued"

    s2 = Server(home, root, "--workers", "1", port=s.port).start()
    try:
        c2 = s2.client(tok)
        for sid in ids:
            assert wait_done(c2, sid, timeout=300)["verdict"] == "accepted"
        first = store.results_for(ids[0])
        assert len(first) == 1 and first[0]["attempt"] == 2, first
        assert [r["attempt"] for r in store.results_for(ids[1])] == [1]
        assert store.queue_counts() == {"queued": 0, "running": 0}
    finally:
        s2.stop()


def _sub() -> Submission:
    return Submission(files={"solution.py": b"x = 1\n"}, source="test")


def _doc(sid: int) -> dict:
    return {"verdict": "accepted", "score": 100.0, "seed": 1, "backend": "local", "id": sid}


def test_a_job_writes_one_result_and_stale_attempts_are_dropped(tmp_path):
    store = Store(tmp_path)
    sid = store.add_submission("toy", _sub(), job={"seed": 1})
    first = store.claim_job()
    assert first["attempt"] == 1 and store.claim_job() is None
    assert store.requeue_running() == 1  # the server died
    second = store.claim_job()
    assert second["id"] == first["id"] and second["attempt"] == 2
    assert store.finish_job(first, _doc(sid)) is None  # the old attempt came back late: dropped
    rid = store.finish_job(second, _doc(sid))
    assert rid is not None and store.finish_job(second, _doc(sid)) is None  # written once
    assert [r["attempt"] for r in store.results_for(sid)] == [2]
    assert store.latest_job(sid)["state"] == "done" and store.queue_counts() == {"queued": 0, "running": 0}


def test_submission_and_job_are_stored_together_and_old_stores_migrate(tmp_path):
    import sqlite3

    old = sqlite3.connect(tmp_path / "judge.db")
    old.executescript("CREATE TABLE submissions (id INTEGER PRIMARY KEY AUTOINCREMENT, problem TEXT NOT NULL,"
                      " created REAL NOT NULL, content_hash TEXT NOT NULL, source TEXT NOT NULL, label TEXT NOT NULL"
                      " DEFAULT '', files TEXT NOT NULL, ignored TEXT NOT NULL, invalid TEXT NOT NULL);")
    old.close()
    store = Store(tmp_path)
    sid = store.add_submission("toy", _sub(), owner=7, job={"seed": 3, "variant": 1})
    assert store.submission(sid)["owner"] == 7
    job = store.latest_job(sid)
    assert job["state"] == "queued" and job["seed"] == 3 and store.queue_position(job) == 1
    assert store.schema_version() == "0002"  # the old file was brought to schema 2, stamped, then migrated
    assert sqlite3.connect(tmp_path / "judge.db").execute("PRAGMA user_version").fetchone()[0] == 3
