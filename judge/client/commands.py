"""Client commands: `judge login/logout/status`, and the remote halves of init/submit/report."""
from __future__ import annotations

import io
import json
import os
import sys
import zipfile
from pathlib import Path

import click

from ..errors import UsageError
from .config import Login, clear_login, load_login, save_login

SERVER = click.option("--server", "server", default=None, metavar="URL",
                      help="judge on this server (default: the one you logged in to; token from JUDGE_TOKEN or the login)")


def Client(url: str, token: str):  # noqa: N802 - httpx is imported only when a server is used
    from .remote import Client as _Client

    return _Client(url, token)


def remote(server: str | None):
    """A client when ``--server`` is given or a login exists; None to stay local."""
    login = load_login()
    if server:
        token = os.environ.get("JUDGE_TOKEN") or (login.token if login else None)
        if not token:
            raise UsageError("no token: run `judge login URL` or set JUDGE_TOKEN")
        return Client(server, token)
    return Client(login.url, login.token) if login else None


def login(url: str, token: str | None) -> dict:
    """Check the token against the server, then keep it (mode 0600)."""
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"{url} is not an http(s) URL")
    token = (token or "").strip()
    if not token:
        raise UsageError("no token given (pass --token or pipe it on stdin)")
    me = Client(url, token).me()
    path = save_login(Login(url=url.rstrip("/"), token=token))
    return {**me, "saved": str(path)}


def unpack(data: bytes, problem: str, dest: str | None) -> Path:
    """Write a downloaded pack (a zip with one folder named for the problem) into ``dest``."""
    target = Path(dest or problem)
    if target.exists() and any(target.iterdir()):
        raise UsageError(f"{target} exists and is not empty; choose another folder")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            parts = Path(info.filename).parts
            if len(parts) < 2 or parts[0] != problem or ".." in parts or info.filename.startswith("/"):
                raise UsageError(f"the server sent an unexpected pack entry {info.filename!r}")
            out = target.joinpath(*parts[1:])
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(zf.read(info))
    return target


def spinner_status(st: dict, frames="|/-\\", state={"i": 0}) -> None:
    if not sys.stderr.isatty():
        return
    state["i"] += 1
    where = f"position {st['position']} in the queue" if st["state"] == "queued" else st["state"]
    sys.stderr.write(f"\r{frames[state['i'] % len(frames)]} submission {st['id']}: {where}   ")
    sys.stderr.flush()


def print_result(st: dict, as_json: bool, lang: str = "en") -> None:
    doc = st["result"]
    if as_json:
        click.echo(json.dumps(doc, indent=2))
        return
    from rich.console import Console

    from .. import i18n
    from ..report.audience import view
    from ..report.terminal import render_view

    v = doc if doc.get("audience") == "candidate" else view(doc, "interviewer")
    render_view(v, Console(width=None if sys.stdout.isatty() else 150), _=i18n.translator(lang))


@click.command("login")
@click.argument("url")
@click.option("--token", default=None, help="default: read from stdin")
def login_cmd(url, token):
    """Log in to a judge server; then init, submit, status and report go to it."""
    if token is None:
        token = click.prompt("token", hide_input=True) if sys.stdin.isatty() else sys.stdin.readline()
    me = login(url, token)
    click.echo(f"logged in to {url} as {me['role']} {me['name']!r}; saved in {me['saved']}")


@click.command("logout")
def logout_cmd():
    """Forget the saved login (commands run locally again)."""
    click.echo("logged out" if clear_login() else "not logged in")


@click.command("status")
@click.argument("submission_id", type=int)
@SERVER
@click.option("--json", "as_json", is_flag=True)
def status_cmd(submission_id, server, as_json):
    """A submission's state, queue position and (when judged) verdict."""
    client = remote(server)
    if client is None:
        from .. import service

        doc = service.report(submission_id)
        st = {"id": submission_id, "state": "done", "position": 0, "verdict": doc["verdict"], "score": doc["score"]}
    else:
        st = client.status(submission_id)
    if as_json:
        click.echo(json.dumps(st, indent=2))
        return
    line = f"submission {st['id']}: {st['state']}"
    if st["state"] == "queued":
        line += f", position {st['position']} in the queue"
    if st.get("verdict"):
        line += f"; {st['verdict']} {st['score']:g}/100"
    click.echo(line)
