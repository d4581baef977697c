"""The interviewer's web pages: submissions dashboard, candidates and invites, batch grading."""
from __future__ import annotations

import time
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse

from .. import problem as problems
from ..report import fields
from . import actions, batches
from .actions import ApiError
from .api import read_upload
from .web import CSP, base_url, check_csrf, need, page, user

router = APIRouter(include_in_schema=False)


@router.get("/dashboard")
def dashboard(request: Request, problem: str = "", verdict: str = "", candidate: str = "", sort: str = "time",
              offset: int = 0, limit: int = 50):
    who, csrf = user(request)
    need(who, "interviewer")
    st = request.app.state
    cand = int(candidate) if candidate.isdigit() else None
    rows = actions.list_submissions(st.store, who, problem or None, cand, verdict or None, limit, offset,
                                    "score" if sort == "score" else "time")
    f = {"problem": problem, "verdict": verdict, "candidate": candidate, "sort": sort, "offset": offset,
         "limit": limit}
    q = {k: v for k, v in f.items() if v and k not in ("offset", "limit")}
    lost_after = getattr(st.queue, "lost_after", None)
    return page("web_dashboard.html", who=who, csrf=csrf, rows=rows, f=f, queue=st.store.queue_counts(),
                ttv=st.store.verdict_times(),
                workers=st.store.list_workers(lost_after) if lost_after is not None else None,
                problems=problems.list_ids(st.root or problems.find_root()), verdicts=list(fields.VERDICT_LABEL),
                candidates=st.store.list_invites(),
                prev="/dashboard?" + urlencode({**q, "offset": max(0, offset - limit)}),
                next="/dashboard?" + urlencode({**q, "offset": offset + limit}))


@router.get("/invites")
def invites(request: Request):
    who, csrf = user(request)
    need(who, "interviewer")
    return _invites_page(request, who, csrf)


def _invites_page(request, who, csrf, created=None):
    st = request.app.state
    return page("web_invites.html", who=who, csrf=csrf, invites=st.store.list_invites(), created=created,
                problems=problems.list_ids(st.root or problems.find_root()), base_url=base_url(request),
                now=time.time())


@router.post("/invites")
async def create_invite(request: Request):
    form = await request.form()
    who, csrf = check_csrf(request, str(form.get("csrf", "")))
    need(who, "interviewer")
    max_sub = str(form.get("max_submissions", "") or "")
    if max_sub and not max_sub.isdigit():
        raise ApiError(400, "max submissions must be a whole number")
    created = actions.create_invite(request.app.state.store, [str(p) for p in form.getlist("problems")],
                                    str(form.get("name", "")), expires=str(form.get("expires", "7d")),
                                    max_submissions=int(max_sub) if max_sub else None,
                                    lang=str(form.get("lang", "en")), created_by=who.token_id,
                                    root=request.app.state.root)
    return _invites_page(request, who, csrf, created)


@router.post("/invites/{tid}/revoke")
def revoke_invite(request: Request, tid: int, csrf: str = Form("")):
    who, _ = check_csrf(request, csrf)
    need(who, "interviewer")
    rec = request.app.state.store.token(tid)
    if rec is None or rec["role"] != "candidate":
        raise ApiError(404, f"no invite {tid}")
    request.app.state.store.revoke_token(tid)
    return RedirectResponse("/invites", status_code=303)


# ---- batch -------------------------------------------------------------------------
@router.get("/batch")
def batch_page(request: Request):
    who, csrf = user(request)
    need(who, "interviewer")
    st = request.app.state
    return page("web_batch.html", who=who, csrf=csrf, batches=batches.listing(st.store),
                problems=problems.list_ids(st.root or problems.find_root()))


@router.post("/batch")
async def batch_start(request: Request, csrf: str = Form(""), problem: str = Form(""),
                      archive: UploadFile = File(...)):
    who, _ = check_csrf(request, csrf)
    need(who, "interviewer")
    st = request.app.state
    actions.problem_for(who, problem, st.root)
    n = batches.start(st.store, problem, await read_upload(archive), backend=st.backend, root=st.root)
    return RedirectResponse(f"/batch/{n}/", status_code=303)


@router.get("/batch/{n}/{rel:path}")
def batch_file(request: Request, n: int, rel: str = ""):
    who, csrf = user(request)
    need(who, "interviewer")
    state = batches.state(request.app.state.store, n)
    if state["state"] != "done":
        msg = state.get("error") or "still judging; reload in a moment"
        return page("web_error.html", status=200 if state["state"] == "running" else 500, who=who, csrf=csrf,
                    message=f"batch {n} ({state['problem']}): {state['state']}: {msg}")
    path = batches.output_file(request.app.state.store, n, rel)
    return FileResponse(path, headers={"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"})
