"""`judge serve`, `judge token`, `judge invite`: the server side's commands (on the server's machine)."""
from __future__ import annotations

import json

import click

BACKEND = click.Choice(["docker", "local"])


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="judging threads")
@click.option("--backend", type=BACKEND, default=None, help="sandbox (default: docker when an engine answers)")
@click.option("--max-queue", default=200, show_default=True, type=click.IntRange(0),
              help="queued submissions beyond which new ones get 503")
@click.option("--submit-rate", default=20, show_default=True, type=click.IntRange(0),
              help="submissions a minute per token (0: no limit)")
@click.option("--request-rate", default=600, show_default=True, type=click.IntRange(0),
              help="API requests a minute per token (0: no limit)")
@click.option("--db", envvar="MLJUDGE_DB", default=None,
              help="store URL, e.g. postgresql://user:pass@host/db (default: SQLite in JUDGE_HOME)")
@click.option("--broker", envvar="MLJUDGE_BROKER", default=None,
              help="redis://host:6379/0: jobs go to `judge worker` processes, not to judging threads")
@click.option("--lost-after", default=30.0, show_default=True, type=click.FloatRange(5),
              help="with --broker: seconds without heartbeat after which a worker's job is requeued")
def serve(host, port, workers, backend, max_queue, submit_rate, request_rate, db, broker, lost_after):
    """Run the judge server (API under /api/v1, web UI at /, OpenAPI page at /docs)."""
    from . import serve as run
    from .actions import Limits

    run(host=host, port=port, workers=workers, backend=backend, db=db, broker=broker, lost_after=lost_after,
        limits=Limits(max_queue=max_queue, submit_per_minute=submit_rate, requests_per_minute=request_rate))


@click.group()
def token():
    """Admin and interviewer tokens (stored hashed in JUDGE_HOME)."""


@token.command("create")
@click.option("--role", type=click.Choice(["admin", "interviewer"]), required=True)
@click.option("--name", default="", help="who holds it")
@click.option("--expires", default=None, help="e.g. 30d (default: never)")
def token_create(role, name, expires):
    """Create a token and print it once (it is not stored in clear)."""
    from ..store import Store
    from .actions import create_token

    tok, tid = create_token(Store(), role, name, expires)
    click.echo(tok)
    click.echo(f"{role} token {tid} created; it is shown only now", err=True)


@token.command("list")
def token_list():
    from ..store import Store

    click.echo(json.dumps(Store().list_tokens(), indent=2))


@token.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id):
    from ..store import Store

    click.echo("revoked" if Store().revoke_token(token_id) else f"no live token {token_id}")


@click.command()
@click.argument("problems", nargs=-1, required=True)
@click.option("--name", required=True, help="the candidate's name")
@click.option("--expires", default="7d", show_default=True)
@click.option("--max-submissions", default=20, show_default=True, type=click.IntRange(1))
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
@click.option("--url", default="http://127.0.0.1:8000", show_default=True, help="the server's address, for the login line")
def invite(problems, name, expires, max_submissions, lang, url):
    """Make a candidate token scoped to PROBLEMS and print the candidate's login command."""
    from ..store import Store
    from .actions import create_invite

    inv = create_invite(Store(), list(problems), name, expires=expires, max_submissions=max_submissions, lang=lang)
    click.echo(inv["token"])
    click.echo(f"candidate runs: echo {inv['token']} | judge login {url}", err=True)
