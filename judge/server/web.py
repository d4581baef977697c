"""The web UI: server-rendered pages (Jinja2), a session cookie, CSRF tokens on every form.

Sign-in puts the token in an HttpOnly, SameSite=Strict cookie; each form
carries ``csrf`` = HMAC(server secret, token hash). Pages call actions.py like
the API does; a Content-Security-Policy forbids scripts and fetches.
"""
from __future__ import annotations

import hmac
import secrets
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import ChoiceLoader, FileSystemLoader

from .. import i18n
from .. import report as reports
from ..report import fields
from ..report.audience import view
from ..report.html import environment as report_env
from ..report.plot import series_svg
from ..store import token_hash
from . import actions
from .actions import ApiError
from .api import read_upload
from .auth import Principal, authenticate
from .packs import pack_zip, statement

router = APIRouter(include_in_schema=False)
COOKIE = "judge_session"
TEMPLATES = Path(__file__).resolve().parent / "templates"
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")


@lru_cache(maxsize=1)
def env():
    base = report_env()
    e = base.overlay(loader=ChoiceLoader([FileSystemLoader(str(TEMPLATES)), base.loader]))
    e.globals.update(series_svg=series_svg)
    return e


def secret(request: Request) -> bytes:
    st = request.app.state
    if not getattr(st, "web_secret", None):
        path = st.store.home / "web-secret"
        if not path.is_file():
            path.write_bytes(secrets.token_bytes(32))
            path.chmod(0o600)
        st.web_secret = path.read_bytes()
    return st.web_secret


def csrf_for(request: Request, token: str) -> str:
    return hmac.new(secret(request), token_hash(token).encode(), "sha256").hexdigest()[:40]


def user(request: Request) -> tuple[Principal, str]:
    token = request.cookies.get(COOKIE)
    who = authenticate(request.app.state.store, token)
    if who is None:
        raise ApiError(401, "sign in first")
    return who, csrf_for(request, token)


def check_csrf(request: Request, given: str) -> tuple[Principal, str]:
    who, csrf = user(request)
    if not hmac.compare_digest(csrf, given or ""):
        raise ApiError(403, "the form is stale or forged (CSRF check failed); reload the page")
    return who, csrf


def need(who: Principal, role: str) -> None:
    if not who.at_least(role):
        raise ApiError(403, f"this page needs an {role} token")


def page(name: str, status: int = 200, **ctx) -> HTMLResponse:
    html = env().get_template(name).render(**ctx)
    return HTMLResponse(html, status_code=status, headers={"Content-Security-Policy": CSP,
                                                           "X-Content-Type-Options": "nosniff",
                                                           "Referrer-Policy": "no-referrer"})


def error_page(status: int, message: str, request: Request) -> Response:
    if status == 401:
        return RedirectResponse("/login", status_code=303)
    return page("web_error.html", status=status, message=message, who=None, csrf="")


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


# ---- sign in -------------------------------------------------------------------
@router.get("/")
def index(request: Request):
    try:
        who, _ = user(request)
    except ApiError:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse("/dashboard" if who.at_least("interviewer") else "/home", status_code=303)


LOGIN_COOKIE = "judge_login"  # sign-in CSRF: a random value in a SameSite=Strict cookie and in the form


def _login_page(request: Request, status: int = 200, error: str = "") -> HTMLResponse:
    nonce = secrets.token_hex(16)
    resp = page("web_login.html", status=status, who=None, csrf=nonce, error=error)
    resp.set_cookie(LOGIN_COOKIE, nonce, httponly=True, samesite="strict", path="/login",
                    secure=request.url.scheme == "https", max_age=3600)
    return resp


@router.get("/login")
def login_form(request: Request):
    return _login_page(request)


@router.post("/login")
def login(request: Request, token: str = Form(""), csrf: str = Form("")):
    """A cross-site form cannot sign a browser in with the attacker's token: it has no matching cookie."""
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf):
        return _login_page(request, 403, "the sign-in form is stale or forged (CSRF check failed); try again")
    who = authenticate(request.app.state.store, token.strip())
    if who is None:
        return _login_page(request, 401, "unknown, expired or revoked token")
    resp = RedirectResponse("/", status_code=303)
    resp.set_cookie(COOKIE, token.strip(), httponly=True, samesite="strict", path="/",
                    secure=request.url.scheme == "https", max_age=7 * 86400)
    resp.delete_cookie(LOGIN_COOKIE, path="/login")
    return resp


