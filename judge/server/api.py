"""The HTTP API under /api/v1: JSON, Bearer tokens; each route is a thin call into actions.py."""
from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import PlainTextResponse, Response

from .. import i18n
from .. import report as reports
from ..intake import STORE_CAP
from . import actions
from .actions import ApiError
from .auth import Principal, authenticate, bearer
from .packs import pack_zip, statement

router = APIRouter()
FORMAT_TYPES = {"json": "application/json", "html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8",
                "junit": "application/xml", "gradescope": "application/json", "terminal": "text/plain; charset=utf-8"}


def caller(request: Request) -> Principal:
    who = authenticate(request.app.state.store, bearer(request.headers.get("authorization")))
    if who is None:
        raise ApiError(401, "missing, unknown, expired or revoked token (send Authorization: Bearer <token>)")
    if not request.app.state.requests.allow(who.token_id):
        raise ApiError(429, "too many requests for this token; slow down")
    return who


def interviewer(who: Principal = Depends(caller)) -> Principal:
    if not who.at_least("interviewer"):
        raise ApiError(403, "this needs an interviewer or admin token")
    return who


def admin(who: Principal = Depends(caller)) -> Principal:
    if not who.at_least("admin"):
        raise ApiError(403, "this needs an admin token")
    return who


def _lang(who: Principal, lang: str | None) -> str:
    if lang is not None and lang not in i18n.LANGS:
        raise ApiError(400, f"lang must be one of {', '.join(i18n.LANGS)}")
    return lang or who.lang


@router.get("/health")
def health(request: Request):
    """Queue counts, time to verdict, and (with a broker) how many workers are alive; with an interviewer
    token, each worker (heartbeat, jobs done, problems digest, image). 503 while the database does not answer."""
    st = request.app.state
    out = actions.health(st.store, st.queue)
    if "workers" in out:
        who = authenticate(st.store, bearer(request.headers.get("authorization")))
        if who is None or not who.at_least("interviewer"):
            out["workers"] = {"alive": sum(w["alive"] for w in out["workers"])}
            out.pop("last_sweep", None)
    return out


@router.get("/me")
def me(who: Principal = Depends(caller)):
    return {"role": who.role, "name": who.name, "problems": who.problems, "lang": who.lang,
            "max_submissions": who.max_submissions, "expires": who.expires}


@router.get("/problems")
def list_problems(request: Request, who: Principal = Depends(caller)):
    return actions.visible_problems(who, request.app.state.root)


@router.get("/problems/{problem_id}")
def get_problem(request: Request, problem_id: str, lang: str | None = None, who: Principal = Depends(caller)):
    p = actions.problem_for(who, problem_id, request.app.state.root)
    return {"id": p.id, "title": p.title, "difficulty": p.difficulty, "framework": p.framework, "files": p.files,
            "statement": statement(p.id, _lang(who, lang), request.app.state.root)}


@router.get("/problems/{problem_id}/statement", response_class=PlainTextResponse)
def get_statement(request: Request, problem_id: str, lang: str | None = None, who: Principal = Depends(caller)):
    p = actions.problem_for(who, problem_id, request.app.state.root)
    return PlainTextResponse(statement(p.id, _lang(who, lang), request.app.state.root),
                             media_type="text/markdown; charset=utf-8")


@router.get("/problems/{problem_id}/pack")
def get_pack(request: Request, problem_id: str, lang: str | None = None, who: Principal = Depends(caller)):
    p = actions.problem_for(who, problem_id, request.app.state.root)
    data = pack_zip(p.id, _lang(who, lang), request.app.state.root)
    return Response(data, media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{p.id}.zip"'})


async def read_upload(upload: UploadFile) -> bytes:
    data = await upload.read(STORE_CAP + 1)
    if len(data) > STORE_CAP:
        raise ApiError(413, f"{upload.filename} is larger than the judge accepts ({STORE_CAP >> 20} MB)")
    return data


@router.post("/submissions", status_code=202)
async def create_submission(request: Request, problem: str = Form(...), label: str = Form(""),
                            files: list[UploadFile] = File(default=[]), archive: UploadFile | None = File(None),
                            who: Principal = Depends(caller)):
    """Multipart: ``problem``, and either ``files`` (one part per file, named by its filename) or ``archive`` (a zip)."""
    st = request.app.state
    if not st.submits.allow(who.token_id):
        raise ApiError(429, f"at most {st.limits.submit_per_minute} submissions a minute per token; try again soon")
    named = {}
    for f in files:
        if not f.filename:
            raise ApiError(400, "every uploaded file needs a file name")
        named[f.filename] = await read_upload(f)
    zip_data = await read_upload(archive) if archive is not None else None
    sid = actions.submit(st.store, who, problem, named, zip_data, label=label if who.at_least("interviewer") else "",
                         backend=st.backend, limits=st.limits, root=st.root)
    st.queue.enqueue(sid)
    return actions.status(st.store, who, sid)


@router.get("/submissions")
def list_submissions(request: Request, problem: str | None = None, candidate: int | None = None,
                     verdict: str | None = None, limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0),
                     sort: str = Query("time", pattern="^(time|score)$"), who: Principal = Depends(caller)):
    return actions.list_submissions(request.app.state.store, who, problem, candidate, verdict, limit, offset, sort)


