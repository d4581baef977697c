"""What the server does, as functions callable from Python (the API and the web UI call these).

Errors are ``ApiError(status, message)``: the HTTP layers turn them into a
status and a one-line JSON or HTML message.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from .. import i18n
from .. import problem as problems
from ..errors import UsageError
from ..report.audience import for_candidate
from ..service import choose_seed
from ..store import Store
from .auth import ROLES, Principal, new_token, parse_duration
from .uploads import submission_from_upload


class ApiError(UsageError):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@dataclass
class Limits:
    max_queue: int = 200  # queued jobs beyond which new submissions get 503
    submit_per_minute: int = 20  # per token
    requests_per_minute: int = 600  # per token


def create_token(store: Store, role: str, name: str = "", expires: str | None = None,
                 created_by: int | None = None) -> tuple[str, int]:
    if role not in ROLES or role == "candidate":
        raise ApiError(400, f"role must be admin or interviewer (candidates get an invite), not {role!r}")
    ttl = parse_duration(expires)
    token = new_token()
    tid = store.add_token(token, role, name, expires=time.time() + ttl if ttl else None, created_by=created_by)
    return token, tid


def create_invite(store: Store, problem_ids: list[str], name: str, expires: str | None = "7d",
                  max_submissions: int | None = 20, lang: str = "en", created_by: int | None = None,
                  root: Path | None = None) -> dict:
    """A candidate token scoped to ``problem_ids``; the token is in the answer and nowhere else."""
    if not name.strip():
        raise ApiError(400, "an invite needs the candidate's name")
    if not problem_ids:
        raise ApiError(400, "an invite needs at least one problem")
    if lang not in i18n.LANGS:
        raise ApiError(400, f"lang must be one of {', '.join(i18n.LANGS)}")
    if max_submissions is not None and max_submissions < 1:
        raise ApiError(400, "max submissions must be at least 1")
    for pid in problem_ids:
        problems.load(pid, root)  # UsageError for an unknown problem
    ttl = parse_duration(expires)
    token = new_token()
    tid = store.add_token(token, "candidate", name.strip(), expires=time.time() + ttl if ttl else None,
                          created_by=created_by,
                          invite={"problems": list(problem_ids), "lang": lang, "max_submissions": max_submissions})
    return {"token": token, "token_id": tid, "name": name.strip(), "problems": list(problem_ids), "lang": lang,
            "max_submissions": max_submissions, "expires": time.time() + ttl if ttl else None}


def visible_problems(who: Principal, root: Path | None = None) -> list[dict]:
    root = root or problems.find_root()
    out = []
    for pid in problems.list_ids(root):
        if who.may_see_problem(pid):
            p = problems.load(pid, root)
            out.append({"id": p.id, "title": p.title, "difficulty": p.difficulty, "framework": p.framework,
                        "tags": p.tags, "files": p.files, "variants": p.variants if who.at_least("interviewer")
                        else None})
    return out


def problem_for(who: Principal, problem_id: str, root: Path | None = None) -> problems.Problem:
    if not who.may_see_problem(problem_id):
        raise ApiError(404, f"unknown problem {problem_id!r}")
    try:
        return problems.load(problem_id, root)
    except UsageError as exc:
        raise ApiError(404, str(exc)) from None


def submit(store: Store, who: Principal, problem_id: str, files: dict[str, bytes] | None = None,
           zip_data: bytes | None = None, label: str = "", backend: str | None = None,
           limits: Limits | None = None, root: Path | None = None) -> int:
    """Store the upload and its queued job in one transaction; the submission id."""
    limits = limits or Limits()
    prob = problem_for(who, problem_id, root)
    if who.max_submissions is not None and store.count_submissions(owner=who.token_id) >= who.max_submissions:
        raise ApiError(429, f"submission limit reached ({who.max_submissions} for this invite)")
    if store.queue_counts()["queued"] >= limits.max_queue:
        raise ApiError(503, f"the judging queue is full ({limits.max_queue} waiting); try again in a minute")
    try:
        sub = submission_from_upload(prob, files, zip_data)
    except UsageError as exc:
        raise ApiError(400, str(exc)) from None
    seed, variant = choose_seed(prob, None)
    label = label or (who.name if who.role == "candidate" else "")
    return store.add_submission(prob.id, sub, label=label[:200], owner=who.token_id,
                                job={"seed": seed, "variant": variant, "backend": backend,
                                     "problem_digest": prob.digest()})


def submission_for(store: Store, who: Principal, sid: int) -> dict:
    """The stored submission if the caller may see it; 404 otherwise (the same answer as a missing id)."""
    try:
        rec = store.submission(sid)
    except UsageError:
        raise ApiError(404, f"no submission {sid}") from None
    if not who.at_least("interviewer") and rec["owner"] != who.token_id:
        raise ApiError(404, f"no submission {sid}")
    return rec


def status(store: Store, who: Principal, sid: int) -> dict:
    """State, queue position and (when judged) the result document for the caller's role."""
    rec = submission_for(store, who, sid)
    job = store.latest_job(sid)
    state = job["state"] if job else "done"
    out = {"id": sid, "problem": rec["problem"], "label": rec["label"], "created": rec["created"],
           "state": state, "position": store.queue_position(job) if job else 0, "result": None}
    try:
        doc = store.latest_result(sid)
    except UsageError:
        return out
    out["result"] = doc if who.at_least("interviewer") else for_candidate(doc)
    out["verdict"], out["score"] = doc["verdict"], doc["score"]
    return out