@router.post("/logout")
def logout(request: Request, csrf: str = Form("")):
    check_csrf(request, csrf)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(COOKIE, path="/")
    return resp


# ---- submissions -----------------------------------------------------------------
@router.get("/submissions/{sid}")
def submission(request: Request, sid: int):
    who, csrf = user(request)
    st = request.app.state
    status = actions.status(st.store, who, sid)
    if status["result"] is None:
        return page("web_pending.html", who=who, csrf=csrf, st=status)
    doc = st.store.latest_result(sid)
    audience = "interviewer" if who.at_least("interviewer") else "candidate"
    sources = reports.stored_sources(st.store, sid) if audience == "interviewer" else {}
    _ = i18n.translator(who.lang if audience == "candidate" else "en")  # the invite's language
    v = view(doc, audience, sources, _)
    return page("web_submission.html", who=who, csrf=csrf, v=v, run_stats=fields.run_stats(v),
                reproducibility=fields.reproducibility(v), logs=fields.logs(v), integrity=fields.integrity(v), _=_)


@router.post("/submissions/{sid}/rejudge")
def rejudge(request: Request, sid: int, csrf: str = Form("")):
    who, _ = check_csrf(request, csrf)
    need(who, "interviewer")
    st = request.app.state
    actions.submission_for(st.store, who, sid)
    actions.rejudge(st.store, sid, root=st.root)
    st.queue.enqueue(sid)
    return RedirectResponse(f"/submissions/{sid}", status_code=303)


@router.get("/problems")
def problem_list(request: Request):
    who, csrf = user(request)
    return page("web_problems.html", who=who, csrf=csrf, problems=actions.visible_problems(who, request.app.state.root))


@router.get("/problems/{problem_id}")
def problem_page(request: Request, problem_id: str, lang: str = ""):
    who, csrf = user(request)
    p = actions.problem_for(who, problem_id, request.app.state.root)
    lang = lang if lang in i18n.LANGS else who.lang
    return page("web_problem.html", who=who, csrf=csrf, p=p, lang=lang, candidate=not who.at_least("interviewer"),
                statement=statement(p.id, lang, request.app.state.root),
                variants=p.variants if who.at_least("interviewer") else None)


@router.get("/problems/{problem_id}/pack")
def pack(request: Request, problem_id: str, lang: str = ""):
    who, _ = user(request)
    p = actions.problem_for(who, problem_id, request.app.state.root)
    data = pack_zip(p.id, lang if lang in i18n.LANGS else who.lang, request.app.state.root)
    return Response(data, media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{p.id}.zip"'})


@router.post("/problems/{problem_id}/submit")
async def upload(request: Request, problem_id: str, csrf: str = Form(""), files: list[UploadFile] = File(default=[])):
    who, _ = check_csrf(request, csrf)
    st = request.app.state
    if not st.submits.allow(who.token_id):
        raise ApiError(429, f"at most {st.limits.submit_per_minute} submissions a minute; try again soon")
    named, zip_data = {}, None
    for f in files:
        data = await read_upload(f)
        if (f.filename or "").endswith(".zip"):
            zip_data = data
        elif f.filename:
            named[Path(f.filename).name] = data
    sid = actions.submit(st.store, who, problem_id, named, zip_data, backend=st.backend, limits=st.limits,
                         root=st.root)
    st.queue.enqueue(sid)
    return RedirectResponse(f"/submissions/{sid}", status_code=303)


# ---- candidate ---------------------------------------------------------------------
@router.get("/home")
def home(request: Request):
    who, csrf = user(request)
    st = request.app.state
    return page("web_home.html", who=who, csrf=csrf, problems=actions.visible_problems(who, st.root),
                rows=actions.list_submissions(st.store, who, limit=200), base_url=base_url(request))


