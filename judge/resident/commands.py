"""`judge resident start|stop|status`: the resident judge of this JUDGE_HOME."""
from __future__ import annotations

import json
import time

import click


@click.group()
def resident():
    """The resident judge: judges `judge submit` calls without the command's start-up."""


@resident.command()
@click.option("--idle", type=click.FloatRange(1), default=None,
              help="seconds without a request after which it ends (default 900, MLJUDGE_RESIDENT_IDLE)")
@click.option("--wait", type=click.FloatRange(0), default=60.0, show_default=True,
              help="seconds to wait until it answers")
def start(idle, wait):
    """Start it (detached) unless one with this code already runs."""
    from . import client

    st = client.start(wait=wait, idle=idle)
    if st is None:
        raise click.ClickException(f"the resident judge did not answer within {wait:.0f}s; "
                                   f"see {client.protocol.run_dir() / 'resident.log'}")
    click.echo(f"resident judge {st['pid']} listening on {client.protocol.socket_path()}")


@resident.command()
def stop():
    """Stop it (it removes the warm sandboxes it made)."""
    from . import client

    click.echo("stopped" if client.stop() else "no resident judge here")


@resident.command()
@click.option("--json", "as_json", is_flag=True)
def status(as_json):
    """Whether one runs here, since when, what it judged, and whether this code matches it."""
    from . import client

    st = client.status()
    if st is None:
        if as_json:
            click.echo(json.dumps({"running": False}))
        else:
            click.echo("no resident judge here")
        return
    current = st.get("code") == client.protocol.code_digest()
    same_env = st.get("env") == client.protocol.environment()
    if as_json:
        st = {k: v for k, v in st.items() if k != "env"}  # values may hold the secret
        click.echo(json.dumps({"running": True, **st, "current": current, "same_env": same_env}))
        return
    click.echo(f"resident judge {st['pid']}: up {time.time() - st['started']:.0f}s, {st['judged']} judged, "
               f"{st['active']} judging; " + ("serves this command" if current and same_env else
                                            "other code" if not current else "another judge environment"))