def result_doc(store: Store, who: Principal, sid: int) -> dict:
    submission_for(store, who, sid)
    try:
        return store.latest_result(sid)
    except UsageError:
        raise ApiError(409, f"submission {sid} is not judged yet") from None


def list_submissions(store: Store, who: Principal, problem: str | None = None, candidate: int | None = None,
                     verdict: str | None = None, limit: int = 50, offset: int = 0, sort: str = "time") -> list[dict]:
    limit = max(1, min(int(limit), 500))
    owner = candidate if who.at_least("interviewer") else who.token_id
    rows = store.list_submissions(limit=limit, offset=max(0, int(offset)), problem=problem, owner=owner,
                                  verdict=verdict, sort=sort)
    if not who.at_least("interviewer"):
        for r in rows:
            r.pop("owner", None)
    return rows


def rejudge(store: Store, sid: int, backend: str | None = None, root: Path | None = None) -> int:
    """Queue the submission again on the seed of its latest job; the new job's id."""
    job = store.latest_job(sid)
    if job is None:
        try:
            doc = store.latest_result(sid)
        except UsageError as exc:
            raise ApiError(404, str(exc)) from None
        seed, variant, be = doc["seed"], doc.get("variant"), backend or doc.get("backend")
    else:
        seed, variant, be = job["seed"], job["variant"], backend or job["backend"]
    digest = None
    try:
        digest = problems.load(store.submission(sid)["problem"], root).digest()
    except UsageError:
        pass  # the problem is gone: the job ends as an internal error naming it
    return store.add_job(sid, "rejudge", seed=seed, variant=variant, backend=be, problem_digest=digest)


def health(store: Store, queue) -> dict:
    """What /health answers: queue counts and time to verdict; with a Celery queue, the workers."""
    store.ping()
    out = {"status": "ok", **store.queue_counts(), "time_to_verdict": store.verdict_times(),
           "queue": type(queue).__name__}
    lost_after = getattr(queue, "lost_after", None)
    if lost_after is not None:
        out["workers"] = [{k: w[k] for k in ("name", "host", "alive", "age", "heartbeat", "jobs_done", "refused",
                                             "concurrency", "backend", "image", "problems_digest")}
                          for w in store.list_workers(lost_after)]
        out["broker_waiting"] = queue.broker_length()
        out["last_sweep"] = queue.last_sweep
    return out
