"""The store's contract, run on SQLite and on PostgreSQL (tests/services.py starts it)."""
import json
import sqlite3
import threading
import time

import pytest

from judge.errors import UsageError
from judge.intake import Submission
from judge.store import Store

from .services import store  # noqa: F401  (the parametrized fixture)


def _sub(text: str = "x = 1\n", extra: bytes | None = None) -> Submission:
    files = {"solution.py": text.encode()}
    if extra is not None:
        files["data/blob.bin"] = extra
    return Submission(files=files, source="test")


def _doc(sid: int, verdict: str = "accepted", score: float = 100.0) -> dict:
    return {"verdict": verdict, "score": score, "seed": 1, "backend": "local", "id": sid}


def test_files_round_trip_through_the_database_content_addressed(store):
    blob = bytes(range(256)) * 40
    a = store.add_submission("toy", _sub("a = 1\n", blob), label="x")
    b = store.add_submission("toy", _sub("a = 1\n", blob))  # same content: stored once
    loaded = store.load_submission(a)
    assert loaded.files == {"solution.py": b"a = 1\n", "data/blob.bin": blob}
    assert store.load_submission(b).files == loaded.files
    assert store.q("SELECT COUNT(*) FROM submission_files")[0][0] == 2
    assert not (store.home / "submissions").exists()  # nothing on disk: workers need no shared folder
    with pytest.raises(UsageError):
        store.submission(9999)


def test_a_job_writes_one_result_and_stale_attempts_are_dropped(store):
    sid = store.add_submission("toy", _sub(), job={"seed": 2 ** 40, "variant": 1})
    first = store.claim_job()
    assert first["attempt"] == 1 and first["seed"] == 2 ** 40 and store.claim_job() is None
    assert store.requeue_running() == 1
    second = store.claim_job()
    assert second["id"] == first["id"] and second["attempt"] == 2
    assert store.finish_job(first, _doc(sid)) is None
    rid = store.finish_job(second, _doc(sid))
    assert rid is not None and store.finish_job(second, _doc(sid)) is None
    assert [r["attempt"] for r in store.results_for(sid)] == [2]
    assert store.latest_job(sid)["state"] == "done" and store.queue_counts() == {"queued": 0, "running": 0}
    assert store.latest_result(sid)["verdict"] == "accepted"
    assert store.verdict_times()["count"] == 1


def test_claim_by_id_redelivery_rules(store):
    sid = store.add_submission("toy", _sub(), job={"seed": 1, "problem_digest": "abc"})
    jid = store.latest_job(sid)["id"]
    store.register_worker("w1", {"host": "h", "pid": 1})
    store.register_worker("w2", {"host": "h", "pid": 2})
    job = store.claim_job(jid, worker="w1", lost_after=30)
    assert job["worker"] == "w1" and job["problem_digest"] == "abc"
    assert store.claim_job(jid, worker="w2", lost_after=30) is None  # held by a live worker: duplicate message
    again = store.claim_job(jid, worker="w1", lost_after=30)  # w1 restarted and got its message back
    assert again["attempt"] == 2
    # w1 falls silent:
    with store.tx() as conn:
        conn.exec_driver_sql("UPDATE workers SET heartbeat = heartbeat - 100 WHERE name = 'w1'")
    assert store.requeue_lost(30) == [jid]
    taken = store.claim_job(jid, worker="w2", lost_after=30)
    assert taken["attempt"] == 3 and taken["worker"] == "w2"
    assert store.finish_job(again, _doc(sid)) is None  # the lost worker's late write is dropped
    assert store.finish_job(taken, _doc(sid)) is not None
    assert store.claim_job(jid, worker="w1", lost_after=30) is None  # done: a late redelivery does nothing
    assert len(store.results_for(sid)) == 1
    assert {w["name"]: w["jobs_done"] for w in store.list_workers()} == {"w1": 0, "w2": 1}


def test_release_and_stale_queued(store):
    sid = store.add_submission("toy", _sub(), job={"seed": 1})
    job = store.claim_job()
    assert store.release_job(job) and store.latest_job(sid)["state"] == "queued"
    assert [j["id"] for j in store.queued_jobs(enqueued_before=time.time())] == [job["id"]]
    store.mark_enqueued([job["id"]])
    assert store.queued_jobs(enqueued_before=time.time() - 60) == []
    assert store.queue_position(store.latest_job(sid)) == 1