@router.get("/submissions/{sid}")
def get_submission(request: Request, sid: int, who: Principal = Depends(caller)):
    return actions.status(request.app.state.store, who, sid)


@router.get("/submissions/{sid}/report")
def get_report(request: Request, sid: int, format: str = "json", audience: str | None = None,
               lang: str | None = None, who: Principal = Depends(caller)):
    if format not in reports.FORMATS:
        raise ApiError(400, f"format must be one of {', '.join(reports.FORMATS)}")
    audience = audience or ("interviewer" if who.at_least("interviewer") else "candidate")
    if audience not in reports.AUDIENCES:
        raise ApiError(400, "audience must be interviewer or candidate")
    if audience == "interviewer" and not who.at_least("interviewer"):
        raise ApiError(403, "a candidate token gets candidate reports only")
    store = request.app.state.store
    doc = actions.result_doc(store, who, sid)
    sources = reports.stored_sources(store, sid) if audience == "interviewer" else {}
    return Response(reports.render(doc, format, audience, sources, lang=_lang(who, lang)),
                    media_type=FORMAT_TYPES[format])


@router.post("/submissions/{sid}/rejudge", status_code=202)
def rejudge(request: Request, sid: int, who: Principal = Depends(interviewer)):
    st = request.app.state
    actions.submission_for(st.store, who, sid)
    job_id = actions.rejudge(st.store, sid, root=st.root)
    st.queue.enqueue(sid)
    return {"id": sid, "job": job_id, **{k: v for k, v in actions.status(st.store, who, sid).items()
                                         if k in ("state", "position")}}


@router.post("/invites", status_code=201)
def create_invite(request: Request, body: dict, who: Principal = Depends(interviewer)):
    problems_ = body.get("problems")
    if not isinstance(problems_, list) or not all(isinstance(p, str) for p in problems_):
        raise ApiError(400, "problems must be a list of problem ids")
    max_sub = body.get("max_submissions", 20)
    if max_sub is not None and not isinstance(max_sub, int):
        raise ApiError(400, "max_submissions must be an integer")
    return actions.create_invite(request.app.state.store, problems_, str(body.get("name", "")),
                                 expires=body.get("expires", "7d"), max_submissions=max_sub,
                                 lang=str(body.get("lang", "en")), created_by=who.token_id, root=request.app.state.root)


@router.get("/invites")
def list_invites(request: Request, who: Principal = Depends(interviewer)):
    return request.app.state.store.list_invites()


def _revoke(store, who: Principal, tid: int, candidates_only: bool):
    rec = store.token(tid)
    if rec is None or (candidates_only and rec["role"] != "candidate"):
        raise ApiError(404, f"no {'invite' if candidates_only else 'token'} {tid}")
    store.revoke_token(tid)
    return {"id": tid, "revoked": True}


@router.delete("/invites/{token_id}")
def revoke_invite(request: Request, token_id: int, who: Principal = Depends(interviewer)):
    return _revoke(request.app.state.store, who, token_id, candidates_only=True)


@router.post("/tokens", status_code=201)
def create_token(request: Request, body: dict, who: Principal = Depends(admin)):
    token, tid = actions.create_token(request.app.state.store, str(body.get("role", "")), str(body.get("name", "")),
                                      body.get("expires"), created_by=who.token_id)
    return {"token": token, "id": tid, "role": body.get("role")}


@router.get("/tokens")
def list_tokens(request: Request, who: Principal = Depends(admin)):
    return request.app.state.store.list_tokens()


@router.delete("/tokens/{token_id}")
def revoke_token(request: Request, token_id: int, who: Principal = Depends(admin)):
    return _revoke(request.app.state.store, who, token_id, candidates_only=False)
