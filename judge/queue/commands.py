"""`judge worker`: judge jobs from a Celery broker on this machine (see docs/deploy.md)."""
from __future__ import annotations

import click

BACKEND = click.Choice(["docker", "local"])


@click.command()
@click.option("--broker", envvar="MLJUDGE_BROKER", required=True, help="redis://host:6379/0 (or $MLJUDGE_BROKER)")
@click.option("--db", envvar="MLJUDGE_DB", required=True, help="postgresql://user:pass@host/db (or $MLJUDGE_DB)")
@click.option("--concurrency", default=1, show_default=True, type=click.IntRange(1, 64),
              help="jobs judged at a time (one per core is a good start)")
@click.option("--backend", type=BACKEND, default=None, help="sandbox (default: docker when an engine answers)")
@click.option("--name", default=None, help="worker name (default: host-pid)")
@click.option("--lost-after", default=30.0, show_default=True, type=click.FloatRange(5),
              help="seconds without heartbeat after which another worker may take a worker's job")
def worker(broker, db, concurrency, backend, name, lost_after):
    """Judge jobs from the broker: files from the store, judged in this machine's sandbox, result to the store."""
    import logging

    from .. import problem as problems
    from ..store import Store
    from .worker import run

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    store = Store(url=db)
    run(broker, store, problems.find_root(), backend=backend, concurrency=concurrency, name=name,
        echo=lambda line: click.echo(line, err=True), lost_after=lost_after)