def test_concurrent_claims_take_each_job_once(store):
    ids = [store.add_submission("toy", _sub(f"v = {i}\n"), job={"seed": i}) for i in range(12)]
    taken, lock = [], threading.Lock()

    def worker():
        while (job := store.claim_job()) is not None:
            with lock:
                taken.append(job["submission_id"])

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(taken) == sorted(ids)


def test_tokens_invites_and_listing(store):
    tid = store.add_token("secret-1", "candidate", name="Ann", expires=time.time() + 60,
                          invite={"problems": ["toy"], "lang": "zh", "max_submissions": 3})
    assert store.find_token("secret-1")["id"] == tid and store.find_token("nope") is None
    assert store.invite_for(tid)["problems"] == ["toy"] and store.list_invites()[0]["lang"] == "zh"
    assert "hash" not in store.list_tokens()[0]
    a = store.add_submission("toy", _sub("a\n"), owner=tid, label="Ann")
    b = store.add_submission("other", _sub("b\n"))
    store.add_result(a, _doc(a, "partial", 40.0))
    store.add_result(b, _doc(b, "accepted", 90.0))
    assert [r["id"] for r in store.list_submissions(sort="score")] == [b, a]
    assert [r["id"] for r in store.list_submissions(owner=tid)] == [a]
    assert [r["id"] for r in store.list_submissions(verdict="accepted")] == [b]
    assert store.count_submissions(owner=tid) == 1 and store.count_submissions(problem="other") == 1
    assert store.find_judged("toy", store.submission(a)["content_hash"], "", 1)["verdict"] == "partial"
    assert store.list_invites()[0]["submissions"] == 1
    assert store.revoke_token(tid) and not store.revoke_token(tid) and store.find_token("secret-1") is None


def test_round_two_sqlite_store_is_migrated_with_its_files(tmp_path):
    """A JUDGE_HOME from round 2 (schema 2, files on disk) opens, keeps its data and moves the files in."""
    home = tmp_path / "home"
    (home / "submissions" / "ab" / "abcd").mkdir(parents=True)
    (home / "submissions" / "ab" / "abcd" / "solution.py").write_text("old = 1\n")
    db = sqlite3.connect(home / "judge.db")
    from judge.store.legacy import V1, V2

    db.executescript(V1 + ";" + "ALTER TABLE submissions ADD COLUMN owner INTEGER; ALTER TABLE results ADD COLUMN"
                     " job_id INTEGER; ALTER TABLE results ADD COLUMN attempt INTEGER;" + V2 + "; PRAGMA user_version=2")
    db.execute("INSERT INTO submissions (problem, created, content_hash, source, label, files, ignored, invalid)"
               " VALUES ('toy', 1, 'abcd', 'dir', 'old', ?, '[]', '[]')", (json.dumps(["solution.py"]),))
    db.execute("INSERT INTO tokens (hash, role, created) VALUES ('h', 'admin', 1)")
    db.commit()
    db.close()
    store = Store(home)
    assert store.schema_version() == "0002"
    assert store.load_submission(1).files == {"solution.py": b"old = 1\n"}
    assert store.q("SELECT COUNT(*) FROM submission_files")[0][0] == 1
    assert store.token(1)["role"] == "admin"
    assert store.add_submission("toy", _sub()) == 2


def test_head_constant_is_alembics_head():
    from judge.store import migrate, revision

    assert revision.HEAD == migrate.head()


def test_a_store_at_head_opens_without_importing_alembic(tmp_path):
    """Alembic costs ~0.3 s of every CLI start: only a store behind HEAD loads it."""
    import subprocess
    import sys

    code = ("import sys; from judge.store import Store; s = Store(); s.ping();"
            " print('alembic' in sys.modules, s.schema_version() if len(sys.argv) > 1 else '')")
    env = {**__import__("os").environ, "JUDGE_HOME": str(tmp_path / "home")}
    env.pop("MLJUDGE_DB", None)
    first = subprocess.run([sys.executable, "-c", code, "v"], env=env, capture_output=True, text=True, timeout=120)
    again = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert first.stdout.split() == ["True", "0002"], first.stderr  # a new database is migrated
    assert again.stdout.split() == ["False"], again.stderr
